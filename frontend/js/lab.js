// The Lab page's entry module: opens a run (a server session, or the recorded run played here),
// draws each step, runs the animation loop in model time, and wires the controls, the keys, the
// permalink, the inspector and the view toggles. Everything it draws comes from render/*.js.
//
// One page, three modes (body[data-mode]):
//   lab     the presenter: a server session whose join code and audience the top bar shows;
//   watch   a follower (/watch/{code}): the presenter's stream, read-only, until they detach to
//           explore a local copy from that step, and snap back (follow.js decides, this acts);
//   replay  the offline file (GET /api/export/replay): the run is embedded, nothing is fetched.

import { formatSimTime } from './format.js';
import { SessionSource, WatchSource, LocalSource, Checkpoints, BASE_STEP_MS } from './sources.js';
import { Player } from './player.js';
import { deriveBeats } from './beats.js';
import { annotate, markers, packetHistory } from './annotate.js';
import { NodeView } from './render/node.js';
import { Timeline } from './render/timeline.js';
import { renderCaption, renderConntrack, renderCounters, renderRules, renderTimers, renderStepsTable, renderInspector } from './render/panels.js';
import { actionFor, keysFor, SPEEDS, speedLabel, nextSpeed } from './keys.js';
import { runQuery, labUrl, stepFrom, fixesFor, KNOBS } from './permalink.js';
import { Follow, audienceText } from './follow.js';

const $ = (id) => document.getElementById(id);
const url = new URLSearchParams(location.search);
const mode = document.body.dataset.mode || 'lab';
const embedded = readEmbedded();
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

let run = null; // {params, topology, rules, replay, events, beats, marks} of the run shown
let player = null; // the player shown
let drawnRun = null; // the run the drawing is laid out for
let pendingSeek = mode === 'watch' ? null : stepFrom(location.search);
let session = null; // the presenter's {id, code, token}

// A follower: the presenter's stream (live) and their own copy (copy), each {run, player}.
const follow = new Follow();
const live = { run: null, player: null, source: null };
let copy = null;
let joining = false;
const SESSION_KEY = 'racetrack.session';
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
if (mode === 'watch') startWatch();
else start(readRun());

document.body.addEventListener('htmx:afterSwap', (ev) => {
  if (ev.detail?.target?.id === 'knobs' || ev.target?.id === 'knobs') {
    const next = readRun();
    if (next && !next.error) {
      pendingSeek = null;
      if (mode === 'watch') startCopy(next);
      else start(next);
    }
  }
});

// --- opening a run

function readRun() {
  if (embedded) return embedded;
  const holder = $('run');
  if (!holder) return null;
  const data = JSON.parse(holder.getAttribute('data-run'));
  data.error = holder.getAttribute('data-error');
  return data;
}

/** The offline file's run: params, topology, rules, replay, title, events, beats. */
function readEmbedded() {
  const holder = document.getElementById('replay-data');
  return holder ? JSON.parse(holder.textContent) : null;
}

/** A run's events, as /api/simulate gives them (or as the offline file holds them). */
async function fetchEvents(params) {
  if (embedded) return embedded.events;
  const res = await fetch(`/api/simulate?${runQuery(params)}`, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).detail ?? `HTTP ${res.status}`);
  return (await res.json()).events;
}

function buildRun(data, events, beats) {
  return {
    params: data.params,
    topology: data.topology,
    rules: data.rules,
    rawRules: data.rawRules ?? [],
    replay: data.replay,
    events,
    beats,
    marks: markers(events, beats),
    checkpoints: new Checkpoints(events, data.topology.cpus),
  };
}

function newPlayer(source, beats, onChange, onNotice = () => {}) {
  return new Player({ source, beats, now: () => performance.now(), onChange, onError: onPlayerError, onNotice });
}

async function start(data) {
  if (!data) return;
  player?.close();
  player = null;
  setStatus('Loading the run…');
  let events;
  try {
    events = await fetchEvents(data.params);
  } catch (err) {
    setStatus(`This run cannot be shown: ${err.message}`);
    return;
  }
  if (mode === 'lab' && !url.has('offline')) session = await openSession(data.params);
  else session = null;
  const beats = session?.beats ?? data.beats ?? (data.replay ? deriveBeats(events) : []);
  run = buildRun(session ? { ...data, params: session.params, topology: session.topology, rules: session.rules, rawRules: session.rawRules } : data, events, beats);
  layoutFor(run);
  const source = session
    ? new SessionSource({ id: session.id, token: session.token })
    : new LocalSource({ events, cpus: run.topology.cpus, params: run.params, beats, speed: currentSpeed() });
  ui.mode.textContent = session ? `session ${session.code ?? session.id}` : mode === 'replay' ? 'offline replay' : 'played in this browser';
  ui.mode.dataset.mode = source.kind;
  document.body.dataset.source = source.kind;
  showFollowBadge(session);
  player = newPlayer(source, beats, onPlayerChange, onNotice);
  player.start();
  setStatus('');
}

/** Lays the drawing, the timeline and the links out for a run (once per run shown). */
function layoutFor(r) {
  if (drawnRun === r) return;
  drawnRun = r;
  podIps = new Map(r.topology.pods.map((p) => [p.ip, p.name]));
  nodeView.setTopology(r.topology);
  timeline.setRun(r.events.length, r.marks);
  updateLinks(r.params);
}

function onPlayerError(message) {
  if (mode === 'watch' && /closed/.test(message)) {
    follow.ended();
    drawWatchBar();
    setStatus(follow.detached
      ? 'The presenter\'s session has ended; your copy stays here.'
      : 'The presenter\'s session has ended (or this page lost it). Reload to try again.');
    return;
  }
  setStatus(message);
}

function onNotice(kind, data) {
  if (kind === 'audience') drawAudience(data);
}

// --- the presenter's join code and audience

function showFollowBadge(s) {
  const badge = $('follow');
  if (!badge) return;
  badge.hidden = !s?.code;
  if (!s?.code) return;
  const path = `/watch/${s.code}`;
  $('follow-code').textContent = s.code;
  const link = $('follow-url');
  link.href = path;
  link.textContent = path;
  for (const el of document.querySelectorAll('.join-origin')) el.textContent = location.host;
  for (const el of document.querySelectorAll('.join-code-text')) el.textContent = s.code;
  drawAudience({ followers: 0, detached: 0 });
}

function drawAudience(a) {
  const el = $('audience');
  if (!el) return;
  el.textContent = audienceText(a);
  el.dataset.followers = String(a.followers ?? 0);
  el.dataset.detached = String(a.detached ?? 0);
  document.getElementById('follow')?.classList.toggle('has-detached', (a.detached ?? 0) > 0);
}

// --- a follower

async function startWatch() {
  if (joining) return;
  joining = true;
  try {
    await joinPresenter();
  } finally {
    joining = false;
  }
}

async function joinPresenter() {
  const code = document.body.dataset.code;
  live.player?.close();
  setStatus('Joining the presenter…');
  let view;
  let events;
  try {
    const res = await fetch(`/api/watch/${encodeURIComponent(code)}`, { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(res.status === 404 ? 'this session has ended' : `HTTP ${res.status}`);
    view = await res.json();
    events = await fetchEvents(view.params);
  } catch (err) {
    setStatus(`Cannot follow ${code}: ${err.message}.`);
    follow.ended();
    drawWatchBar();
    return;
  }
  const data = { params: view.params, topology: view.topology, rules: view.rules, rawRules: view.rawRules, replay: view.beats.length > 0 };
  live.run = buildRun(data, events, view.beats);
  live.source = new WatchSource({ code });
  live.player = newPlayer(live.source, view.beats, onLiveChange, onWatchNotice);
  if (!follow.detached) show('live');
  ui.mode.dataset.mode = 'watch';
  document.body.dataset.source = 'watch';
  live.player.start();
  setStatus('');
}

function onLiveChange(p, why) {
  // The presenter opened another run (if the stream reconnected before 'session-changed' came).
  if (why === 'snapshot' && p.params && live.run && runQuery(p.params) !== runQuery(live.run.params)) {
    startWatch();
    return;
  }
  follow.live(p.step);
  if (player === p) onPlayerChange(p, why);
  else if (why === 'snapshot' || why === 'event') drawWatchBar();
}

function onWatchNotice(kind, data) {
  if (kind === 'hello') perform(follow.hello(data.follower));
  else if (kind === 'session-changed') startWatch();
}

/** Carries out what follow.js decided. */
function perform(effects) {
  for (const e of effects) {
    switch (e.type) {
      case 'copy': {
        const r = live.run;
        copy = { run: r, player: null };
        copy.player = newPlayer(copySource(r, e.step), r.beats, onCopyChange);
        copy.player.start();
        break;
      }
      case 'drop-copy':
        copy?.player.close();
        copy = null;
        break;
      case 'show':
        show(e.view);
        break;
      case 'presence':
        if (follow.follower) live.source?.presence(follow.follower, e.detached).catch(() => {});
        break;
      case 'control':
        applyControl(e.action, e.value);
        break;
      default:
        break;
    }
  }
  drawWatchBar();
}

function copySource(r, step) {
  return new LocalSource({ events: r.events, cpus: r.topology.cpus, params: r.params, beats: r.beats, speed: live.player?.speed ?? 1, step });
}

function onCopyChange(p, why) {
  if (player === p) onPlayerChange(p, why);
}

/** A detached follower changed a knob: a copy of that run, at the same step. */
async function startCopy(data) {
  if (!follow.detached || !copy) return;
  setStatus('Loading your copy…');
  let events;
  try {
    events = await fetchEvents(data.params);
  } catch (err) {
    setStatus(`This run cannot be shown: ${err.message}`);
    return;
  }
  if (!follow.detached || !copy) return;
  const r = buildRun(data, events, data.replay ? deriveBeats(events) : []);
  const at = copy.player.step;
  copy.player.close();
  copy = { run: r, player: null };
  copy.player = newPlayer(copySource(r, Math.min(at, events.length - 1)), r.beats, onCopyChange);
  copy.player.start();
  show('copy');
  setStatus('');
}

function show(view) {
  const shown = view === 'copy' ? copy : live;
  if (!shown?.run || !shown.player) return;
  run = shown.run;
  player = shown.player;
  layoutFor(run);
  document.body.classList.toggle('detached', view === 'copy');
  lockKnobs(view !== 'copy');
  if (view === 'live') setKnobs(live.run.params);
  ui.mode.textContent = view === 'copy' ? 'your copy, played in this browser' : `following ${document.body.dataset.code}`;
  if (player.state) {
    drawStep(player, true);
    drawPlayState(player);
  }
}

function drawWatchBar() {
  if (mode !== 'watch') return;
  const state = $('watch-state');
  const code = document.body.dataset.code;
  const at = live.player && live.player.total ? ` · presenter at step ${Math.max(0, live.player.step)}` : '';
  state.replaceChildren();
  const strong = document.createElement('strong');
  strong.className = 'mono';
  strong.textContent = code;
  if (follow.state === 'ended' && !follow.detached) state.append('Session ', strong, ' has ended');
  else if (follow.detached) state.append('Your own copy', at);
  else state.append('Following ', strong);
  state.dataset.state = follow.state;
  $('detach').hidden = follow.detached || follow.state !== 'following';
  $('snap-back').hidden = !follow.detached || follow.state === 'ended' || !live.player;
}

function lockKnobs(locked) {
  const form = $('knobs');
  if (!form) return;
  for (const el of form.querySelectorAll('select, input:not([type=hidden])')) el.disabled = locked;
}

function setKnobs(params) {
  const form = $('knobs');
  if (!form || !params) return;
  for (const k of KNOBS) {
    const el = form.elements.namedItem(k);
    if (el && params[k] !== undefined && params[k] !== null) el.value = String(params[k]);
  }
}

// The presenter keeps one session per tab: another run (a knob, a reload) goes into the same
// session, so its join code, and its followers, stay.
async function openSession(params) {
  const kept = session ?? readKeptSession();
  const next = (kept && (await replaceSession(kept, params))) || (await createSession(params));
  try {
    if (next) sessionStorage.setItem(SESSION_KEY, JSON.stringify({ id: next.id, token: next.token }));
  } catch {
    // no storage (a private window): a reload gets a new code
  }
  return next;
}

function readKeptSession() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    return kept?.id && kept?.token ? kept : null;
  } catch {
    return null;
  }
}

async function replaceSession(kept, params) {
  try {
    const res = await fetch(`/api/sessions/${encodeURIComponent(kept.id)}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${kept.token}` },
      body: JSON.stringify(params),
    });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
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
      applyControl('seek', Math.min(s, p.total - 1));
      return;
    }
  }
  if (why === 'snapshot' || why === 'event') drawStep(p, why === 'snapshot');
  drawPlayState(p);
  drawWatchBar();
}

function drawStep(p, jump) {
  notes = annotate(run.events, p.step, podIps);
  const state = p.state;
  // After a seek the stream gives no previous step; the recorded run does (what just left the table).
  const prev = jump && p.step >= 0 ? run.checkpoints.stateAt(p.step - 1) : p.prevState;
  nodeView.update(state, notes, { jump: jump || reducedMotion() });
  renderConntrack(ui.conntrack, state, prev, notes);
  renderCounters(ui.counters, state, notes);
  renderRules(ui.rules, run.rules, notes, run.rawRules);
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
  if (!run || mode === 'watch') return; // a follower's address stays /watch/{code}
  const now = performance.now();
  if (now - lastUrlWrite < 200 && player?.playing) return;
  lastUrlWrite = now;
  let next = labUrl(run.params, step, location.search);
  if (mode === 'replay') {
    // The offline file keeps its own name; only the step (and view options) go in its query.
    const q = new URLSearchParams(location.search);
    if (step >= 0) q.set('step', String(step));
    else q.delete('step');
    next = `${location.pathname}${q.toString() ? `?${q}` : ''}`;
  }
  if (`${location.pathname}${location.search}` === next) return;
  try {
    history.replaceState(history.state, '', next);
  } catch {
    // file:// pages may refuse; the step is still on screen
  }
}

// --- controls

/** A time control from a button, a key or the timeline. A follower's never reach the presenter. */
function control(action, value) {
  if (mode === 'watch') perform(follow.control(action, value));
  else applyControl(action, value);
}

function applyControl(action, value) {
  if (!player) return;
  switch (action) {
    case 'toggle':
      player.control(player.playing ? 'pause' : 'play');
      break;
    case 'first':
      player.control('seek', -1);
      break;
    case 'last':
      player.control('seek', player.total - 1);
      break;
    case 'next-mark': {
      const m = run?.marks.find((x) => x.step > player.step);
      if (m) player.control('seek', m.step);
      break;
    }
    case 'faster':
      player.control('speed', nextSpeed(currentSpeed(), 1));
      break;
    case 'slower':
      player.control('speed', nextSpeed(currentSpeed(), -1));
      break;
    case 'seek':
      if (value === null || value === undefined || Number.isNaN(value)) return;
      player.control('seek', value);
      break;
    default:
      player.control(action, value);
  }
}

function currentSpeed() {
  return player?.speed ?? 1;
}

function wireControls() {
  ui.beatText = $('beat-text');
  ui.narration = document.querySelector('.narration');
  ui.play.addEventListener('click', () => control('toggle'));
  $('step').addEventListener('click', () => control('step'));
  $('back').addEventListener('click', () => control('back'));
  $('first').addEventListener('click', () => control('first'));
  $('last').addEventListener('click', () => control('last'));
  $('next-mark').addEventListener('click', () => control('next-mark'));
  $('open-join')?.addEventListener('click', openJoin);
  $('detach')?.addEventListener('click', () => perform(follow.detach()));
  $('snap-back')?.addEventListener('click', () => perform(follow.snapBack()));
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
  $('help-keys').replaceChildren(...keysFor(mode).map((k) => {
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
  if ((action === 'detach' || action === 'snap') && mode !== 'watch') return;
  if (action === 'join' && !session?.code) return;
  ev.preventDefault();
  switch (action) {
    case 'toggle':
    case 'step':
    case 'back':
    case 'first':
    case 'last':
    case 'next-mark':
    case 'faster':
    case 'slower':
      control(action);
      break;
    case 'detach': perform(follow.detach()); break;
    case 'snap': perform(follow.snapBack()); break;
    case 'join': openJoin(); break;
    case 'black': ui.blackout.classList.toggle('on'); break;
    case 'fullscreen':
      if (document.fullscreenElement) document.exitFullscreen?.();
      else document.documentElement.requestFullscreen?.().catch(() => {});
      break;
    case 'table': toggleTable(); break;
    case 'help': if (ui.help.open) ui.help.close(); else ui.help.showModal(); break;
    case 'close': {
      const join = $('join');
      const open = ui.blackout.classList.contains('on') || ui.help.open || ui.inspector.open || join?.open;
      ui.blackout.classList.remove('on');
      if (ui.help.open) ui.help.close();
      if (ui.inspector.open) ui.inspector.close();
      if (join?.open) join.close();
      // A follower's Esc also snaps back, when there was nothing else to close.
      if (!open && mode === 'watch') perform(follow.snapBack());
      break;
    }
    default: break;
  }
}

function openJoin() {
  const join = $('join');
  if (!join || !session?.code) return;
  if (join.open) join.close();
  else join.showModal();
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
  const replay = $('download-replay');
  if (replay) replay.href = `/api/export/replay?${a}`;
  const rf = $('compare-random-fully');
  if (!rf) return;
  rf.href = `/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(runQuery({ ...params, mode: params.mode === 'random-fully' ? 'default' : 'random-fully' }))}`;
  rf.textContent = params.mode === 'random-fully' ? 'Compare with default' : 'Compare with random-fully';
  const [b, c] = fixesFor(params).map((p) => encodeURIComponent(runQuery(p)));
  $('compare-fix').href = `/compare?a=${encodeURIComponent(a)}&b=${b}&c=${c}`;
}
