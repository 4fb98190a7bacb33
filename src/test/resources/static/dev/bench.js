// Drives the Lab's renderer with a synthetic state of N packets in flight (pods, veths, cni0,
// every CPU lane and stage, eth0, server, DNS), moving every token on every frame, and measures
// the frame rate from requestAnimationFrame timestamps. Served to the browser tests only.
import { NodeView } from '/js/lab/render/node.js';

const q = new URLSearchParams(location.search);
const N = Number(q.get('packets') ?? 200);
const seconds = Number(q.get('seconds') ?? 3);
const cpus = 8;
const pods = Array.from({ length: 16 }, (_, i) => ({ name: `pod-${String.fromCharCode(97 + i)}`, ip: `10.40.0.${17 + i}`, veth: `veth-${String.fromCharCode(97 + i)}` }));
const topology = { nodeIp: '10.0.0.1', bridge: { name: 'cni0', ip: '10.40.0.1' }, eth0: { ip: '10.0.0.1' }, cpus, pods,
  server: { name: 'server', ip: '10.0.0.99', port: 80 }, dns: { clusterIp: '10.96.0.10', port: 53, endpoints: [{ name: 'dns-1', ip: '10.32.0.6' }, { name: 'dns-2', ip: '10.32.0.7' }] } };

function synthetic(phase) {
  const packets = [];
  const stage = new Map();
  const pod = new Map();
  const rewrite = new Map();
  const wheres = ['pod', 'veth', 'cni0', 'cpu', 'cpu', 'cpu', 'cpu', 'eth0', 'server', 'dns-1'];
  for (let i = 0; i < N; i++) {
    const p = pods[i % pods.length];
    const kind = wheres[(i + phase) % wheres.length];
    const where = kind === 'pod' ? p.name : kind === 'veth' ? p.veth : kind === 'cpu' ? `cpu${i % cpus}` : kind;
    const udp = i % 3 === 0;
    packets.push({ packet: { id: i + 1, label: udp ? 'A?' : 'SYN', proto: udp ? 'udp' : 'tcp', tuple: { src: p.ip, sport: 32000 + i, dst: udp ? '10.32.0.6' : '10.0.0.99', dport: udp ? 53 : 80 }, flags: '', seq: 0, ack: 0, length: 0, dns: null }, where, t: 0 });
    stage.set(i + 1, (i + phase) % 6);
    pod.set(i + 1, p.name);
    if (i % 4 === 0) rewrite.set(i + 1, { text: `:${32000 + i} → :${1024 + i}`, step: 0 });
  }
  const state = { step: phase, t: phase * 1000, conntrack: [], counters: Array.from({ length: cpus }, () => ({})), rovers: { tcp: { proto: 'tcp', offset: 1, port: 1025 } }, cpus: Array(cpus).fill(null), packets, timers: [], flows: [], drops: [] };
  const notes = { event: null, stage, pod, rewrite, label: new Map(), windows: new Map(), lastWindow: new Map(), dropAt: new Map(), ctPackets: new Map(), rulesMatched: null, countersChanged: null, clash: null, destroyed: null, roverMoved: null };
  return { state, notes };
}

const overlay = q.has('flat') ? null : document.getElementById('tokens');
const view = new NodeView(document.getElementById('node'), { overlay });
view.setTopology(topology);
const frames = [];
const updates = [];
const animates = [];
let phase = 0;
let stepAt = 0;
const STEP_MS = 400;
let finished = false;
function frame(ts) {
  if (finished) return;
  try {
    step(ts);
  } catch (e) {
    report(String(e && e.stack ? e.stack : e));
    return;
  }
  if (ts - frames[0] < seconds * 1000) requestAnimationFrame(frame);
  else report(null);
}
function step(ts) {
  frames.push(ts);
  if (ts - stepAt >= STEP_MS) {
    const { state, notes } = synthetic(phase++);
    const t0 = performance.now();
    view.update(state, notes, { maxStack: Infinity });
    updates.push(performance.now() - t0);
    stepAt = ts;
  }
  if (!q.has('still')) {
    const t1 = performance.now();
    view.animate((ts - stepAt) / STEP_MS);
    animates.push(performance.now() - t1);
  }
}
// Reports what it has if the page throws or the browser stops giving frames (a starved machine),
// so that a test reads an answer instead of waiting for one that never comes.
function report(error) {
  if (finished) return;
  finished = true;
  const gaps = frames.slice(1).map((t, i) => t - frames[i]).sort((a, b) => a - b);
  const span = frames.length > 1 ? frames[frames.length - 1] - frames[0] : 0;
  const round = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : 0);
  window.benchResult = {
    error, stalled: span < seconds * 1000 && !error,
    packets: N, tokens: document.querySelectorAll('.token').length,
    frames: Math.max(frames.length - 1, 0),
    fps: span > 0 ? Math.round(((frames.length - 1) / span) * 1000 * 10) / 10 : 0,
    medianMs: round(gaps[Math.floor(gaps.length / 2)]),
    p95Ms: round(gaps[Math.floor(gaps.length * 0.95)]),
    worstMs: round(gaps[gaps.length - 1]),
    updateMsMax: round(Math.max(...updates)),
    updateMsMean: round(updates.reduce((a, b) => a + b, 0) / updates.length),
    animateMsMean: round(animates.reduce((a, b) => a + b, 0) / animates.length),
  };
  document.body.dataset.done = 'true';
}
// The first state is drawn at once, so what is drawn does not depend on the browser giving frames.
try {
  const { state, notes } = synthetic(phase++);
  view.update(state, notes, { maxStack: Infinity });
  view.animate(0.5);
} catch (e) {
  report(String(e && e.stack ? e.stack : e));
}
requestAnimationFrame((ts) => { stepAt = ts; requestAnimationFrame(frame); });
setTimeout(() => report(null), seconds * 1000 + 20000);
