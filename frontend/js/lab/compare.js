// @ts-check
// The Compare page, for a slide: two or three runs of one seed side by side, stepping in
// lockstep, each column named by what differs, with its outcome, its CPU lanes (the race
// windows, the tokens with their rewritten tuples), its caption in a fixed room and its
// conntrack table (the reply tuple always shown); a mark at the first step where the runs
// differ. Runs come from /api/simulate and are played here.

import { formatSimTime, formatDuration } from '../shared/format.js';
import { Checkpoints } from './sources.js';
import { Annotator, markers } from './annotate.js';
import { catalogue, knobNames, scenarioOf } from './catalogue.js';
import { NodeView } from './render/node.js';
import { Timeline } from './render/timeline.js';
import { h, renderCaption, renderConntrack } from './render/panels.js';
import { firstDivergence, columnNames, differingKnobs, sharedTitle } from './diverge.js';
import { labUrl } from './permalink.js';
import { actionFor } from './keys.js';
import { fetchRun, fetchSummary, BUSY_STATUS } from './run.js';

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
const status = $('compare-status');
const runs = [...document.querySelectorAll('.run-data')].map((e) => JSON.parse(e.getAttribute('data-run') ?? 'null'));
let step = -1;
let total = 0;
let diverge = -1;
/** @type {any} */
let timer = null;
/** @type {any[]} */
const panes = [];
/** @type {Timeline|null} */
let timeline = null;

load().catch((err) => {
  status.textContent = `The runs cannot be shown: ${err.message}`;
  status.classList.add('error');
  document.body.dataset.ready = 'error';
});

async function load() {
  if (runs.length === 0) throw new Error('give two runs to compare, e.g. /compare?a=scenario%3Dsnat-port-race&b=…');
  // A room behind one address asks for the same runs at once: wait while the server is busy.
  const busy = { onWait: () => (status.textContent = BUSY_STATUS) };
  const bodies = await Promise.all(runs.map((r) => fetchRun(r.params, busy)));
  const summaries = await Promise.all(runs.map((r) => fetchSummary(r.params, busy)));
  const grid = $('runs');
  grid.style.setProperty('--runs', String(runs.length));
  const params = runs.map((r) => r.params);
  const names = columnNames(params, knobNames());
  const differing = differingKnobs(params, knobNames());
  const title = scenarioOf(String(params[0].scenario))?.title ?? String(params[0].scenario);
  $('compare-title').textContent = sharedTitle(params[0], differing, title);
  document.title = `Compare: ${names.join(' vs ')} · Racetrack`;
  runs.forEach((r, i) => {
    const events = bodies[i].events;
    const svg = /** @type {SVGSVGElement} */ (/** @type {unknown} */ (document.createElementNS('http://www.w3.org/2000/svg', 'svg')));
    svg.setAttribute('class', 'node-svg');
    const caption = h(document, 'p', { class: 'caption' });
    const conntrack = h(document, 'table', { class: 'conntrack' });
    const out = outcome(summaries[i]);
    const pane = h(
      document,
      'section',
      { class: 'compare-run', 'aria-label': names[i] },
      h(document, 'h2', {}, h(document, 'a', { href: labUrl(r.params, -1), title: 'open this run in the Lab' }, names[i])),
      h(document, 'p', { class: `outcome ${out.bad ? 'bad' : 'good'}` }, out.text),
      h(document, 'div', { class: 'lanes' }, svg),
      caption,
      h(document, 'div', { class: 'ct-wrap' }, conntrack),
    );
    grid.append(pane);
    const view = new NodeView(svg, { lanesOnly: true });
    view.setOptions({ remote: { server: true, dns: true }, randomFully: r.params.mode === 'random-fully' });
    const podIps = new Map(r.topology.pods.map((/** @type {{ip: string, name: string}} */ p) => [p.ip, p.name]));
    panes.push({ run: r, events, view, svg, caption, conntrack, cp: new Checkpoints(events, r.topology.cpus), annotator: new Annotator(events, podIps) });
  });
  // Lay the lanes out in the room the grid gives them (the page's type, in pixels).
  for (const p of panes) p.view.setTopology(p.run.topology);
  total = Math.max(...panes.map((p) => p.events.length));
  diverge = firstDivergence(panes.map((p) => p.events));
  const tl = new Timeline(/** @type {SVGSVGElement} */ (/** @type {unknown} */ ($('timeline'))), { onSeek: (s) => show(s) });
  const marks = markers(panes[0].events);
  if (diverge >= 0) marks.push({ step: diverge, kind: 'beat', text: 'first difference' });
  tl.setRun(total, marks);
  timeline = tl;
  $('diverge').textContent = diverge >= 0 ? `first difference: step ${diverge} ◆` : 'identical runs';
  if (diverge < 0) {
    // A remedy that does not act on this race gives the same run: say so rather than show two copies.
    status.textContent = `These runs are identical, step for step: ${differing.join(', ') || 'nothing'} does not change this race.`;
  } else {
    status.textContent = `${names.join(' vs ')}: the runs part at step ${diverge}.`;
  }
  wire();
  show(-1);
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(() => {
      for (const p of panes) if (p.view.refit()) show(step);
    }).observe(panes[0].svg);
  }
  const s = new URLSearchParams(location.search).get('step');
  if (s && /^\d+$/.test(s)) show(Number(s));
  document.body.dataset.ready = 'true';
}

/**
 * "insert_failed 1 · drop 1 · pod-b waited 1.000 s", or "insert_failed 0 · every connect fast".
 * @param {any} summary
 */
export function outcome(summary) {
  const c = summary.counters;
  const slow = summary.flows.filter((/** @type {any} */ f) => f.retransmits > 0 || f.outcome !== 'ok');
  const worst = slow.sort((/** @type {any} */ a, /** @type {any} */ b) => b.latencyNs - a.latencyNs)[0];
  const time = (/** @type {number} */ ns) => (ns >= 1e9 ? `${(ns / 1e9).toFixed(3)} s` : formatDuration(ns));
  const parts = [`insert_failed ${c.insert_failed}`, `drop ${c.drop}`];
  if (c.clash_resolve) parts.push(`clash_resolve ${c.clash_resolve}`);
  parts.push(worst ? `${worst.pod} waited ${time(worst.latencyNs)}` : 'every flow fast');
  return { text: parts.join(' · '), bad: c.drop > 0 || !!worst };
}

/** @param {number} s */
function show(s) {
  step = Math.max(-1, Math.min(total - 1, s));
  for (const p of panes) {
    const at = Math.min(step, p.events.length - 1);
    const state = p.cp.stateAt(at);
    const prev = p.cp.stateAt(at - 1);
    const notes = p.annotator.at(at);
    p.view.update(state, notes, { jump: true });
    renderCaption(p.caption, step >= p.events.length ? '(this run has ended)' : notes.event ? notes.event.text : 'Press Space (or ▶) to start.', notes.shared);
    p.caption.classList.toggle('differs', diverge >= 0 && step >= diverge);
    renderConntrack(p.conntrack, state, prev, notes);
    fit(p.caption);
  }
  const t = panes[0].cp.stateAt(Math.min(step, panes[0].events.length - 1)).t;
  $('step-no').textContent = `step ${step < 0 ? '–' : step} / ${total} · t = ${formatSimTime(t)}`;
  timeline?.show(step);
  $('timeline').setAttribute('aria-valuenow', String(step));
  document.body.classList.toggle('diverged', diverge >= 0 && step >= diverge);
  const q = new URLSearchParams(location.search);
  q.set('step', String(step));
  history.replaceState(null, '', `${location.pathname}?${q}`);
}

/**
 * Shrinks a caption's font until it fits its fixed room (never below the theme's floor).
 * @param {HTMLElement} el
 */
function fit(el) {
  const root = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  const projector = document.documentElement.classList.contains('projector');
  const floor = projector ? 18 : Math.max(12, root * 0.875);
  let size = root * 1.15;
  el.style.setProperty('--fit', `${size}px`);
  while (el.scrollHeight > el.clientHeight + 1 && size > floor) {
    size = Math.max(floor, size - 1);
    el.style.setProperty('--fit', `${size}px`);
  }
}

function play() {
  if (timer) {
    clearInterval(timer);
    timer = null;
  } else {
    timer = setInterval(() => {
      if (step >= total - 1) play();
      else show(step + 1);
    }, catalogue().pacing.stepMillis / 2);
  }
  $('play').textContent = timer ? '❚❚' : '▶';
  $('play').setAttribute('aria-pressed', String(!!timer));
}

function wire() {
  $('play').addEventListener('click', play);
  $('step').addEventListener('click', () => show(step + 1));
  $('back').addEventListener('click', () => show(step - 1));
  $('first').addEventListener('click', () => show(-1));
  $('diverge').addEventListener('click', () => diverge >= 0 && show(diverge));
  document.addEventListener('keydown', (ev) => {
    const a = actionFor(ev);
    const target = /** @type {HTMLElement} */ (ev.target);
    if (!a || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) return;
    if (a === 'toggle' && (target.tagName === 'BUTTON' || target.tagName === 'A')) return;
    ev.preventDefault();
    if (a === 'toggle') play();
    else if (a === 'step') show(step + 1);
    else if (a === 'back') show(step - 1);
    else if (a === 'first') show(-1);
    else if (a === 'last') show(total - 1);
    else if (a === 'next-mark' && diverge >= 0) show(step < diverge ? diverge : (markers(panes[0].events).find((m) => m.step > step)?.step ?? step));
  });
}
