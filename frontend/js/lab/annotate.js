// @ts-check
// What the Lab draws beside the folded state, read off the trace up to a step: where each packet
// is along the hook pipeline, the race windows on each CPU, the NAT rewrite of each packet, what
// just changed (counters, rules, the clash), the latest drop on each CPU with where it happened,
// and the timeline's markers.
//
// An Annotator reads the trace forward, one event per step, and keeps only what a later step can
// still draw (packets in flight, entries in the table), with a checkpoint every `every` steps:
// drawing the next step reads one event whether it is step 10 or step 100,000, and a jump back
// reads at most `every` events from the checkpoint before it.

/**
 * @typedef {object} Window a race window: a CPU between choosing a NAT tuple and confirming it
 * @property {number} packet
 * @property {number} cpu
 * @property {number} startStage
 * @property {number} startStep
 * @property {number|null} endStep
 * @property {string|null} outcome
 * @property {number} ct
 * @property {Tuple} chosen
 * @property {string} manip
 * @property {any} search
 */

/**
 * @typedef {object} DropMark
 * @property {number} packet
 * @property {number} stage
 * @property {number} cpu
 * @property {number} step
 * @property {string} reason
 * @property {string|undefined} label
 * @property {string|undefined} pod
 */

/**
 * @typedef {object} Notes what a step adds to the folded state; valid until the annotator's next call
 * @property {TraceEvent|null} event
 * @property {Map<number, number>} stage
 * @property {Map<number, string>} pod
 * @property {Map<number, {text: string, step: number, manip: string}>} rewrite
 * @property {Map<number, string>} label
 * @property {Map<number, Window>} windows
 * @property {Map<number, Window>} lastWindow
 * @property {Map<number, DropMark>} dropAt the latest drop of each CPU, by CPU (in the order of their first drop)
 * @property {Map<number, number[]>} ctPackets
 * @property {any} rulesMatched
 * @property {{cpu: number, keys: string[]}|null} countersChanged
 * @property {{loser: number, winner: number, resolution: string}|null} clash
 * @property {number|null} destroyed
 * @property {{cpu: number, rover: any, search: any}|null} roverMoved
 * @property {string|null} shared the address:port that two CPUs' race windows both chose, drawn in one colour
 */

/** The pipeline's stages, left to right, with the kernel functions the captions name. */
export const STAGES = [
  { key: 'ct', name: 'conntrack', short: 'ct', func: 'nf_conntrack_in', hook: 'PREROUTING' },
  { key: 'dnat', name: 'DNAT', func: 'nf_nat_ipv4_pre_routing', hook: 'PREROUTING' },
  { key: 'route', name: 'route', func: 'ip_forward', hook: 'routing' },
  { key: 'snat', name: 'SNAT', func: 'nf_nat_ipv4_out', sub: 'get_unique_tuple', hook: 'POSTROUTING' },
  { key: 'rewrite', name: 'rewrite', func: 'nf_nat_packet', hook: 'POSTROUTING' },
  { key: 'confirm', name: 'confirm', func: '__nf_conntrack_confirm', hook: 'POSTROUTING' },
];

const CT_STAGE = 0;
const DNAT_STAGE = 1;
const CONFIRM_STAGE = 5;

/**
 * The pipeline stage an event puts its packet at, or -1 when it is not a hook step.
 * @param {TraceEvent} e
 */
export function stageOf(e) {
  switch (e.type) {
    case 'cpu-take':
    case 'raw-notrack':
    case 'ct-new':
    case 'ct-found':
    case 'ct-invalid':
    case 'ct-none':
      return CT_STAGE;
    case 'nat-rules':
    case 'nat-setup':
    case 'nat-skip':
      return e.hook === 'POSTROUTING' ? 3 : DNAT_STAGE;
    case 'nat-packet':
      return e.hook === 'POSTROUTING' ? 4 : DNAT_STAGE;
    case 'route':
      return 2;
    case 'ct-confirm':
    case 'confirm-skip':
    case 'ct-clash':
    case 'ct-chaintoolong':
      return CONFIRM_STAGE;
    case 'packet-drop':
      return e.hook === 'POSTROUTING' ? CONFIRM_STAGE : e.hook === 'PREROUTING' ? CT_STAGE : -1;
    default:
      return -1;
  }
}

/**
 * A short token label: "SYN a", "A? a", "SYN-ACK b".
 * @param {string|undefined|null} label
 * @param {string|undefined|null} pod
 */
export function tokenLabel(label, pod) {
  const l = String(label || '?').replace(/, /g, '-');
  const suffix = pod ? ` ${pod.replace(/^pod-/, '')}` : '';
  return l + suffix;
}

/**
 * The visible part of a NAT rewrite, always with its port, so that two packets given the same
 * address and port show it: "→ 10.0.0.1:32000" (the source masqueraded), ":47532 → :1024" (only
 * the port moved), "→ 10.32.0.7:53" (the destination).
 * @param {{tuple: Tuple}} before
 * @param {{tuple: Tuple}} after
 */
export function rewriteText(before, after) {
  const b = before.tuple;
  const a = after.tuple;
  if (b.src !== a.src) return `→ ${a.src}:${a.sport}`;
  if (b.sport !== a.sport) return `:${b.sport} → :${a.sport}`;
  if (b.dst !== a.dst) return `→ ${a.dst}:${a.dport}`;
  if (b.dport !== a.dport) return `:${b.dport} → :${a.dport}`;
  return null;
}

/**
 * The address and port a window's NAT step chose: the source for SNAT, the destination for DNAT.
 * @param {{manip: string, chosen: Tuple}} w
 */
export function chosenEndpoint(w) {
  if (!w.chosen) return null;
  return w.manip === 'SRC' ? `${w.chosen.src}:${w.chosen.sport}` : `${w.chosen.dst}:${w.chosen.dport}`;
}

/**
 * What the annotator carries from one step to the next.
 * @typedef {object} Carried
 * @property {Map<number, number>} stage
 * @property {Map<number, string>} pod
 * @property {Map<number, {text: string, step: number, manip: string}>} rewrite
 * @property {Map<number, string>} label
 * @property {Map<number, Window>} windows
 * @property {Map<number, Window>} lastWindow
 * @property {Map<number, DropMark>} dropAt
 * @property {Map<number, number[]>} ctPackets
 * @property {any} lastRules
 * @property {number[]} gone entries that left the table at the last step (dropped from ctPackets at the next)
 */

/** @returns {Carried} */
function emptyCarried() {
  return {
    stage: new Map(),
    pod: new Map(),
    rewrite: new Map(),
    label: new Map(),
    windows: new Map(),
    lastWindow: new Map(),
    dropAt: new Map(),
    ctPackets: new Map(),
    lastRules: null,
    gone: [],
  };
}

/**
 * Annotations of a run at any step, read forward incrementally.
 */
export class Annotator {
  /**
   * @param {TraceEvent[]} events the run
   * @param {Map<string, string>} podIps ip -> pod name (from the topology), to name reply packets
   * @param {{every?: number}} options a checkpoint every `every` steps
   */
  constructor(events, podIps = new Map(), { every = 256 } = {}) {
    this.events = events;
    this.podIps = podIps;
    this.every = every;
    /** Events read and entries copied so far: what drawing costs (tests count it). */
    this.work = 0;
    this.step = -1;
    this.carried = emptyCarried();
    /** @type {Map<number, Carried>} */
    this.checkpoints = new Map([[-1, emptyCarried()]]);
    /** @type {Map<number, number[]>|null} packet -> the indexes of its events */
    this.byPacket = null;
    /** @type {Map<number, number>|null} entry -> the step that destroyed it */
    this.destroyed = null;
  }

  /**
   * The annotations at `step` (the last event applied; -1 before the first).
   * @param {number} step
   * @returns {Notes}
   */
  at(step) {
    const target = Math.max(-1, Math.min(step, this.events.length - 1));
    if (target < this.step) this.restore(target);
    while (this.step < target) {
      this.step += 1;
      this.apply(this.events[this.step]);
      if ((this.step + 1) % this.every === 0 && !this.checkpoints.has(this.step)) {
        this.checkpoints.set(this.step, this.copy(this.carried));
      }
    }
    return this.notes();
  }

  /**
   * Every step of one packet up to `step`: where it was, what happened, and its header there.
   * @param {number} packet
   * @param {number} step
   */
  history(packet, step) {
    if (!this.byPacket) {
      this.byPacket = packetIndex(this.events);
      this.destroyed = destroyIndex(this.events);
    }
    return packetHistory(this.events, packet, step, this.byPacket.get(packet) ?? [], this.destroyed);
  }

  /** @param {number} target */
  restore(target) {
    let base = -1;
    for (const k of this.checkpoints.keys()) if (k <= target && k > base) base = k;
    this.carried = this.copy(/** @type {Carried} */ (this.checkpoints.get(base)));
    this.step = base;
  }

  /**
   * A deep copy (windows are updated in place as their packet moves on).
   * @param {Carried} c
   * @returns {Carried}
   */
  copy(c) {
    /** @type {Map<Window, Window>} */
    const twins = new Map();
    /** @param {Window} w */
    const twin = (w) => {
      let t = twins.get(w);
      if (!t) {
        t = { ...w };
        twins.set(w, t);
      }
      return t;
    };
    this.work += c.stage.size + c.pod.size + c.rewrite.size + c.label.size + c.windows.size + c.lastWindow.size + c.dropAt.size + c.ctPackets.size;
    return {
      stage: new Map(c.stage),
      pod: new Map(c.pod),
      rewrite: new Map(c.rewrite),
      label: new Map(c.label),
      windows: new Map([...c.windows].map(([k, w]) => [k, twin(w)])),
      lastWindow: new Map([...c.lastWindow].map(([k, w]) => [k, twin(w)])),
      dropAt: new Map(c.dropAt),
      ctPackets: new Map([...c.ctPackets].map(([k, v]) => [k, [...v]])),
      lastRules: c.lastRules,
      gone: [...c.gone],
    };
  }

  /** @param {TraceEvent} e */
  apply(e) {
    this.work += 1;
    const s = this.carried;
    for (const id of s.gone) s.ctPackets.delete(id);
    s.gone = [];
    const c = e.change || {};
    const p = /** @type {number} */ (e.packet);
    if (p !== null && p !== undefined) {
      const st = stageOf(e);
      if (st >= 0) s.stage.set(p, st);
    }
    switch (e.type) {
      case 'packet-sent':
        s.label.set(p, c.packet.label);
        if (this.podIps.has(c.packet.tuple.src)) s.pod.set(p, /** @type {string} */ (this.podIps.get(c.packet.tuple.src)));
        else if (c.pod && c.pod.startsWith('pod-')) s.pod.set(p, c.pod);
        break;
      case 'packet-received':
        this.forget(p);
        break;
      case 'ct-new':
        if (!s.pod.has(p) && this.podIps.has(c.ct.orig.src)) s.pod.set(p, /** @type {string} */ (this.podIps.get(c.ct.orig.src)));
        addTo(s.ctPackets, c.ct.id, p);
        this.left(c.reopened, c.earlyDropped);
        break;
      case 'ct-found':
        if (!s.pod.has(p) && this.podIps.has(c.ct.orig.src)) s.pod.set(p, /** @type {string} */ (this.podIps.get(c.ct.orig.src)));
        addTo(s.ctPackets, c.ct.id, p);
        if (c.deleted) this.left(c.ct.id);
        break;
      case 'nat-packet': {
        const text = rewriteText(c.before, c.after);
        if (text) s.rewrite.set(p, { text, step: e.seq, manip: c.manip });
        break;
      }
      case 'nat-rules':
        s.lastRules = { step: e.seq, packet: p, rules: c.rules, chain: c.chain, verdict: c.verdict };
        break;
      case 'nat-setup': {
        if (!s.windows.has(p) && !c.ct.confirmed && !(c.nullBinding && c.manip === 'DST')) {
          /** @type {Window} */
          const w = {
            packet: p,
            cpu: e.cpu,
            startStage: stageOf(e),
            startStep: e.seq,
            endStep: null,
            outcome: null,
            ct: c.ct.id,
            chosen: c.chosen,
            manip: c.manip,
            search: c.search,
          };
          s.windows.set(p, w);
          s.lastWindow.set(e.cpu, w);
        }
        addTo(s.ctPackets, c.ct.id, p);
        if (c.search && c.search.evicted >= 0) this.left(c.search.evicted);
        break;
      }
      case 'ct-destroy':
        this.left(c.id);
        break;
      case 'ct-confirm':
      case 'confirm-skip':
      case 'ct-clash':
      case 'ct-chaintoolong':
      case 'packet-drop': {
        const w = s.windows.get(p);
        if (w && w.endStep === null) {
          w.endStep = e.seq;
          w.outcome =
            e.type === 'ct-confirm'
              ? 'confirmed'
              : e.type === 'ct-clash'
                ? `clash-${String(c.resolution).toLowerCase()}`
                : e.type === 'packet-drop'
                  ? 'dropped'
                  : 'skipped';
        } else if (w && e.type === 'packet-drop') {
          w.outcome = 'dropped';
        }
        if (e.type === 'ct-clash' && c.resolution !== 'CLASH_ENTRY') this.left(c.loser.id);
        if (e.type === 'ct-chaintoolong') this.left(c.ct.id);
        if (e.type === 'packet-drop') {
          const stage = stageOf(e);
          // Only the latest drop of each CPU is drawn; older ones are on the timeline.
          if (stage >= 0 && e.cpu >= 0) {
            s.dropAt.set(e.cpu, { packet: p, stage, cpu: e.cpu, step: e.seq, reason: c.reason, label: s.label.get(p), pod: s.pod.get(p) });
          }
          this.forget(p);
        }
        break;
      }
      default:
        break;
    }
  }

  /**
   * A packet left the node (received or dropped): nothing later draws it.
   * @param {number} p
   */
  forget(p) {
    const s = this.carried;
    s.stage.delete(p);
    s.pod.delete(p);
    s.rewrite.delete(p);
    s.label.delete(p);
    s.windows.delete(p);
  }

  /**
   * Entries that left the table: their packets stay one more step (the row that just left).
   * @param {...(number|null|undefined)} ids
   */
  left(...ids) {
    for (const id of ids) if (id !== null && id !== undefined) this.carried.gone.push(id);
  }

  /** @returns {Notes} */
  notes() {
    const s = this.carried;
    const event = this.step >= 0 ? this.events[this.step] : null;
    const c = event?.change || {};
    return {
      event,
      stage: s.stage,
      pod: s.pod,
      rewrite: s.rewrite,
      label: s.label,
      windows: s.windows,
      lastWindow: s.lastWindow,
      dropAt: s.dropAt,
      ctPackets: s.ctPackets,
      rulesMatched: s.lastRules && event && s.lastRules.packet === event.packet && sameHook(s.lastRules, event) ? s.lastRules : null,
      countersChanged: event?.counters ? { cpu: event.cpu, keys: Object.keys(event.counters) } : null,
      clash: event?.type === 'ct-clash' ? { loser: c.loser.id, winner: c.winner.id, resolution: c.resolution } : null,
      destroyed: event?.type === 'ct-destroy' ? c.id : null,
      roverMoved: event?.rover ? { cpu: event.cpu, rover: event.rover, search: c.search ?? null } : null,
      shared: sharedEndpoint(s.lastWindow, this.step),
    };
  }
}

/**
 * The address:port that race windows on two CPUs both chose (open, or closed in the last three
 * steps), or null.
 * @param {Map<number, Window>} windows the latest window of each CPU
 * @param {number} step
 */
export function sharedEndpoint(windows, step) {
  /** @type {Map<string, Set<number>>} */
  const seen = new Map();
  for (const w of windows.values()) {
    if (w.endStep !== null && step - w.endStep > 3) continue;
    const ep = chosenEndpoint(w);
    if (!ep) continue;
    const cpus = seen.get(ep) ?? new Set();
    cpus.add(w.cpu);
    seen.set(ep, cpus);
  }
  for (const [ep, cpus] of seen) if (cpus.size > 1) return ep;
  return null;
}

/**
 * Annotations at `step` of a run read from its start (a one-off; a page keeps an Annotator).
 * @param {TraceEvent[]} events
 * @param {number} step
 * @param {Map<string, string>} podIps
 */
export function annotate(events, step, podIps = new Map()) {
  return new Annotator(events, podIps).at(step);
}

/**
 * @param {{chain: string}} rules
 * @param {TraceEvent} event
 */
function sameHook(rules, event) {
  const hook = rules.chain === 'POSTROUTING' ? 'POSTROUTING' : 'PREROUTING';
  return event.hook === hook || event.type === 'nat-rules';
}

/**
 * @param {Map<number, number[]>} map
 * @param {number} k
 * @param {number|null|undefined} v
 */
function addTo(map, k, v) {
  if (v === null || v === undefined) return;
  const list = map.get(k) || [];
  if (!list.includes(v)) list.push(v);
  map.set(k, list);
}

/**
 * The timeline's markers: drops, retransmits, resolver timeouts and beats, each {step, kind, text}.
 * @param {TraceEvent[]} events
 * @param {{step: number, text: string}[]} beats
 */
export function markers(events, beats = []) {
  const out = [];
  for (const e of events) {
    const c = e.change || {};
    if (e.type === 'packet-drop') out.push({ step: e.seq, kind: 'drop', text: `drop: ${c.reason}` });
    else if (e.type === 'ct-clash' && c.resolution !== 'DROP') out.push({ step: e.seq, kind: 'clash', text: `clash: ${String(c.resolution).toLowerCase()}` });
    else if (e.type === 'timer-fire' && c.timer === 'syn-rto') out.push({ step: e.seq, kind: 'retransmit', text: `${e.iface}: SYN retransmit` });
    else if (e.type === 'timer-fire') out.push({ step: e.seq, kind: 'timeout', text: `${e.iface}: ${c.timer}` });
  }
  for (const b of beats) out.push({ step: b.step, kind: 'beat', text: b.text });
  return out.sort((a, b) => a.step - b.step);
}

/**
 * packet -> the indexes of its events, in order.
 * @param {TraceEvent[]} events
 */
export function packetIndex(events) {
  /** @type {Map<number, number[]>} */
  const index = new Map();
  events.forEach((e, i) => {
    if (e.packet === null || e.packet === undefined) return;
    const list = index.get(e.packet);
    if (list) list.push(i);
    else index.set(e.packet, [i]);
  });
  return index;
}

/**
 * entry id -> the step that destroyed it (a timeout, a reopen), read once.
 * @param {TraceEvent[]} events
 */
export function destroyIndex(events) {
  /** @type {Map<number, number>} */
  const out = new Map();
  for (const e of events) if (e.type === 'ct-destroy') out.set(e.change?.id, e.seq);
  return out;
}

/**
 * Every step of one packet: where it was, what happened, and its header there; and its entries,
 * with the ones that left the table said so.
 * @param {TraceEvent[]} events
 * @param {number} packet
 * @param {number} step
 * @param {number[]=} indexes the packet's events (packetIndex), or all events are read
 * @param {Map<number, number>=} destroyed destroyIndex(events), or it is read here
 */
export function packetHistory(events, packet, step = events.length - 1, indexes = undefined, destroyed = undefined) {
  const rows = [];
  const cts = new Map();
  /** @type {Map<number, string>} entries that left the table, and why */
  const gone = new Map();
  const last = Math.min(step, events.length - 1);
  const at = indexes ?? events.map((_, i) => i);
  for (const i of at) {
    if (i > last) break;
    const e = events[i];
    if (e.packet !== packet) continue;
    const c = e.change || {};
    const where = e.iface || (e.cpu >= 0 ? `CPU ${e.cpu}${e.hook ? ` · ${e.hook}` : ''}` : '');
    let header = null;
    let before = null;
    if (c.packet) header = c.packet;
    if (e.type === 'nat-packet') {
      before = c.before;
      header = c.after;
    }
    for (const k of ['ct', 'winner', 'loser', 'survivor']) if (c[k]?.id !== undefined) cts.set(c[k].id, c[k]);
    if (e.type === 'ct-clash' && c.resolution !== 'CLASH_ENTRY') gone.set(c.loser.id, 'freed: its insert failed');
    rows.push({ step: e.seq, t: e.t, where, type: e.type, func: e.func, header, before, text: e.text });
  }
  // Entries destroyed later (a timeout, a reopen) by steps of other packets.
  const ends = destroyed ?? (cts.size ? destroyIndex(events) : new Map());
  for (const id of cts.keys()) {
    const at = ends.get(id);
    if (at !== undefined && at <= last && !gone.has(id)) gone.set(id, `destroyed at step ${at}`);
  }
  return {
    packet,
    rows,
    conntrack: [...cts.values()].sort((a, b) => a.id - b.id).map((ct) => (gone.has(ct.id) ? { ...ct, gone: gone.get(ct.id) } : ct)),
  };
}
