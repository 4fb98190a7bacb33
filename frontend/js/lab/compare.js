// @ts-check
// The Compare page: two or three runs of one seed side by side, stepping in lockstep, with a mark
// at the first step where they differ. Runs come from /api/simulate and are played here.

import { formatSimTime } from '../shared/format.js';
import { Checkpoints } from './sources.js';
import { Annotator, markers } from './annotate.js';
import { catalogue } from './catalogue.js';
import { NodeView } from './render/node.js';
import { Timeline } from './render/timeline.js';
import { h, renderCaption, renderConntrack, renderCounters } from './render/panels.js';
import { firstDivergence, differences } from './diverge.js';
import { runQuery, labUrl } from './permalink.js';
import { actionFor } from './keys.js';

const $ = (id) => document.getElementById(id);
const status = $('compare-status');
const runs = [...document.querySelectorAll('.run-data')].map((e) => JSON.parse(e.getAttribute('data-run')));
let step = -1;
let total = 0;
let diverge = -1;
let timer = null;
/** @type {any[]} */
const panes = [];
/** @type {Timeline|null} */
let timeline = null;

load().catch((err) => {
  status.textContent = `The runs cannot be shown: ${err.message}`;
});

async function load() {
  const bodies = await Promise.all(
    runs.map(async (r) => {
      const res = await fetch(`/api/simulate?${runQuery(r.params)}`, { headers: { Accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.json();
    }),
  );
  const grid = $('runs');
  grid.classList.add(`n${runs.length}`);
  runs.forEach((r, i) => {
    const events = bodies[i].events;
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('class', 'node-svg');
    const caption = h(document, 'p', { class: 'caption' });
    const conntrack = h(document, 'table', { class: 'conntrack' });
    const counters = h(document, 'table', { class: 'counters' });
    const outcome = h(document, 'p', { class: 'outcome' }, outcomeText(bodies[i].summary));
    const title = h(document, 'h2', {}, h(document, 'a', { href: labUrl(r.params, -1) }, differences(r.params, runs[0].params)));
    const pane = h(
      document,
      'section',
      { class: 'compare-run', 'aria-label': `Run ${i + 1}` },
      title,
      outcome,
      svg,
      caption,
      h(document, 'div', { class: 'compare-tables' }, conntrack, counters),
    );
    grid.append(pane);
    const view = new NodeView(svg, { compact: true });
    view.setTopology(r.topology);
    const podIps = new Map(r.topology.pods.map((p) => [p.ip, p.name]));
    panes.push({ run: r, events, view, caption, conntrack, counters, cp: new Checkpoints(events, r.topology.cpus), annotator: new Annotator(events, podIps) });
  });
  total = Math.max(...panes.map((p) => p.events.length));
  diverge = firstDivergence(panes.map((p) => p.events));
  const tl = new Timeline($('timeline'), { onSeek: (s) => show(s) });
  const marks = markers(panes[0].events);
  if (diverge >= 0) marks.push({ step: diverge, kind: 'beat', text: 'first difference' });
  tl.setRun(total, marks);
  timeline = tl;
  $('diverge').textContent = diverge >= 0 ? `first difference: step ${diverge} ◆` : 'identical runs';
  status.hidden = true;
  wire();
  show(-1);
  document.body.dataset.ready = 'true';
}

function outcomeText(summary) {
  const c = summary.counters;
  const slow = summary.flows.filter((f) => f.retransmits > 0 || f.outcome !== 'ok');
  return `insert_failed ${c.insert_failed} · drop ${c.drop}${c.clash_resolve ? ` · clash_resolve ${c.clash_resolve}` : ''} · ${slow.length ? `${slow.length} slow flow${slow.length > 1 ? 's' : ''}` : 'every flow fast'}`;
}

function show(s) {
  step = Math.max(-1, Math.min(total - 1, s));
  for (const p of panes) {
    const at = Math.min(step, p.events.length - 1);
    const state = p.cp.stateAt(at);
    const prev = p.cp.stateAt(at - 1);
    const notes = p.annotator.at(at);
    p.view.update(state, notes, { jump: true });
    renderCaption(p.caption, step >= p.events.length ? '(this run has ended)' : notes.event ? notes.event.text : 'Start.');
    p.caption.classList.toggle('differs', diverge >= 0 && step >= diverge);
    renderConntrack(p.conntrack, state, prev, notes);
    renderCounters(p.counters, state, notes);
  }
  $('step-no').textContent =
    `step ${step < 0 ? '–' : step} / ${total} · t = ${formatSimTime(panes[0].cp.stateAt(Math.min(step, panes[0].events.length - 1)).t)}`;
  timeline?.show(step);
  document.body.classList.toggle('diverged', diverge >= 0 && step >= diverge);
  const q = new URLSearchParams(location.search);
  q.set('step', String(step));
  history.replaceState(null, '', `${location.pathname}?${q}`);
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
}

function wire() {
  $('play').addEventListener('click', play);
  $('step').addEventListener('click', () => show(step + 1));
  $('back').addEventListener('click', () => show(step - 1));
  $('first').addEventListener('click', () => show(-1));
  $('diverge').addEventListener('click', () => diverge >= 0 && show(diverge));
  document.addEventListener('keydown', (ev) => {
    const a = actionFor(ev);
    if (!a || /^(INPUT|SELECT|TEXTAREA)$/.test(/** @type {HTMLElement} */ (ev.target).tagName)) return;
    ev.preventDefault();
    if (a === 'toggle') play();
    else if (a === 'step') show(step + 1);
    else if (a === 'back') show(step - 1);
    else if (a === 'first') show(-1);
    else if (a === 'last') show(total - 1);
    else if (a === 'next-mark' && diverge >= 0) show(diverge);
  });
  const s = new URLSearchParams(location.search).get('step');
  if (s && /^\d+$/.test(s)) queueMicrotask(() => show(Number(s)));
}
