// The shapes of what the server sends the browser, for the type check (tsc --noEmit) of the
// JSDoc-typed modules in js/. Global declarations: no module imports them, none is shipped.

/** A 5-tuple as the trace writes it. */
declare type Tuple = { src: string; sport: number; dst: string; dport: number; proto?: string };

/** One step of a run (dev.racetrack.sim.TraceEvent). */
declare type TraceEvent = {
  seq: number;
  t: number;
  cpu: number;
  type: string;
  packet: number | null;
  hook: string | null;
  iface: string | null;
  func: string | null;
  text: string;
  counters: Record<string, number> | null;
  rover: { proto: string; port: number } | null;
  change: any;
};

/** A conntrack entry as the Lab draws it (dev.racetrack.sim.Views.CtView). */
declare type CtView = {
  id: number;
  proto: string;
  orig: Tuple;
  reply: Tuple;
  confirmed: boolean;
  clash?: boolean;
  cpu: number;
  state?: string;
  expiresAt: number;
  [k: string]: any;
};

/** What the Lab draws at a step (dev.racetrack.sim.LabState). */
declare type LabState = {
  step: number;
  t: number;
  conntrack: CtView[];
  counters: Record<string, number>[];
  rovers: Record<string, { proto: string; port: number }>;
  cpus: (number | null)[];
  packets: { packet: any; where: string; t: number }[];
  timers: { flow: string; timer: string; expiresAt: number }[];
  flows: any[];
  drops: { packet: number; cpu: number; t: number; reason: string }[];
  walks: (Walk | null)[];
};

/** A CPU's port search (dev.racetrack.sim.LabState.Walk). */
declare type Walk = {
  ct: number;
  proto: string;
  base: number;
  port: number;
  tries: number;
  taken: boolean;
  offsetSource: string;
  roverBefore: number;
  chosen: boolean;
  /** The candidates found taken, in the order tested: the last `walkTakenKept` of the catalogue. */
  takenPorts: number[];
};

/** A row of port cells a port search is drawn on (render/scene.js walkGeometry). */
declare type WalkStrip = {
  cpus: number[];
  x: number;
  y: number;
  w: number;
  h: number;
  cellW: number;
  cells: { port: number; x: number; state: 'taken' | 'free' | 'untested'; base: boolean; holder: number | null }[];
  shared: boolean;
  /** the cells' type size, px */
  fs: number;
};

/** A CPU's walker on its strip. */
declare type Walker = {
  cpu: number;
  port: number;
  x: number;
  y: number;
  w: number;
  h: number;
  side: 'above' | 'below';
  state: 'start' | 'taken' | 'free' | 'chosen';
  label: string;
  /** the label's type size, px */
  fs: number;
};

/** Two or more walkers on one port: the cell they meet on. */
declare type WalkMeet = { port: number; cpus: number[]; x: number; y: number; w: number; h: number };

/** A guided beat (dev.racetrack.scenario.Beats.Beat). */
declare type Beat = { step: number; text: string };

/** A run's parameters with every default resolved (dev.racetrack.web.shared.ParamsView). */
declare type Params = Record<string, string | number>;

/** A knob (dev.racetrack.web.shared.Knob). */
declare type Knob = {
  name: string;
  label: string;
  kind: 'choice' | 'number';
  options: { value: string; label: string }[];
  min: number | null;
  max: number | null;
};

/** The catalogue (dev.racetrack.web.lab.LabCatalogue), from GET /api/catalogue or the page. */
declare type Catalogue = {
  knobs: Knob[];
  scenarios: {
    id: string;
    title: string;
    summary: string;
    watch: string;
    replay: boolean;
    defaults: Params;
    remedies: Params[];
    /** runs worth showing next: the intro card's "Try" links */
    variants: { label: string; why: string; params: Record<string, string> }[];
  }[];
  kernels: { id: string; synLossNs: number[] }[];
  resolvers: { id: string; retryNs: number }[];
  eventTypes: string[];
  pacing: { stepMillis: number; minorWeight: number; minDelayMillis: number; idleMillis: number; speeds: number[]; minor: string[] };
  presets: { id: string; title: string; scenario: string; params: Record<string, string> }[];
  workloads: { id: string; sustained: boolean; clients: boolean; standsFor: string }[];
  walkTakenKept: number;
};

/** A run as the Lab shows it (dev.racetrack.web.lab.LabRun, plus what the page adds). */
declare type LabRunData = {
  params: Params;
  topology: any;
  rules: string[];
  rawRules?: string[];
  replay: boolean;
  title?: string;
  error?: string | null;
  events?: TraceEvent[];
  beats?: Beat[];
  idle?: Span[];
  step?: number;
};

/** A stretch of idle steps (dev.racetrack.scenario.Beats.Span). */
declare type Span = { from: number; to: number };

/** What /api/simulate says of a run besides its events (dev.racetrack.web.lab.LabStory). */
declare type Story = { beats: Beat[]; idle: Span[]; race: boolean | null; warning: string | null };

/** What a source tells its player: (kind, data), see js/lab/sources.js. */
declare type Listener = (kind: string, data: any) => void;

/** A run as the Lab keeps it (js/lab/run.js buildRun). */
declare type Run = {
  params: Params;
  topology: any;
  rules: string[];
  rawRules: string[];
  replay: boolean;
  events: TraceEvent[];
  beats: Beat[];
  idle: (step: number) => boolean;
  warning: string | null;
  remote: { server: boolean; dns: boolean };
  marks: { step: number; kind: string; text: string }[];
  checkpoints: { stateAt(step: number): LabState };
  annotator: { at(step: number): any; history(packet: number, step: number): any };
  podIps: Map<string, string>;
};
