// @ts-check
// The node drawing as plain data: layout(topology, box) places the pods, veths, cni0, the hook
// pipeline, the CPU lanes, eth0, the server and the DNS endpoints in the pixels the page gives
// the drawing, at the page's type size; scene(layout, state, notes) says where every packet
// token, race window, drop mark and label goes at one step. Both are pure; node.js paints them
// into an SVG.
//
// The drawing is laid out in CSS pixels (one user unit = one pixel), never scaled: its text is
// exactly as large as the stylesheet says (18 px and up in the projector theme), so a narrow
// screen gets a tighter layout, not smaller type. What does not fit at that size is left out
// in a fixed order: the kernel function under each stage first (the current one is still
// named, above the lanes), then the rover's detail.

import { STAGES, tokenLabel } from '../annotate.js';

/** The box a drawing gets when the page gives none (node tests, a detached SVG). */
export const DEFAULT_BOX = { width: 1600, height: 620, em: 16, small: 14 };
const MAX_POD_ROWS = 6;
const MAX_DNS_ROWS = 4;
/** How many tokens one place shows before a "+k" badge stands for the rest. */
const AREA_CAP = { server: 1, dns: 1, eth0: 2, pod: 2, veth: 2, cni0: 2 };

/**
 * Text widths without a browser: DejaVu's advance widths (the Linux fonts the tests see; other
 * platforms' fonts are narrower), conservative.
 * @param {string} text
 * @param {number} size
 * @param {'mono'|'sans'|'bold'} kind
 */
export function approxWidth(text, size, kind) {
  const per = kind === 'mono' ? 0.61 : kind === 'bold' ? 0.66 : 0.58;
  return String(text).length * size * per;
}

/**
 * @typedef {object} Box the room the page gives the drawing and the type it uses
 * @property {number} width px
 * @property {number} height px
 * @property {number} em the root font size, px
 * @property {number} small the smallest text the theme allows, px
 * @property {boolean=} lanesOnly only the node box: stages and lanes (Compare)
 * @property {{server: boolean, dns: boolean}=} remote which hosts the run talks to
 * @property {boolean=} randomFully the run's MASQUERADE never reads the rover
 * @property {(text: string, size: number, kind: 'mono'|'sans'|'bold') => number=} measure text width in px
 */

/**
 * @param {any} topology
 * @param {Partial<Box>} box
 */
export function layout(topology, box = {}) {
  const b = { ...DEFAULT_BOX, ...box };
  const measure = b.measure ?? approxWidth;
  const W = Math.max(320, b.width);
  const H = Math.max(160, b.height);
  const fs = Math.max(b.small, 10); // labels, IPs, functions
  const fsName = Math.max(fs, b.em * 1.05); // pod, stage and host names
  const pad = 6;
  const cpus = Math.max(1, topology.cpus);
  const remote = b.remote ?? { server: true, dns: true };
  const tokFont = fs;
  const tokH = Math.round(tokFont * 1.55);
  const subH = Math.round(fs * 1.35);

  // --- horizontal: pods | veth | cni0 → node ← eth0 | server / kube-dns
  let nodeX = pad;
  let nodeR = W - pad;
  let pods = [];
  let hiddenPods = null;
  let cni0 = null;
  let eth0 = null;
  let right = null;
  const barW = Math.max(10, Math.round(b.em * 0.6));
  const arrow = Math.max(14, Math.round(b.em * 0.8));
  const shownPods = topology.pods.slice(0, MAX_POD_ROWS);
  const podW = Math.ceil(
    Math.max(
      ...shownPods.map((p) => Math.max(measure(p.name, fsName, 'bold'), measure(p.ip, fs, 'mono'))),
      topology.pods.length > MAX_POD_ROWS ? measure(`+ ${topology.pods.length} more pods`, fs, 'sans') : 0,
      60,
    ) + 16,
  );
  const vethW = Math.ceil(Math.max(...shownPods.map((p) => measure(p.veth, fs, 'mono')), 30) + 14);
  const dnsShown = topology.dns.endpoints.slice(0, MAX_DNS_ROWS);
  if (!b.lanesOnly) {
    const cniX = pad + podW + vethW;
    cni0 = { x: cniX, w: barW, y: pad, h: 0, name: topology.bridge.name, ip: topology.bridge.ip };
    nodeX = cniX + barW + arrow;
    const widths = [];
    if (remote.server) widths.push(measure('server', fsName, 'bold'), measure(`${topology.server.ip}:${topology.server.port}`, fs, 'mono'));
    if (remote.dns) {
      widths.push(measure('kube-dns', fsName, 'bold'), measure(`${topology.dns.clusterIp}:${topology.dns.port}`, fs, 'mono'));
      for (const ep of dnsShown) widths.push(measure(`${ep.name} ${ep.ip}`, fs, 'mono'));
    }
    const rightW = Math.ceil(Math.max(...widths, 60) + 18);
    const rightX = W - pad - rightW;
    eth0 = { x: rightX - 12 - barW, w: barW, y: pad, h: 0, name: 'eth0', ip: topology.eth0.ip };
    right = { x: rightX, w: rightW };
    nodeR = eth0.x - arrow;
  }
  const node = { x: nodeX, y: pad, w: Math.max(200, nodeR - nodeX), h: 0 };

  // --- the stages: each at least as wide as its name (and its function, when those fit); the
  // names drop to the smallest size before anything is squeezed.
  const inner = node.w - 12;
  const hookOf = [0, 0, 1, 2, 2, 2];
  const hookNames = ['PREROUTING', 'FORWARD', 'POSTROUTING'];
  let stageLabels = STAGES.map((s) => s.name);
  const namesAt = (/** @type {number} */ size) => stageLabels.map((n) => measure(n, size, 'bold') + 12);
  const funcMin = STAGES.map((s) => Math.max(measure(s.func, fs, 'mono'), s.sub ? measure(s.sub, fs, 'mono') : 0) + 10);
  /** Hook labels over their stages: FORWARD over the route stage alone goes first when room is short. */
  let hooksShown = [true, true, true];
  const withHooks = (/** @type {number[]} */ mins, shown = hooksShown) => {
    const out = [...mins];
    hookNames.forEach((h, k) => {
      if (!shown[k]) return;
      const members = out.map((_, i) => i).filter((i) => hookOf[i] === k);
      const need = measure(h, fs, 'bold') * 1.06 + 12;
      const have = members.reduce((a, i) => a + out[i], 0);
      if (have < need) members.forEach((i) => (out[i] += (need - have) / members.length));
    });
    return out;
  };
  const sum = (/** @type {number[]} */ a) => a.reduce((x, y) => x + y, 0);
  const nameMin = namesAt(fsName);
  const full = withHooks(STAGES.map((_, i) => Math.max(nameMin[i], funcMin[i])));
  const showFuncs = sum(full) <= inner;
  let stageName = fsName;
  let mins = showFuncs ? full : withHooks(nameMin);
  if (sum(mins) > inner && fsName > fs) {
    stageName = fs;
    mins = withHooks(namesAt(fs));
  }
  if (sum(mins) > inner) {
    hooksShown = [true, false, true];
    mins = withHooks(namesAt(stageName));
  }
  if (sum(mins) > inner) {
    // A narrow column (Compare, a phone): conntrack is written ct.
    stageLabels = STAGES.map((s) => s.short ?? s.name);
    mins = withHooks(namesAt(stageName));
  }
  const fitsNames = sum(mins) <= inner + 0.5;
  // Still too wide (a phone): every stage shrinks in proportion.
  if (!fitsNames) mins = mins.map((m) => (m * inner) / sum(mins));
  const extra = Math.max(0, inner - sum(mins));
  // Extra room goes to the stages the race happens in (SNAT, rewrite, confirm) and DNAT.
  const weight = [1, 1.2, 0.6, 1.6, 1.2, 1.6];
  const wsum = sum(weight);
  const stageW = mins.map((m, i) => m + (extra * weight[i]) / wsum);

  // --- vertical: hooks, stage boxes, the current function, the lanes, the rover
  const hookY = node.y + fs * 1.05;
  const stageY = hookY + 8;
  const funcLines = showFuncs ? 2 : 0;
  const stageH = Math.round(stageName * 1.35 + funcLines * fs * 1.22 + 8);
  const funcNowY = showFuncs ? 0 : stageY + stageH + fs * 1.15;
  const laneTop = Math.round(stageY + stageH + (showFuncs ? 8 : fs * 1.55 + 4));
  const roverH = Math.round(fs * 1.6);
  const labelRoom = b.lanesOnly ? 0 : Math.round(fs * 2.7); // cni0 / eth0 names under the bars
  const room = H - laneTop - roverH - pad - 2 - Math.max(0, labelRoom - roverH);
  const laneMax = Math.round(Math.max(tokH + subH + fs * 1.5 + 10, fs * 12));
  const laneMin = Math.min(22, room / cpus);
  const laneH = Math.max(laneMin, Math.min(laneMax, room / cpus));
  const used = laneTop + cpus * laneH + roverH + pad + Math.max(0, labelRoom - roverH);
  const dy = Math.max(0, Math.floor((H - used) / 2)); // centre the drawing in its room
  const lanes = [];
  for (let i = 0; i < cpus; i++) {
    const y = laneTop + dy + i * laneH;
    lanes.push({ cpu: i, y, h: laneH, cy: y + laneH / 2, tokenY: tokenLine(y, laneH, fs, tokH, subH) });
  }
  node.y += dy;
  const laneBottom = laneTop + dy + cpus * laneH;
  const roverY = laneBottom + roverH * 0.72;
  node.h = laneBottom + roverH - node.y;
  const stages = [];
  let x = node.x + 6;
  STAGES.forEach((s, k) => {
    stages.push({ ...s, k, x, w: stageW[k], cx: x + stageW[k] / 2 });
    x += stageW[k];
  });
  const height = H;

  // Pods on the left, spread over the lanes' height (pod-a beside CPU 0 when they are as many).
  let podRows = 0;
  if (!b.lanesOnly) {
    const podH = Math.round(fsName * 1.3 + fs * 1.3 + 10);
    const statusH = Math.round(fs * 1.35);
    const span = { top: node.y + 4, bottom: laneBottom + roverH };
    const fitRows = Math.max(1, Math.floor((span.bottom - span.top) / (podH + statusH + 6)));
    const rowsWanted = topology.pods.length;
    const cap = Math.min(MAX_POD_ROWS, fitRows);
    const shown = topology.pods.slice(0, rowsWanted > cap ? Math.max(1, cap - 1) : cap);
    const more = topology.pods.length - shown.length;
    podRows = shown.length + (more > 0 ? 1 : 0);
    const alignLanes = shown.length === cpus && more === 0;
    pods = shown.map((p, i) => {
      const cy = alignLanes ? lanes[i].cy : span.top + ((span.bottom - span.top) / podRows) * (i + 0.5);
      return { ...p, x: pad, w: podW, h: podH, cy, statusY: cy + podH / 2 + fs * 1.05, room: statusH };
    });
    hiddenPods = more > 0 ? { count: more, cy: span.top + ((span.bottom - span.top) / podRows) * (podRows - 0.5) } : null;
    const barTop = node.y;
    const barBottom = Math.min(H - labelRoom - 2, laneBottom + roverH);
    Object.assign(/** @type {any} */ (cni0), { y: barTop, h: barBottom - barTop });
    Object.assign(/** @type {any} */ (eth0), { y: barTop, h: barBottom - barTop });
  }

  // The server and kube-dns on the right, centred on the lanes.
  let server = null;
  let dns = null;
  if (!b.lanesOnly && right) {
    const hostH = Math.round(fsName * 1.3 + fs * 1.3 + 10);
    const epRow = Math.round(fs * 1.45);
    const dnsH = Math.round(fsName * 1.3 + fs * 1.3 + 10 + dnsShown.length * epRow + (topology.dns.endpoints.length > MAX_DNS_ROWS ? epRow : 0));
    const blocks = (remote.server ? hostH : 0) + (remote.dns ? dnsH : 0) + (remote.server && remote.dns ? 12 : 0);
    const mid = (lanes[0].y + laneBottom) / 2;
    let top = Math.max(node.y, Math.min(mid - blocks / 2, height - blocks - pad));
    if (remote.server) {
      server = { ...topology.server, x: right.x, y: top, w: right.w, h: hostH, cy: top + hostH / 2 };
      top += hostH + 12;
    }
    const firstEp = top + fsName * 1.3 + fs * 1.3 + 10 + epRow / 2;
    dns = {
      x: right.x,
      y: top,
      w: right.w,
      h: dnsH,
      shown: remote.dns,
      clusterIp: topology.dns.clusterIp,
      port: topology.dns.port,
      endpoints: dnsShown.map((ep, i) => ({ ...ep, cy: firstEp + i * epRow })),
      more: topology.dns.endpoints.length - dnsShown.length,
    };
    if (!remote.server) server = { ...topology.server, x: right.x, y: top, w: right.w, h: 0, cy: lanes[0].cy, hidden: true };
  }
  // NodeLocal DNSCache: a process of the node, at the foot of the node box.
  const cacheW = Math.min(node.w - 16, measure(`${topology.cache?.name ?? ''} ${topology.cache?.ip ?? ''} · NOTRACK · TCP upstream`, fs, 'mono') + 20);
  const cache =
    topology.cache && !b.lanesOnly ? { x: node.x + node.w - cacheW - 8, y: roverY - fs * 1.05, w: cacheW, h: fs * 1.45, name: topology.cache.name } : null;
  return {
    width: W,
    height,
    fs,
    fsName,
    tokH,
    subH,
    tokFont,
    node,
    hookY: hookY + dy,
    stageY: stageY + dy,
    stageH,
    showFuncs,
    stageName,
    stageLabels,
    hooksShown,
    fitsNames,
    funcNowY: funcNowY ? funcNowY + dy : 0,
    stages,
    lanes,
    laneBottom,
    roverY,
    pods,
    podRows,
    hiddenPods,
    cni0,
    eth0,
    server,
    dns,
    cache,
    remote,
    randomFully: !!b.randomFully,
    lanesOnly: !!b.lanesOnly,
    measure,
    topology,
  };
}

/** The y of a lane's tokens: under the race window's label, with room for the rewrite below. */
function tokenLine(y, h, fs, tokH, subH) {
  const top = y + fs * 1.45;
  const free = h - fs * 1.45 - tokH - subH - 6;
  return top + tokH / 2 + Math.max(0, free / 2);
}

/** Where a packet drawn at `where` sits (before stacking). */
export function place(L, where, stage, podName, tuple) {
  const podRow = L.pods.find((p) => p.name === podName);
  const podY = podRow ? podRow.cy : L.hiddenPods ? L.hiddenPods.cy : (L.pods[0]?.cy ?? 40);
  if (!where) return null;
  if (where.startsWith('cpu')) {
    const lane = L.lanes[Number(where.slice(3))];
    const st = L.stages[Math.max(0, stage ?? 0)];
    return lane ? { x: st.cx, y: lane.tokenY, area: `lane${lane.cpu}` } : null;
  }
  if (L.lanesOnly) return null;
  // On a veth the token rides above the wire, clear of the veth's name under it.
  if (where.startsWith('veth'))
    return {
      x: (L.pods[0]?.x ?? 8) + (L.pods[0]?.w ?? 150) + (L.cni0.x - (L.pods[0]?.x ?? 8) - (L.pods[0]?.w ?? 150)) / 2,
      y: podY - L.tokH * 0.62,
      area: `veth-${podName}`,
    };
  if (where.startsWith('pod')) return { x: L.pods[0]?.x + (L.pods[0]?.w ?? 0) / 2, y: podY, area: `pod-${podName}` };
  if (where === L.cni0.name) return { x: L.cni0.x + L.cni0.w / 2, y: podY, area: `cni0-${podName}` };
  const remoteY = remoteRow(L, tuple);
  if (where === 'eth0') return { x: L.eth0.x + L.eth0.w / 2, y: remoteY, area: `eth0-${remoteY}` };
  if (where === 'server') return { x: L.server.x + L.server.w / 2, y: L.server.y + L.server.h + L.tokH * 0.6, area: 'server' };
  if (L.cache && where === L.cache.name) return { x: L.cache.x + 40, y: L.cache.y + L.cache.h / 2, area: 'cache' };
  const ep = L.dns.endpoints.find((e) => e.name === where);
  if (ep) return { x: L.dns.x - 4, y: ep.cy, area: where };
  return { x: L.dns.x + L.dns.w / 2, y: L.dns.y + L.dns.h + L.tokH * 0.6, area: 'dns-more' };
}

function remoteRow(L, tuple) {
  if (!tuple || !L.server) return L.lanes[0].cy;
  const ips = [tuple.src, tuple.dst];
  if (ips.includes(L.server.ip) && !L.server.hidden) return L.server.cy;
  const ep = L.dns.endpoints.find((e) => ips.includes(e.ip));
  if (ep) return ep.cy;
  if (ips.includes(L.dns.clusterIp)) return L.dns.y + L.fsName;
  return L.server.cy;
}

/**
 * The width of a token for a label.
 * @param {string} text
 * @param {number} size
 */
export function tokenWidth(text, size = 16) {
  return Math.max(size * 2.6, size * 0.8 + String(text).length * size * 0.61);
}

/**
 * Everything that moves at one step.
 * @param notes annotate(events, step, podIps)
 * @returns {{tokens: any[], windows: any[], drops: any[], rover: any, active: any, pods: any[], shared: string|null, walk: ReturnType<typeof walkGeometry>}}
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
      const h = hidden.get(pos.area) ?? { count: 0, x: pos.x, y: pos.y + stackOffset(cap, pos.area, L) };
      h.count += 1;
      hidden.set(pos.area, h);
      continue;
    }
    const label = tokenLabel(f.packet.label, podName);
    const current = notes.event?.packet === id;
    const rw = f.where.startsWith('cpu') || (f.where === 'eth0' && current) ? notes.rewrite.get(id) : null;
    const reply = isReply(f.packet, L);
    // In a lane, a token and its rewrite stay inside the node box.
    let x = pos.x;
    if (pos.area.startsWith('lane')) {
      const half = Math.max(tokenWidth(label, L.tokFont), rw ? L.measure(rw.text, L.fs, 'mono') + L.fs : 0) / 2;
      x = Math.max(L.node.x + 6 + half, Math.min(L.node.x + L.node.w - 6 - half, x));
    }
    tokens.push({
      id,
      label,
      sub: rw ? rw.text : null,
      fresh: rw ? rw.step === notes.event?.seq : false,
      x,
      y: pos.y + stackOffset(n, pos.area, L),
      w: tokenWidth(label, L.tokFont),
      kind: `${f.packet.proto}${reply ? ' reply' : ''}`,
      current,
    });
  }
  for (const [area, h] of hidden) {
    const label = `+${h.count}`;
    tokens.push({ id: `more-${area}`, label, sub: null, fresh: false, x: h.x, y: h.y, w: tokenWidth(label, L.tokFont), kind: 'more', current: false });
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
    const width = to.x + to.w - from.x - 4;
    windows.push({
      cpu: lane.cpu,
      open,
      outcome: w.outcome,
      x: from.x + 2,
      w: width,
      y: lane.y + 3,
      h: lane.h - 6,
      text: windowText(w, open, width - 12, L),
    });
  }
  const drops = [];
  for (const d of notes.dropAt.values()) {
    const lane = L.lanes[d.cpu];
    if (!lane || d.stage < 0) continue;
    const old = (notes.event?.seq ?? 0) - d.step > OLD_DROP_STEPS;
    // A lane whose CPU has moved on to another packet tells that packet's story: an old drop
    // there is on the timeline, not under the new token.
    const holds = state.cpus?.[d.cpu];
    if (old && holds != null && holds !== d.packet) continue;
    drops.push({
      packet: d.packet,
      x: L.stages[d.stage].cx,
      y: lane.tokenY,
      r: L.fs * 0.78,
      text: `${tokenLabel(d.label, d.pod ?? notes.pod.get(d.packet))} dropped`,
      fresh: notes.event?.seq === d.step,
      old,
    });
  }
  // Keep only the latest drop per lane: older ones are on the timeline.
  const latest = new Map();
  for (const d of drops) latest.set(`${d.y}`, d);
  const e = notes.event;
  const stageNow = e && e.cpu >= 0 ? stageIndex(e) : -1;
  return {
    tokens,
    windows,
    drops: [...latest.values()],
    rover: roverText(state, notes, L),
    active: stageNow >= 0 ? { stage: stageNow, cpu: e.cpu, func: e.func } : null,
    pods: podStatus(L, state),
    shared: notes.shared ?? null,
    walk: walkGeometry(L, state),
  };
}

/** The stage of an event (as annotate's stageOf, without the import cycle). */
function stageIndex(e) {
  switch (e.type) {
    case 'cpu-take':
    case 'raw-notrack':
    case 'ct-new':
    case 'ct-found':
    case 'ct-invalid':
    case 'ct-none':
      return 0;
    case 'nat-rules':
    case 'nat-setup':
    case 'nat-skip':
      return e.hook === 'POSTROUTING' ? 3 : 1;
    case 'nat-packet':
      return e.hook === 'POSTROUTING' ? 4 : 1;
    case 'route':
      return 2;
    case 'ct-confirm':
    case 'confirm-skip':
    case 'ct-clash':
    case 'ct-chaintoolong':
      return 5;
    case 'packet-drop':
      return e.hook === 'POSTROUTING' ? 5 : e.hook === 'PREROUTING' ? 0 : -1;
    default:
      return -1;
  }
}

/**
 * What each drawn pod is waiting for (its client timer) or how its last flow ended.
 * @returns {{name: string, x: number, y: number, timer: {expiresAt: number, timer: string}|null, done: any}[]}
 */
export function podStatus(L, state) {
  if (!L.pods.length) return [];
  const flows = new Map(state.flows.map((f) => [f.id, f]));
  return L.pods.map((p) => {
    const timer = state.timers.find((tm) => flows.get(tm.flow)?.pod === p.name) ?? null;
    const mine = state.flows.filter((f) => f.pod === p.name);
    const last = mine[mine.length - 1] ?? null;
    return {
      name: p.name,
      x: p.x + p.w / 2,
      y: p.statusY,
      timer: timer ? { expiresAt: timer.expiresAt, timer: timer.timer } : null,
      done: !timer && last && last.outcome !== 'pending' ? last : null,
    };
  });
}

function stackOffset(n, area, L) {
  if (n === 0) return 0;
  const lane = area.startsWith('lane');
  const dir = lane ? (n % 2 === 1 ? -1 : 1) : 1;
  return dir * Math.ceil(n / (lane ? 2 : 1)) * (lane ? L.tokH * 0.4 : L.tokH + 2);
}

function isReply(packet, L) {
  const t = packet.tuple;
  const topo = L.topology;
  return t.src === topo.server.ip || t.src === topo.dns.clusterIp || topo.dns.endpoints.some((e) => e.ip === t.src);
}

/** A race window's label, as long as its width allows. */
function windowText(w, open, room, L) {
  const tuple = w.chosen ? `${w.manip === 'SRC' ? `${w.chosen.src}:${w.chosen.sport}` : `${w.chosen.dst}:${w.chosen.dport}`}` : '';
  let variants;
  if (open) variants = [`#${w.ct} unconfirmed · ${tuple}`, `#${w.ct} · ${tuple}`, `#${w.ct} unconfirmed`, `#${w.ct}`];
  else {
    const word =
      w.outcome === 'confirmed'
        ? 'confirmed ✓'
        : w.outcome === 'clash-drop' || w.outcome === 'dropped'
          ? 'lost the race ✗'
          : w.outcome === 'clash-merged'
            ? 'clashed: merged ✓'
            : w.outcome === 'clash-clash_entry'
              ? 'clashed: clash entry ✓'
              : '';
    variants = [`#${w.ct} ${word}`.trim(), `#${w.ct} ${word.split(':')[0]}`.trim(), `#${w.ct}`];
  }
  const fit = variants.find((v) => L.measure(v, L.fs, 'bold') <= room) ?? variants[variants.length - 1];
  return fit;
}

function roverText(state, notes, L) {
  const rovers = Object.values(state.rovers);
  const walking = walkDetails(state);
  if (rovers.length === 0 && walking.length === 0) return null;
  const moved = notes.roverMoved;
  const text = rovers.length ? rovers.map((r) => `${r.proto} rover → port ${r.port}`).join(' · ') : 'port search';
  const detail = L.randomFully
    ? 'not read: --random-fully starts each search at a random port'
    : moved && moved.search
      ? `CPU ${moved.cpu} read it: search starts at ${moved.search.firstPort}, takes ${moved.search.port}`
      : moved
        ? `moved by CPU ${moved.cpu}`
        : 'one value, shared by every CPU';
  // While CPUs walk for a free port, the walkers (longest first, the drawing keeps what fits).
  const details = walking.length ? walking : [detail];
  return { moved: !!moved && !L.randomFully, text, detail: details[0], details, walking: walking.length > 0 };
}

/**
 * Each CPU's port search as the folder keeps it (LabState.walks): where the walk started, the
 * candidate each CPU tests (or chose), and whether two walkers stand on one port. Variants from
 * the longest to the shortest.
 * @param {LabState} state
 * @returns {string[]}
 */
export function walkDetails(state) {
  const walks = (state.walks ?? []).map((w, cpu) => (w ? { ...w, cpu } : null)).filter((w) => w !== null);
  if (walks.length === 0) return [];
  const at = walks.map((w) =>
    w.chosen ? `CPU ${w.cpu} chose ${w.port}` : w.port < 0 ? `CPU ${w.cpu} starts` : `CPU ${w.cpu} tests ${w.port}${w.taken ? ' (taken)' : ' (free)'}`,
  );
  const bases = [...new Set(walks.map((w) => w.base))];
  const source = walks[0].offsetSource === 'rover' ? ' (the rover)' : walks[0].offsetSource === 'secure_port' ? ' (secure_port)' : '';
  const from = bases.length === 1 ? `from ${bases[0]}${source}` : `from ${bases.join(' and ')}`;
  const ports = [...new Set(walks.map((w) => w.port))];
  const meet = walks.length > 1 && ports.length === 1 && ports[0] >= 0 ? ` · both on ${ports[0]}` : '';
  return [`search ${from}: ${at.join(' · ')}${meet}`, `${from}: ${at.join(' · ')}${meet}`, `${at.join(' · ')}${meet}`];
}

/** The most port cells one strip shows. */
const STRIP_MAX = 8;
/** How many CPU colours the stylesheet has (.cpu-c0 …): CPU k wears colour k mod this. */
/** Steps after which a drop mark is old: drawn fainter, and gone from a lane that moved on. */
const OLD_DROP_STEPS = 12;

export const CPU_COLOURS = 4;

/**
 * The port search drawn: for each CPU that walks ({@link LabState}'s walks, as the folder
 * keeps them), a walker on the port it tests or chose, over a strip of port cells that
 * starts at the walk's base, in the lane's room left of the SNAT stage (where a walking
 * CPU's packet is not: it waits at SNAT). Two walks whose ports fit in one strip share it;
 * on two neighbouring lanes the strip lies on the line between them, CPU i's walker above
 * and CPU i+1's below. A cell a walk found taken is taken (the fold keeps the last ports
 * each walk found taken, so a jumped walk's cells are right too), a port a walk chose is
 * free, the rest are not tested yet. Two walkers on one port meet (the 4.17 rover race:
 * both read the rover, skip the same taken ports and choose the same free one), and that
 * cell gets a ring (in step on a taken port they do not meet yet). Nothing here invents a port: cells are the walks' own ports and their
 * neighbours. Where the lanes are too small for a strip, nothing is drawn (the rover line
 * still says it in words).
 * @param {any} L layout()
 * @param {LabState} state
 * @returns {{strips: WalkStrip[], walkers: Walker[], meets: WalkMeet[], text: string}}
 */
export function walkGeometry(L, state) {
  /** @type {{strips: WalkStrip[], walkers: Walker[], meets: WalkMeet[], text: string}} */
  const out = { strips: [], walkers: [], meets: [], text: walkDetails(state)[0] ?? '' };
  const walks = (state.walks ?? []).map((w, cpu) => (w && L.lanes[cpu] ? { ...w, cpu, at: w.port < 0 ? w.base : w.port } : null)).filter((w) => w !== null);
  if (walks.length === 0 || L.stages.length < 4) return out;
  // The strip's type: larger than the labels where the lanes are tall (it is what a teacher
  // points at), never smaller than the theme allows, and as many cells as fit at that size.
  const digits = Math.max(...walks.map((w) => String(Math.min(65535, w.at + STRIP_MAX)).length));
  const labelW = Math.max(...walks.map((w) => L.measure(`CPU ${w.cpu}`, L.fs, 'bold')));
  const xEnd = L.stages[3].x - 6;
  const laneH = Math.min(...walks.map((w) => L.lanes[w.cpu].h));
  const fit = (/** @type {number} */ fs) => {
    const cellW = Math.ceil(L.measure('0'.repeat(digits), fs, 'mono') + fs * 0.8);
    const walkerW = Math.ceil(Math.max(...walks.map((w) => L.measure(`CPU ${w.cpu}`, fs, 'bold'))) + fs * 0.7);
    const xStart = L.node.x + 12 + labelW + L.fs * 0.6 + Math.max(0, (walkerW - cellW) / 2);
    const room = Math.min(STRIP_MAX, Math.floor((xEnd - xStart) / cellW));
    return { fs, cellW, walkerW, room, cellH: Math.round(fs * 1.5), walkerH: Math.round(fs * 1.45) };
  };
  const small = fit(L.fs);
  const large = fit(Math.max(L.fs, Math.min(L.fs * 1.5, Math.floor(laneH * 0.19))));
  const { fs, cellW, walkerW, room, cellH, walkerH } = large.room >= Math.min(4, small.room) ? large : small;
  if (room < 2) return out;

  // A walk's strip starts at the lowest port it found taken on its way to where it stands (the
  // server's fold keeps them: 4.17 walks base, base+1, …; 5.0+ jumps to a new random start
  // after a round, and any walk wraps at the end of its range).
  const lo = (/** @type {any} */ w) => Math.min(w.at, ...(w.takenPorts ?? []).filter((/** @type {number} */ p) => p <= w.at && w.at - p < room));
  /** @type {any[][]} */
  const groups = [];
  for (const w of [...walks].sort((a, b) => lo(a) - lo(b) || a.cpu - b.cpu)) {
    const g = groups[groups.length - 1];
    if (g && Math.max(w.at, ...g.map((x) => x.at)) - Math.min(...g.map(lo)) < room) g.push(w);
    else groups.push([w]);
  }
  // Where two walkers stand on one port that neither found taken they meet: both will take it.
  // (Walking in step over a taken port is not yet a meeting; the rover line says it.)
  const seen = new Map();
  for (const w of walks) if (w.port >= 0) seen.set(w.port, [...(seen.get(w.port) ?? []), w]);
  for (const [port, ws] of seen) {
    if (ws.length < 2 || ws.some((/** @type {any} */ w) => w.taken)) seen.delete(port);
    else
      seen.set(
        port,
        ws.map((/** @type {any} */ w) => w.cpu),
      );
  }
  const nodeIp = L.topology?.eth0?.ip;

  for (const g of groups) {
    const first = Math.min(...g.map(lo));
    const last = Math.max(...g.map((w) => w.at));
    const start = last - first < room ? first : last - room + 1;
    const count = Math.max(1, Math.min(room, 65536 - start));
    const cpus = g.map((w) => w.cpu).sort((a, b) => a - b);
    const shared = g.length === 2 && cpus[1] === cpus[0] + 1;
    /** @type {{cpus: number[], y: number, side: ('above'|'below')[]}[]} */
    let rows = [];
    if (shared) {
      const upper = L.lanes[cpus[0]];
      const lower = L.lanes[cpus[1]];
      const y = lower.y;
      const fits = y - cellH / 2 - 3 - walkerH >= upper.y + 3 && y + cellH / 2 + 3 + walkerH <= lower.y + lower.h - 3;
      if (fits) rows = [{ cpus, y, side: ['above', 'below'] }];
    }
    if (rows.length === 0) {
      for (const cpu of cpus) {
        const lane = L.lanes[cpu];
        const top = lane.y + 3 + walkerH + 3 + cellH / 2;
        const bottom = lane.y + lane.h - 3 - cellH / 2;
        if (top > bottom) continue;
        rows.push({ cpus: [cpu], y: Math.max(top, Math.min(bottom, lane.tokenY)), side: ['above'] });
      }
    }
    const x0 = xEnd - count * cellW;
    const cellX = (/** @type {number} */ port) => x0 + (port - start) * cellW;
    for (const row of rows) {
      const mine = g.filter((w) => row.cpus.includes(w.cpu));
      /** @type {WalkStrip['cells']} */
      const cells = [];
      for (let i = 0; i < count; i++) {
        const port = start + i;
        const taken = mine.some((w) => (w.port === port && w.taken) || (w.takenPorts ?? []).includes(port));
        const free = !taken && mine.some((w) => w.port === port && !w.taken);
        const holder = taken ? holderOf(state, port, mine[0].proto, nodeIp) : null;
        cells.push({
          port,
          x: cellX(port),
          state: taken ? 'taken' : free ? 'free' : 'untested',
          base: mine.some((w) => w.base === port),
          holder,
        });
      }
      out.strips.push({ cpus: row.cpus, x: x0, y: row.y - cellH / 2, w: count * cellW, h: cellH, cellW, cells, shared: row.cpus.length > 1, fs });
      row.cpus.forEach((cpu, k) => {
        const w = mine.find((x) => x.cpu === cpu);
        if (!w || w.at < start || w.at >= start + count) return;
        const side = row.side[k];
        const y = side === 'above' ? row.y - cellH / 2 - 3 - walkerH : row.y + cellH / 2 + 3;
        out.walkers.push({
          cpu,
          port: w.at,
          x: cellX(w.at) + cellW / 2,
          y,
          w: walkerW,
          h: walkerH,
          side,
          state: w.chosen ? 'chosen' : w.port < 0 ? 'start' : w.taken ? 'taken' : 'free',
          label: `CPU ${cpu}`,
          fs,
        });
      });
      for (const [port, who] of seen) {
        if (port < start || port >= start + count || !who.some((/** @type {number} */ c) => row.cpus.includes(c))) continue;
        out.meets.push({ port, cpus: who, x: cellX(port), y: row.y - cellH / 2, w: cellW, h: cellH });
      }
    }
  }
  return out;
}

/**
 * The confirmed entry that holds a port on the node's address (its reply tuple's), if the
 * table shows one.
 * @param {LabState} state
 * @param {number} port
 * @param {string} proto
 * @param {string|undefined} nodeIp
 */
function holderOf(state, port, proto, nodeIp) {
  const ct = state.conntrack.find((c) => c.confirmed && c.proto === proto && c.reply.dport === port && (!nodeIp || c.reply.dst === nodeIp));
  return ct ? ct.id : null;
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
