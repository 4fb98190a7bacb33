// What the Lab draws beside the folded state, read off the trace up to a step: where each packet
// is along the hook pipeline, the race windows on each CPU, the NAT rewrite of each packet, what
// just changed (counters, rules, the clash), the drops with where they happened, and the
// timeline's markers. Pure functions of (events, step).

/** The pipeline's stages, left to right, with the kernel functions the captions name. */
export const STAGES = [
  { key: 'ct', name: 'conntrack', func: 'nf_conntrack_in', hook: 'PREROUTING' },
  { key: 'dnat', name: 'DNAT', func: 'nf_nat_ipv4_pre_routing', hook: 'PREROUTING' },
  { key: 'route', name: 'route', func: 'ip_forward', hook: 'routing' },
  { key: 'snat', name: 'SNAT', func: 'nf_nat_ipv4_out', sub: 'get_unique_tuple', hook: 'POSTROUTING' },
  { key: 'rewrite', name: 'rewrite', func: 'nf_nat_packet', hook: 'POSTROUTING' },
  { key: 'confirm', name: 'confirm', func: '__nf_conntrack_confirm', hook: 'POSTROUTING' },
];

const CT_STAGE = 0;
const DNAT_STAGE = 1;
const CONFIRM_STAGE = 5;

/** The pipeline stage an event puts its packet at, or -1 when it is not a hook step. */
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

/** A short token label: "SYN a", "A? a", "SYN-ACK b". */
export function tokenLabel(label, pod) {
  const l = String(label || '?').replace(/, /g, '-');
  const suffix = pod ? ` ${pod.replace(/^pod-/, '')}` : '';
  return l + suffix;
}

/** The visible part of a NAT rewrite: ":32000 → :1024", or the address when the port stays. */
export function rewriteText(before, after) {
  const b = before.tuple;
  const a = after.tuple;
  if (b.sport !== a.sport) return `:${b.sport} → :${a.sport}`;
  if (b.dport !== a.dport && b.dst === a.dst) return `:${b.dport} → :${a.dport}`;
  if (b.src !== a.src) return `src → ${a.src}`;
  if (b.dst !== a.dst) return `dst → ${a.dst}${b.dport !== a.dport ? `:${a.dport}` : ''}`;
  return null;
}

/**
 * Annotations at `step` (the last event applied; -1 before the first).
 * @param podIps map ip -> pod name (from the topology), to name reply packets
 */
export function annotate(events, step, podIps = new Map()) {
  const stage = new Map(); // packet -> stage
  const pod = new Map(); // packet -> pod name
  const rewrite = new Map(); // packet -> {text, step}
  const windows = new Map(); // packet -> window
  const lastWindow = new Map(); // cpu -> window
  const dropAt = new Map(); // packet -> {stage, cpu, step, label}
  const ctPackets = new Map(); // ct id -> packets
  const label = new Map(); // packet -> header label
  let lastRules = null;
  const last = Math.min(step, events.length - 1);
  for (let i = 0; i <= last; i++) {
    const e = events[i];
    const c = e.change || {};
    const p = e.packet;
    if (p !== null && p !== undefined) {
      const s = stageOf(e);
      if (s >= 0) stage.set(p, s);
    }
    switch (e.type) {
      case 'packet-sent':
        label.set(p, c.packet.label);
        if (podIps.has(c.packet.tuple.src)) pod.set(p, podIps.get(c.packet.tuple.src));
        else if (c.pod && c.pod.startsWith('pod-')) pod.set(p, c.pod);
        break;
      case 'ct-new':
      case 'ct-found':
        if (!pod.has(p) && podIps.has(c.ct.orig.src)) pod.set(p, podIps.get(c.ct.orig.src));
        addTo(ctPackets, c.ct.id, p);
        break;
      case 'nat-packet': {
        const text = rewriteText(c.before, c.after);
        if (text) rewrite.set(p, { text, step: e.seq, manip: c.manip });
        break;
      }
      case 'nat-rules':
        lastRules = { step: e.seq, packet: p, rules: c.rules, chain: c.chain, verdict: c.verdict };
        break;
      case 'nat-setup': {
        if (!windows.has(p) && !c.ct.confirmed && !(c.nullBinding && c.manip === 'DST')) {
          const w = {
            packet: p, cpu: e.cpu, startStage: stageOf(e), startStep: e.seq, endStep: null, outcome: null,
            ct: c.ct.id, chosen: c.chosen, manip: c.manip, search: c.search,
          };
          windows.set(p, w);
          lastWindow.set(e.cpu, w);
        }
        addTo(ctPackets, c.ct.id, p);
        break;
      }
      case 'ct-confirm':
      case 'confirm-skip':
      case 'ct-clash':
      case 'ct-chaintoolong':
      case 'packet-drop': {
        const w = windows.get(p);
        if (w && w.endStep === null) {
          w.endStep = e.seq;
          w.outcome = e.type === 'ct-confirm' ? 'confirmed'
            : e.type === 'ct-clash' ? `clash-${String(c.resolution).toLowerCase()}`
              : e.type === 'packet-drop' ? 'dropped' : 'skipped';
        } else if (w && e.type === 'packet-drop') {
          w.outcome = 'dropped';
        }
        if (e.type === 'packet-drop') {
          dropAt.set(p, { packet: p, stage: stageOf(e), cpu: e.cpu, step: e.seq, reason: c.reason, label: label.get(p) });
        }
        break;
      }
      default:
        break;
    }
  }
  const event = last >= 0 ? events[last] : null;
  const c = event?.change || {};
  return {
    event,
    stage,
    pod,
    rewrite,
    label,
    windows,
    lastWindow,
    dropAt,
    ctPackets,
    rulesMatched: lastRules && event && lastRules.packet === event.packet && sameHook(lastRules, event) ? lastRules : null,
    countersChanged: event?.counters ? { cpu: event.cpu, keys: Object.keys(event.counters) } : null,
    clash: event?.type === 'ct-clash' ? { loser: c.loser.id, winner: c.winner.id, resolution: c.resolution } : null,
    destroyed: event?.type === 'ct-destroy' ? c.id : null,
    roverMoved: event?.rover ? { cpu: event.cpu, rover: event.rover, search: c.search ?? null } : null,
  };
}

function sameHook(rules, event) {
  const hook = rules.chain === 'POSTROUTING' ? 'POSTROUTING' : 'PREROUTING';
  return event.hook === hook || event.type === 'nat-rules';
}

function addTo(map, k, v) {
  if (v === null || v === undefined) return;
  const list = map.get(k) || [];
  if (!list.includes(v)) list.push(v);
  map.set(k, list);
}

/**
 * The timeline's markers: drops, retransmits, resolver timeouts and beats, each {step, kind, text}.
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

/** Every step of one packet: where it was, what happened, and its header there. */
export function packetHistory(events, packet, step = events.length - 1) {
  const rows = [];
  const cts = new Map();
  const last = Math.min(step, events.length - 1);
  for (let i = 0; i <= last; i++) {
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
    rows.push({ step: e.seq, t: e.t, where, type: e.type, func: e.func, header, before, text: e.text });
  }
  return { packet, rows, conntrack: [...cts.values()].sort((a, b) => a.id - b.id) };
}
