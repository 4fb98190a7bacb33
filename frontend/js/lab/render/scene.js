// @ts-check
// The node drawing as plain data: layout(topology) places the pods, veths, cni0, the hook
// pipeline, the CPU lanes, eth0, the server and the DNS endpoints; scene(layout, state, notes)
// says where every packet token, race window, drop mark and label goes at one step. Both are
// pure; node.js paints them into an SVG.

import { STAGES, tokenLabel } from '../annotate.js';

export const WIDTH = 1600;
const MAX_POD_ROWS = 6;
const MAX_DNS_ROWS = 4;
const STAGE_WIDTHS = [150, 206, 118, 168, 136, 202];
const TOKEN_H = 28;
/** How many tokens one place shows before a "+k" badge stands for the rest. */
const AREA_CAP = { server: 1, dns: 1, eth0: 2, pod: 2, veth: 2, cni0: 2 };

export function layout(topology, { compact = false, ratio = 0 } = {}) {
  const cpus = Math.max(1, topology.cpus);
  // Lanes fill the height the page gives the drawing (ratio = height / width), within bounds.
  const target = ratio > 0 ? WIDTH * ratio : 0;
  const fit = target > 0 ? Math.floor((target - 190) / cpus) : 0;
  const fallback = cpus <= 2 ? 66 : cpus <= 4 ? 52 : Math.max(22, Math.floor(264 / cpus));
  const laneH = fit > 0 ? Math.max(22, Math.min(cpus <= 2 ? 140 : 96, fit)) : fallback;
  const node = { x: 284, y: 8, w: 1062 };
  const hookY = node.y + 26;
  const stageY = node.y + 38;
  const stageH = 76;
  const laneTop = stageY + stageH + 14;
  const lanes = [];
  for (let i = 0; i < cpus; i++) lanes.push({ cpu: i, y: laneTop + i * laneH, h: laneH, cy: laneTop + i * laneH + laneH / 2 });
  const laneBottom = laneTop + cpus * laneH;
  const roverY = laneBottom + 28;
  node.h = roverY + 16 - node.y;
  const stages = [];
  let x = node.x + 72;
  STAGES.forEach((s, k) => {
    stages.push({ ...s, k, x, w: STAGE_WIDTHS[k], cx: x + STAGE_WIDTHS[k] / 2 });
    x += STAGE_WIDTHS[k];
  });
  const height = Math.max(node.y + node.h + 10, compact ? 0 : 250);

  // Pods on the left, evenly spread over the node's height.
  const shown = topology.pods.slice(0, MAX_POD_ROWS);
  const more = topology.pods.length - shown.length;
  const rows = shown.length + (more > 0 ? 1 : 0);
  const podSpan = height - 16;
  const pods = shown.map((p, i) => ({ ...p, x: 8, w: 150, h: 50, cy: 8 + (podSpan / rows) * (i + 0.5) }));
  const hiddenPods = more > 0 ? { count: more, cy: 8 + (podSpan / rows) * (rows - 0.5) } : null;
  const cni0 = { x: 232, w: 16, y: 8, name: topology.bridge.name, ip: topology.bridge.ip };
  const eth0 = { x: node.x + node.w + 12, w: 16, y: 8, name: 'eth0', ip: topology.eth0.ip };

  // The server and kube-dns on the right.
  const right = { x: eth0.x + eth0.w + 22, w: WIDTH - (eth0.x + eth0.w + 22) - 6 };
  const server = { ...topology.server, x: right.x, y: 14, w: right.w, h: 62, cy: 45 };
  const dnsShown = topology.dns.endpoints.slice(0, MAX_DNS_ROWS);
  const dnsTop = server.y + server.h + 22;
  const endpoints = dnsShown.map((ep, i) => ({ ...ep, cy: dnsTop + 56 + i * 30 }));
  const dns = {
    x: right.x,
    y: dnsTop,
    w: right.w,
    h: 56 + dnsShown.length * 30 + (topology.dns.endpoints.length > MAX_DNS_ROWS ? 22 : 4),
    clusterIp: topology.dns.clusterIp,
    port: topology.dns.port,
    endpoints,
    more: topology.dns.endpoints.length - dnsShown.length,
  };
  const h = Math.max(height, dns.y + dns.h + 8);
  cni0.h = h - 52;
  eth0.h = h - 52;
  // NodeLocal DNSCache: a process of the node, at the foot of the node box.
  const cache = topology.cache ? { x: node.x + node.w - 540, y: roverY - 19, w: 530, h: 26, name: topology.cache.name } : null;
  return {
    width: WIDTH,
    height: h,
    node,
    hookY,
    stageY,
    stageH,
    stages,
    lanes,
    laneBottom,
    roverY,
    pods,
    hiddenPods,
    cni0,
    eth0,
    server,
    dns,
    cache,
    topology,
  };
}

/** Where a packet drawn at `where` sits (before stacking). */
export function place(L, where, stage, podName, tuple) {
  const podRow = L.pods.find((p) => p.name === podName);
  const podY = podRow ? podRow.cy : L.hiddenPods ? L.hiddenPods.cy : (L.pods[0]?.cy ?? 40);
  if (!where) return null;
  if (where.startsWith('cpu')) {
    const lane = L.lanes[Number(where.slice(3))];
    const st = L.stages[Math.max(0, stage ?? 0)];
    return lane ? { x: st.cx, y: lane.cy, area: `lane${lane.cpu}` } : null;
  }
  if (where.startsWith('veth')) return { x: (L.pods[0]?.x ?? 8) + 150 + 40, y: podY, area: `veth-${podName}` };
  if (where.startsWith('pod')) return { x: 110, y: podY, area: `pod-${podName}` };
  if (where === L.cni0.name) return { x: L.cni0.x + L.cni0.w / 2, y: podY, area: `cni0-${podName}` };
  const remoteY = remoteRow(L, tuple);
  if (where === 'eth0') return { x: L.eth0.x + L.eth0.w / 2, y: remoteY, area: `eth0-${remoteY}` };
  if (where === 'server') return { x: L.server.x + 52, y: L.server.cy + 2, area: 'server' };
  if (L.cache && where === L.cache.name) return { x: L.cache.x + 40, y: L.cache.y + L.cache.h / 2, area: 'cache' };
  const ep = L.dns.endpoints.find((e) => e.name === where);
  if (ep) return { x: L.dns.x + 52, y: ep.cy, area: where };
  return { x: L.dns.x + 52, y: L.dns.y + L.dns.h - 10, area: 'dns-more' };
}

function remoteRow(L, tuple) {
  if (!tuple) return L.server.cy;
  const ips = [tuple.src, tuple.dst];
  if (ips.includes(L.server.ip)) return L.server.cy;
  const ep = L.dns.endpoints.find((e) => ips.includes(e.ip));
  if (ep) return ep.cy;
  if (ips.includes(L.dns.clusterIp)) return L.dns.y + 30;
  return L.server.cy;
}

/** The width of a token for a label (monospace, 15px). */
export function tokenWidth(text) {
  return Math.max(44, 12 + String(text).length * 9.2);
}

/**
 * Everything that moves at one step.
 * @param notes annotate(events, step, podIps)
 * @returns {{tokens: any[], windows: any[], drops: any[], rover: any}}
 */
export function scene(L, state, notes, { maxStack = 3 } = {}) {
  const tokens = [];
  const stackAt = new Map();
  const hidden = new Map(); // area -> {count, x, y}
  for (const f of state.packets) {
    const id = f.packet.id;
    const stage = notes.stage.get(id) ?? 0;
    const podName = notes.pod.get(id) ?? null;
    const pos = place(L, f.where, stage, podName, f.packet.tuple);
    if (!pos) continue;
    const n = stackAt.get(pos.area) ?? 0;
    stackAt.set(pos.area, n + 1);
    // Past a few packets in one place, one badge counts the rest (the current packet always shows).
    const cap = maxStack === Infinity ? Infinity : Math.min(maxStack, AREA_CAP[pos.area.split('-')[0]] ?? maxStack);
    if (n >= cap && !pos.area.startsWith('lane') && notes.event?.packet !== id) {
      const h = hidden.get(pos.area) ?? { count: 0, x: pos.x, y: pos.y + stackOffset(cap, pos.area) };
      h.count += 1;
      hidden.set(pos.area, h);
      continue;
    }
    const label = tokenLabel(f.packet.label, podName);
    const current = notes.event?.packet === id;
    const rw = f.where.startsWith('cpu') || (f.where === 'eth0' && current) ? notes.rewrite.get(id) : null;
    const reply = isReply(f.packet, L);
    tokens.push({
      id,
      label,
      sub: rw ? rw.text : null,
      fresh: rw ? rw.step === notes.event?.seq : false,
      x: pos.x,
      y: pos.y + stackOffset(n, pos.area),
      w: tokenWidth(label),
      kind: `${f.packet.proto}${reply ? ' reply' : ''}`,
      current,
    });
  }
  for (const [area, h] of hidden) {
    const label = `+${h.count}`;
    tokens.push({ id: `more-${area}`, label, sub: null, fresh: false, x: h.x, y: h.y, w: tokenWidth(label), kind: 'more', current: false });
  }
  const windows = [];
  for (const lane of L.lanes) {
    const w = notes.lastWindow.get(lane.cpu);
    if (!w) continue;
    const open = w.endStep === null;
    const held = state.cpus[lane.cpu] === w.packet;
    const recent = !open && notes.event && notes.event.seq - w.endStep <= 3;
    if (!open && !held && !recent) continue;
    const from = L.stages[w.startStage];
    const to = L.stages[5];
    windows.push({
      cpu: lane.cpu,
      open,
      outcome: w.outcome,
      x: from.x + 2,
      w: to.x + to.w - from.x - 4,
      y: lane.y + 4,
      h: lane.h - 8,
      text: windowText(w, open),
    });
  }
  const drops = [];
  for (const d of notes.dropAt.values()) {
    const lane = L.lanes[d.cpu];
    if (!lane || d.stage < 0) continue;
    drops.push({
      packet: d.packet,
      x: L.stages[d.stage].cx,
      y: lane.cy,
      text: `${tokenLabel(d.label, d.pod ?? notes.pod.get(d.packet))} dropped`,
      fresh: notes.event?.seq === d.step,
      old: (notes.event?.seq ?? 0) - d.step > 12,
    });
  }
  // Keep only the latest drop per lane: older ones are on the timeline.
  const latest = new Map();
  for (const d of drops) latest.set(`${d.y}`, d);
  return { tokens, windows, drops: [...latest.values()], rover: roverText(state, notes) };
}

function stackOffset(n, area) {
  if (n === 0) return 0;
  const dir = area.startsWith('lane') ? (n % 2 === 1 ? -1 : 1) : 1;
  return dir * Math.ceil(n / (area.startsWith('lane') ? 2 : 1)) * (area.startsWith('lane') ? 10 : TOKEN_H + 2);
}

function isReply(packet, L) {
  const t = packet.tuple;
  return t.src === L.server.ip || t.src === L.dns.clusterIp || L.dns.endpoints.some((e) => e.ip === t.src);
}

function windowText(w, open) {
  const tuple = w.chosen ? `${w.manip === 'SRC' ? `${w.chosen.src}:${w.chosen.sport}` : `${w.chosen.dst}:${w.chosen.dport}`}` : '';
  if (open) return `race window: ${tuple} chosen, entry #${w.ct} unconfirmed`;
  switch (w.outcome) {
    case 'confirmed':
      return `#${w.ct} confirmed ✓`;
    case 'clash-drop':
    case 'dropped':
      return `#${w.ct} lost the race ✗`;
    case 'clash-merged':
      return `#${w.ct} clashed: merged ✓`;
    case 'clash-clash_entry':
      return `#${w.ct} clashed: clash entry ✓`;
    default:
      return `#${w.ct}`;
  }
}

function roverText(state, notes) {
  const rovers = Object.values(state.rovers);
  if (rovers.length === 0) return null;
  const moved = notes.roverMoved;
  return {
    moved: !!moved,
    text: rovers.map((r) => `${r.proto} rover → port ${r.port}`).join(' · '),
    detail:
      moved && moved.search
        ? `CPU ${moved.cpu} read it: search starts at ${moved.search.firstPort}, takes ${moved.search.port}`
        : moved
          ? `moved by CPU ${moved.cpu}`
          : 'one value, shared by every CPU',
  };
}

/** Linear interpolation of token positions between two scenes, for the animation. */
export function tween(fromTokens, toTokens, p) {
  const from = new Map(fromTokens.map((t) => [t.id, t]));
  return toTokens.map((t) => {
    const f = from.get(t.id);
    if (!f || p >= 1) return t;
    return { ...t, x: f.x + (t.x - f.x) * p, y: f.y + (t.y - f.y) * p };
  });
}
