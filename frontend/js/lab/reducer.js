// Folds trace events into the Lab's state: the same rules as dev.racetrack.sim.TraceFolder,
// kept in step by a golden fixture that the Java tests write and the node tests read
// (frontend/test/fixtures/folder-parity.json). The state has exactly LabState's JSON shape.

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

/** Applies one event to a state and returns the new state. Pure (the input is not changed). */
export function reduce(state, event) {
  const folder = Folder.fromState(state);
  folder.apply(event);
  return folder.state();
}

/**
 * The mutable folder behind fold/reduce, for players that apply many events in a row. Its
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
    s.cpus.forEach((p, cpu) => { if (p !== null && p !== undefined) f.packetCpu.set(p, cpu); });
    for (const f2 of s.packets) f.packets.set(f2.packet.id, f2);
    for (const tm of s.timers) f.timers.set(`${tm.flow}/${tm.timer}`, tm);
    for (const fl of s.flows) f.flows.set(fl.id, fl);
    f.drops = [...s.drops];
    return f;
  }

  apply(e) {
    this.step = e.seq;
    this.t = e.t;
    if (e.counters && e.cpu >= 0 && e.cpu < this.cpuCount) {
      this.counters[e.cpu] = { ...this.counters[e.cpu], ...e.counters };
    }
    if (e.rover) this.rovers = { ...this.rovers, [e.rover.proto]: e.rover };
    const c = e.change || {};
    switch (e.type) {
      case 'ct-new':
        this.remove(c.reopened);
        this.remove(c.earlyDropped);
        this.put(c.ct);
        break;
      case 'ct-found':
        if (c.deleted) this.conntrack.delete(c.ct.id);
        else this.put(c.ct);
        break;
      case 'nat-setup':
      case 'ct-confirm':
        this.put(c.ct);
        break;
      case 'ct-clash':
        if (c.resolution === 'CLASH_ENTRY') this.put(c.survivor);
        else this.conntrack.delete(c.loser.id);
        this.put(c.winner);
        break;
      case 'ct-chaintoolong':
        this.conntrack.delete(c.ct.id);
        break;
      case 'ct-destroy':
        this.conntrack.delete(c.id);
        break;
      default:
        this.applyClient(e, c);
    }
  }

  applyClient(e, c) {
    switch (e.type) {
      case 'cpu-take':
        this.cpus[e.cpu] = e.packet;
        this.packetCpu.set(e.packet, e.cpu);
        this.moved(e, `cpu${e.cpu}`);
        break;
      case 'packet-sent':
        this.packets.set(e.packet, { packet: c.packet, where: e.iface, t: e.t });
        break;
      case 'packet-hop':
        this.packets.set(e.packet, { packet: c.packet, where: e.iface, t: e.t });
        if (c.direction === 'out' && (e.iface === 'eth0' || e.iface === 'cni0')) this.freeCpu(e.packet);
        break;
      case 'nat-packet':
        this.packets.set(e.packet, { packet: c.after, where: `cpu${e.cpu}`, t: e.t });
        break;
      case 'packet-received':
        this.packets.delete(e.packet);
        break;
      case 'packet-drop':
        this.drops.push({ packet: e.packet, cpu: e.cpu, t: e.t, reason: c.reason });
        this.packets.delete(e.packet);
        this.freeCpu(e.packet);
        break;
      case 'timer-set':
        this.timers.set(`${c.flow}/${c.timer}`, { flow: c.flow, timer: c.timer, expiresAt: c.expiresAt });
        break;
      case 'timer-fire':
      case 'timer-clear':
        this.timers.delete(`${c.flow}/${c.timer}`);
        break;
      case 'flow-start':
      case 'flow-done':
        this.flows.set(c.flow.id, c.flow);
        break;
      default:
        break;
    }
  }

  moved(e, where) {
    const f = this.packets.get(e.packet);
    if (f) this.packets.set(e.packet, { packet: f.packet, where, t: e.t });
  }

  freeCpu(packet) {
    const cpu = this.packetCpu.get(packet);
    this.packetCpu.delete(packet);
    if (cpu !== undefined && this.cpus[cpu] === packet) this.cpus[cpu] = null;
  }

  put(ct) {
    if (ct) this.conntrack.set(ct.id, ct);
  }

  remove(id) {
    if (id !== null && id !== undefined) this.conntrack.delete(id);
  }

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
    };
  }
}

function sortedObject(m) {
  const out = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k];
  return out;
}
