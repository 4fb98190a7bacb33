// @ts-check
// Folds trace events into the Lab's state: the same rules as dev.racetrack.sim.TraceFolder,
// kept in step by a golden fixture that the Java tests write and the node tests read
// (frontend/test/lab/fixtures/folder-parity.json). The state has exactly LabState's JSON shape.

import { catalogue } from './catalogue.js';

/** The state before the first event of a run on `cpus` CPUs. */
export function initialState(cpus) {
  return new Folder(cpus).state();
}

/** Folds events[0..step] (inclusive) into a fresh state. Pure. */
export function fold(events, cpus, step = events.length - 1) {
  const folder = new Folder(cpus);
  const last = Math.min(step, events.length - 1);
  for (let i = 0; i <= last; i++) folder.apply(events[i]);
  return folder.state();
}

/**
 * The mutable folder behind fold, for players that apply many events in a row. Its
 * fields mirror TraceFolder's; state() returns a fresh, plain copy.
 */
export class Folder {
  constructor(cpus) {
    this.cpuCount = cpus;
    this.step = -1;
    this.t = 0;
    this.conntrack = new Map(); // id -> CtView (sorted by id in state())
    this.counters = Array.from({ length: cpus }, () => ({}));
    this.rovers = {};
    this.cpus = Array.from({ length: cpus }, () => null);
    this.packetCpu = new Map();
    this.packets = new Map(); // packet id -> InFlight (sorted by id in state())
    this.timers = new Map(); // "flow/timer" -> Timer, insertion order (LinkedHashMap)
    this.flows = new Map(); // flow id -> FlowView, insertion order
    this.drops = [];
    /** @type {(any|null)[]} each CPU's port search (LabState.Walk), or null */
    this.walks = Array.from({ length: cpus }, () => null);
  }

  /** A folder that continues from a state (a server snapshot, or state()). */
  static fromState(s) {
    const f = new Folder(s.cpus.length);
    f.step = s.step;
    f.t = s.t;
    for (const ct of s.conntrack) f.conntrack.set(ct.id, ct);
    f.counters = s.counters.map((m) => ({ ...m }));
    f.rovers = { ...s.rovers };
    f.cpus = [...s.cpus];
    // TraceFolder frees a CPU only when it still holds the packet, so the inverse of `cpus`
    // is all of its packet -> CPU map that can ever matter.
    s.cpus.forEach((p, cpu) => {
      if (p !== null && p !== undefined) f.packetCpu.set(p, cpu);
    });
    for (const f2 of s.packets) f.packets.set(f2.packet.id, f2);
    for (const tm of s.timers) f.timers.set(`${tm.flow}/${tm.timer}`, tm);
    for (const fl of s.flows) f.flows.set(fl.id, fl);
    f.drops = [...s.drops];
    f.walks = s.walks ? [...s.walks] : Array.from({ length: s.cpus.length }, () => null);
    return f;
  }

  /**
   * Applies one event. Every event type has its fold here ({@link FOLDS}), even when it changes
   * nothing but the step and time: a type the table lacks is an error, not a silent skip.
   * @param {TraceEvent} e
   */
  apply(e) {
    const fold = FOLDS[e.type];
    if (!fold) throw new Error(`no fold for event type ${e.type} (add it to reducer.js FOLDS, as TraceFolder folds it)`);
    this.step = e.seq;
    this.t = e.t;
    if (e.counters && e.cpu >= 0 && e.cpu < this.cpuCount) {
      this.counters[e.cpu] = { ...this.counters[e.cpu], ...e.counters };
    }
    if (e.rover) this.rovers = { ...this.rovers, [e.rover.proto]: e.rover };
    fold(this, e, e.change || {});
  }

  moved(e, where) {
    const f = this.packets.get(e.packet);
    if (f) this.packets.set(e.packet, { packet: f.packet, where, t: e.t });
  }

  freeCpu(packet) {
    const cpu = this.packetCpu.get(packet);
    this.packetCpu.delete(packet);
    if (cpu !== undefined && this.cpus[cpu] === packet) {
      this.cpus[cpu] = null;
      this.walks[cpu] = null;
    }
  }

  put(ct) {
    if (ct) this.conntrack.set(ct.id, ct);
  }

  remove(id) {
    if (id !== null && id !== undefined) this.conntrack.delete(id);
  }

  /** @returns {LabState} a fresh, plain copy */
  state() {
    return {
      step: this.step,
      t: this.t,
      conntrack: [...this.conntrack.values()].sort((a, b) => a.id - b.id),
      counters: this.counters.map(sortedObject),
      rovers: sortedObject(this.rovers),
      cpus: [...this.cpus],
      packets: [...this.packets.values()].sort((a, b) => a.packet.id - b.packet.id),
      timers: [...this.timers.values()],
      flows: [...this.flows.values()],
      drops: [...this.drops],
      walks: [...this.walks],
    };
  }
}

/**
 * How each event type changes the state: the rules of dev.racetrack.sim.TraceFolder, one entry
 * per kind of dev.racetrack.sim.Change. The node tests check this table against the catalogue's
 * event types (every kind the engine has) and the parity fixture (every kind the engine emits).
 * @type {Record<string, (f: Folder, e: TraceEvent, c: any) => void>}
 */
export const FOLDS = {
  'ct-new': (f, e, c) => {
    f.remove(c.reopened);
    f.remove(c.earlyDropped);
    f.put(c.ct);
  },
  'ct-found': (f, e, c) => {
    if (c.deleted) f.conntrack.delete(c.ct.id);
    else f.put(c.ct);
  },
  // 6.x: the port search may evict a TIME_WAIT entry (nf_nat_used_tuple_harder).
  'nat-setup': (f, e, c) => {
    if (c.search && c.search.evicted >= 0) f.conntrack.delete(c.search.evicted);
    f.put(c.ct);
    // The SNAT step that ends a CPU's port search: the walk stays, on the port chosen.
    const w = e.cpu >= 0 && e.cpu < f.cpuCount ? f.walks[e.cpu] : null;
    if (w && c.ct && w.ct === c.ct.id) f.walks[e.cpu] = { ...w, port: c.ct.reply.dport, taken: false, chosen: true };
  },
  'port-walk': (f, e, c) => {
    if (e.cpu < 0 || e.cpu >= f.cpuCount) return;
    const w = f.walks[e.cpu];
    let takenPorts = w && w.ct === c.ct && !w.chosen ? (w.takenPorts ?? []) : [];
    // The last walkTakenKept candidates found taken, oldest first (the server's fold keeps as many).
    if (c.taken && c.port >= 0) takenPorts = [...takenPorts, c.port].slice(-catalogue().walkTakenKept);
    f.walks[e.cpu] = {
      ct: c.ct,
      proto: c.proto,
      base: c.firstPort,
      port: c.port,
      tries: c.tries,
      taken: c.taken,
      offsetSource: c.offsetSource,
      roverBefore: c.roverBefore,
      chosen: false,
      takenPorts,
    };
  },
  'ct-confirm': (f, e, c) => f.put(c.ct),
  'ct-clash': (f, e, c) => {
    if (c.resolution === 'CLASH_ENTRY') f.put(c.survivor);
    else f.conntrack.delete(c.loser.id);
    f.put(c.winner);
  },
  'ct-chaintoolong': (f, e, c) => {
    f.conntrack.delete(c.ct.id);
  },
  'ct-destroy': (f, e, c) => {
    f.conntrack.delete(c.id);
  },
  'cpu-take': (f, e) => {
    const cpu = e.cpu;
    const packet = /** @type {number} */ (e.packet);
    f.cpus[cpu] = packet;
    f.walks[cpu] = null;
    f.packetCpu.set(packet, cpu);
    f.moved(e, `cpu${cpu}`);
  },
  'packet-sent': (f, e, c) => {
    f.packets.set(e.packet, { packet: c.packet, where: e.iface, t: e.t });
  },
  'packet-hop': (f, e, c) => {
    f.packets.set(e.packet, { packet: c.packet, where: e.iface, t: e.t });
    if (c.direction === 'out' && (e.iface === 'eth0' || e.iface === 'cni0')) f.freeCpu(e.packet);
  },
  'nat-packet': (f, e, c) => {
    f.packets.set(e.packet, { packet: c.after, where: `cpu${e.cpu}`, t: e.t });
  },
  'packet-received': (f, e) => {
    f.packets.delete(e.packet);
  },
  'packet-drop': (f, e, c) => {
    f.drops.push({ packet: e.packet, cpu: e.cpu, t: e.t, reason: c.reason });
    f.packets.delete(e.packet);
    f.freeCpu(e.packet);
  },
  'timer-set': (f, e, c) => {
    f.timers.set(`${c.flow}/${c.timer}`, { flow: c.flow, timer: c.timer, expiresAt: c.expiresAt });
  },
  'timer-fire': (f, e, c) => {
    f.timers.delete(`${c.flow}/${c.timer}`);
  },
  'timer-clear': (f, e, c) => {
    f.timers.delete(`${c.flow}/${c.timer}`);
  },
  'flow-start': (f, e, c) => {
    f.flows.set(c.flow.id, c.flow);
  },
  'flow-done': (f, e, c) => {
    f.flows.set(c.flow.id, c.flow);
  },
  // Steps that change nothing the Lab folds (their counters and rover, applied above, aside).
  'raw-notrack': () => {},
  'ct-invalid': () => {},
  'ct-none': () => {},
  'nat-rules': () => {},
  'nat-skip': () => {},
  route: () => {},
  'confirm-skip': () => {},
  'resolver-option': () => {},
};

/**
 * @param {Record<string, any>} m
 * @returns {Record<string, any>}
 */
function sortedObject(m) {
  const out = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k];
  return out;
}
