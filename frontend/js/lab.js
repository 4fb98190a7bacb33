// The Lab page's entry module: opens a run (a server session, or the recorded run played here),
// draws each step, runs the animation loop in model time, and wires the controls, the keys, the
// permalink, the inspector and the view toggles. Everything it draws comes from render/*.js.

import { formatSimTime } from './format.js';
import { SessionSource, LocalSource, Checkpoints, BASE_STEP_MS } from './sources.js';
import { Player } from './player.js';
import { deriveBeats } from './beats.js';
import { annotate, markers, packetHistory } from './annotate.js';
import { NodeView } from './render/node.js';
import { Timeline } from './render/timeline.js';
import { renderCaption, renderConntrack, renderCounters, renderRules, renderTimers, renderStepsTable, renderInspector } from './render/panels.js';
import { actionFor, KEYS, SPEEDS, speedLabel, nextSpeed } from './keys.js';
import { runQuery, labUrl, stepFrom, fixFor } from './permalink.js';

const $ = (id) => document.getElementById(id);
const url = new URLSearchParams(location.search);
const reducedMotionQuery = window.matchMedia?.('(prefers-reduced-motion: reduce)');

const ui = {
  svg: $('node'),
  caption: $('caption'),
  beat: $('beat'),
  conntrack: $('conntrack'),
  counters: $('counters'),
  rules: $('rules'),
  timers: $('timers'),
  steps: $('steps'),
  clock: $('clock'),
  stepNo: $('step-no'),
  speed: $('speed'),
  speedOut: $('speed-out'),
  play: $('play'),
  mode: $('source-mode'),
  inspector: $('inspector'),
  inspectorBody: $('inspector-body'),
  help: $('help'),
  blackout: $('blackout'),
  status: $('status'),
};

let run = null; // {params, topology, rules, replay, events, beats, marks}
let player = null;
let pendingSeek = stepFrom(location.search);
let podIps = new Map();
let notes = null;
let inspected = null;
let lastUrlWrite = 0;

const nodeView = new NodeView(ui.svg, { onPick: (id) => inspect(id), overlay: $('tokens') });
const timeline = new Timeline($('timeline'), { onSeek: (step) => control('seek', step) });

// Knob changes push a permalink; going back to one reloads that page rather than restoring a
// stale copy of the DOM the modules no longer hold.
if (window.htmx) {
  window.htmx.config.historyCacheSize = 0;
  window.htmx.config.refreshOnHistoryMiss = true;
}

applyViewOptions();
wireControls();
if (typeof ResizeObserver === 'function') {
  new ResizeObserver(() => {
    if (nodeView.refit() && player?.state) drawStep(player, true);
  }).observe(ui.svg);
}
start(readRun());

document.body.addEventListener('htmx:afterSwap', (ev) => {
  if (ev.detail?.target?.id === 'knobs' || ev.target?.id === 'knobs') {
    const next = readRun();
    if (next && !next.error) {
      pendingSeek = null;
      start(next);
    }
  }
});

// --- opening a run

function readRun() {
  const holder = $('run');
  if (!holder) return null;
  const data = JSON.parse(holder.getAttribute('data-run'));
  data.error = holder.getAttribute('data-error');
  return data;
}

async function start(data) {
  if (!data) return;
  player?.close();
  player = null;
  setStatus('Loading the run…');
  const query = runQuery(data.params);
  let events;
  try {
    const res = await fetch(`/api/simulate?${query}`, { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error((await res.json().catch(() => ({}))).detail ?? `HTTP ${res.status}`);
    events = (await res.json()).events;
  } catch (err) {
    setStatus(`This run cannot be shown: ${err.message}`);
    return;
  }
  let session = null;
  if (!url.has('offline')) session = await createSession(data.params);
  const beats = session?.beats ?? (data.replay ? deriveBeats(events) : []);
  run = {
    params: session?.params ?? data.params,
    topology: session?.topology ?? data.topology,
    rules: session?.rules ?? data.rules,
    replay: data.replay,
    events,
    beats,
    marks: markers(events, beats),
    checkpoints: new Checkpoints(events, (session?.topology ?? data.topology).cpus),
  };
  podIps = new Map(run.topology.pods.map((p) => [p.ip, p.name]));
  nodeView.setTopology(run.topology);
  timeline.setRun(events.length, run.marks);
  updateLinks(run.params);
  const source = session
    ? new SessionSource({ id: session.id, token: session.token })
    : new LocalSource({ events, cpus: run.topology.cpus, params: run.params, beats, speed: currentSpeed() });
  ui.mode.textContent = session ? `session ${session.code ?? session.id}` : 'played in this browser';
  ui.mode.dataset.mode = source.kind;
  document.body.dataset.source = source.kind;
  player = new Player({
    source,
    beats,
    now: () => performance.now(),
    onChange: onPlayerChange,
    onError: (m) => setStatus(m),
  });
  player.start();
  setStatus('');
}

async function createSession(params) {
  try {
    const res = await fetch('/api/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(params),
    });
    if (res.status !== 201 && res.status !== 200) return null;
    return await res.json();
  } catch {
    return null;
  }
}

// --- drawing a step

function onPlayerChange(p, why) {
  if (why === 'snapshot' && pendingSeek !== null) {
    const s = pendingSeek;
    pendingSeek = null;
    if (s !== p.step) {
      control('seek', Math.min(s, p.total - 1));
      return;
    }
  }
  if (why === 'snapshot' || why === 'event') drawStep(p, why === 'snapshot');
  drawPlayState(p);
}

function drawStep(p, jump) {
  notes = annotate(run.events, p.step, podIps);
  const state = p.state;
  // After a seek the stream gives no previous step; the recorded run does (what just left the table).
  const prev = jump && p.step >= 0 ? run.checkpoints.stateAt(p.step - 1) : p.prevState;
  nodeView.update(state, notes, { jump: jump || reducedMotion() });
  renderConntrack(ui.conntrack, state, prev, notes);
  renderCounters(ui.counters, state, notes);
  renderRules(ui.rules, run.rules, notes);
  renderTimers(ui.timers, state);
  const beat = p.beat;
  const text = notes.event ? notes.event.text : 'Press space (or ▶) to start. Each step is one thing the kernel or a client does.';
  renderCaption(ui.caption, text);
  ui.caption.dataset.step = String(p.step);
  ui.beat.hidden = !beat;
  if (beat) renderCaption(ui.beatText, beat.text);
  document.body.classList.toggle('at-beat', !!beat);
  ui.stepNo.textContent = `step ${p.step < 0 ? "–" : p.step} / ${p.total}`;
  ui.clock.textContent = `t = ${formatSimTime(state.t)}`;
  timeline.show(p.step);
  if (document.body.classList.contains('table-view')) renderStepsTable(ui.steps, run.events, p.step);
  if (inspected !== null && ui.inspector.open) renderInspector(ui.inspectorBody, packetHistory(run.events, inspected, p.step));
  writeUrl(p.step);
}

function drawPlayState(p) {
  ui.play.textContent = p.playing ? '❚❚' : '▶';
  ui.play.setAttribute('aria-label', p.playing ? 'Pause' : 'Play');
  ui.play.setAttribute('aria-pressed', String(p.playing));
  const i = SPEEDS.indexOf(p.speed);
  if (i >= 0) ui.speed.value = String(i);
  ui.speedOut.textContent = speedLabel(p.speed);
  document.body.classList.toggle('playing', p.playing);
  // A screen reader cannot keep up with fast play: narrate at up to ×2, and every step when paused.
  ui.narration.setAttribute('aria-live', p.playing && p.speed > 2 ? 'off' : 'polite');
}

// The animation loop: between two steps, tokens travel and the clock runs from the previous
// step's sim time to this one's over the step's wall time (model time, never wall time, is shown).
function frame(now) {
  if (player && player.state && player.prevState && notes) {
    const ms = Math.min(650, (BASE_STEP_MS * 0.8) / player.speed);
    const p = reducedMotion() || player.jumped ? 1 : Math.min(1, (now - player.changedAt) / ms);
    nodeView.animate(p);
    if (p < 1) {
      const t0 = player.prevState.t;
      const tNs = t0 + (player.state.t - t0) * p;
      ui.clock.textContent = `t = ${formatSimTime(Math.round(tNs))}`;
      renderTimers(ui.timers, player.state, tNs);
    }
  }
  requestAnimationFrame(frame);
}
requestAnimationFrame(frame);

function writeUrl(step) {
  if (!run) return;
  const now = performance.now();
  const next = labUrl(run.params, step, location.search);
  if (now - lastUrlWrite < 200 && player?.playing) return;
  lastUrlWrite = now;
  if (`${location.pathname}${location.search}` !== next) history.replaceState(history.state, '', next);
}

// --- controls

function control(action, value) {
  if (!player) return;
  if (action === 'seek' && (value === null || Number.isNaN(value))) return;
  player.control(action, value);
}

function toggle() {
  if (!player) return;
  control(player.playing ? 'pause' : 'play');
}

function nextMark() {
  if (!player || !run) return;
  const m = run.marks.find((x) => x.step > player.step);
  if (m) control('seek', m.step);
}

function currentSpeed() {
  return player?.speed ?? 1;
}

function wireControls() {
  ui.beatText = $('beat-text');
  ui.narration = document.querySelector('.narration');
  ui.play.addEventListener('click', toggle);
  $('step').addEventListener('click', () => control('step'));
  $('back').addEventListener('click', () => control('back'));
  $('first').addEventListener('click', () => control('seek', -1));
  $('last').addEventListener('click', () => player && control('seek', player.total - 1));
  $('next-mark').addEventListener('click', nextMark);
  ui.speed.addEventListener('input', () => control('speed', SPEEDS[Number(ui.speed.value)]));
  $('toggle-theme').addEventListener('click', () => setOption('theme', document.body.classList.toggle('projector') ? 'projector' : null));
  $('toggle-motion').addEventListener('click', () => setOption('motion', document.body.classList.toggle('reduced-motion') ? 'reduced' : null));
  $('toggle-table').addEventListener('click', () => toggleTable());
  $('open-help').addEventListener('click', () => ui.help.showModal());
  for (const b of document.querySelectorAll('[data-close]')) b.addEventListener('click', () => b.closest('dialog')?.close());
  ui.blackout.addEventListener('click', () => ui.blackout.classList.remove('on'));
  ui.conntrack.addEventListener('click', (ev) => {
    const row = ev.target.closest('tr[data-packet]');
    if (row) inspect(Number(row.getAttribute('data-packet')));
  });
  ui.conntrack.addEventListener('keydown', (ev) => {
    const row = ev.target.closest('tr[data-packet]');
    if (row && ev.key === 'Enter') inspect(Number(row.getAttribute('data-packet')));
  });
  $('help-keys').replaceChildren(...KEYS.map((k) => {
    const dt = document.createElement('dt');
    k.keys.forEach((key, i) => {
      if (i) dt.append(' ');
      const kbd = document.createElement('kbd');
      kbd.textContent = key;
      dt.append(kbd);
    });
    const dd = document.createElement('dd');
    dd.textContent = k.text;
    return [dt, dd];
  }).flat());
  document.addEventListener('keydown', onKey);
  reducedMotionQuery?.addEventListener?.('change', () => player && drawStep(player, true));
}

function onKey(ev) {
  const target = ev.target;
  const typing = target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName));
  const action = actionFor(ev);
  if (!action) return;
  if (typing && action !== 'close') return;
  if (ui.help.open && action !== 'close' && action !== 'help') return;
  if (target?.tagName === 'BUTTON' && action === 'toggle' && target.id !== 'play') return;
  ev.preventDefault();
  switch (action) {
    case 'toggle': toggle(); break;
    case 'step': control('step'); break;
    case 'back': control('back'); break;
    case 'first': control('seek', -1); break;
    case 'last': if (player) control('seek', player.total - 1); break;
    case 'next-mark': nextMark(); break;
    case 'faster': control('speed', nextSpeed(currentSpeed(), 1)); break;
    case 'slower': control('speed', nextSpeed(currentSpeed(), -1)); break;
    case 'black': ui.blackout.classList.toggle('on'); break;
    case 'fullscreen':
      if (document.fullscreenElement) document.exitFullscreen?.();
      else document.documentElement.requestFullscreen?.().catch(() => {});
      break;
    case 'table': toggleTable(); break;
    case 'help': if (ui.help.open) ui.help.close(); else ui.help.showModal(); break;
    case 'close':
      ui.blackout.classList.remove('on');
      if (ui.help.open) ui.help.close();
      if (ui.inspector.open) ui.inspector.close();
      break;
    default: break;
  }
}

function toggleTable() {
  const on = document.body.classList.toggle('table-view');
  setOption('view', on ? 'table' : null);
  if (on && player && run) renderStepsTable(ui.steps, run.events, player.step);
}

function inspect(packetId) {
  if (!run || !player || !Number.isFinite(packetId)) return;
  inspected = packetId;
  renderInspector(ui.inspectorBody, packetHistory(run.events, packetId, player.step));
  if (!ui.inspector.open) ui.inspector.show();
}

// --- view options: projector theme, reduced motion, table view (all in the URL too)

function applyViewOptions() {
  document.body.classList.toggle('projector', url.get('theme') === 'projector');
  document.body.classList.toggle('reduced-motion', url.get('motion') === 'reduced');
  document.body.classList.toggle('table-view', url.get('view') === 'table');
}

function setOption(name, value) {
  const q = new URLSearchParams(location.search);
  if (value === null) q.delete(name);
  else q.set(name, value);
  url.delete(name);
  if (value !== null) url.set(name, value);
  history.replaceState(history.state, '', `${location.pathname}?${q.toString()}`);
  if (name === 'motion' && player) drawStep(player, true);
}

function reducedMotion() {
  return document.body.classList.contains('reduced-motion') || !!reducedMotionQuery?.matches;
}

function setStatus(text) {
  ui.status.textContent = text;
  ui.status.hidden = !text;
  if (!text) document.body.dataset.ready = 'true';
}

// --- links to Compare

function updateLinks(params) {
  const a = runQuery(params);
  const rf = $('compare-random-fully');
  rf.href = `/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(runQuery({ ...params, mode: params.mode === 'random-fully' ? 'default' : 'random-fully' }))}`;
  rf.textContent = params.mode === 'random-fully' ? 'Compare with default' : 'Compare with random-fully';
  $('compare-fix').href = `/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(runQuery(fixFor(params)))}`;
}
