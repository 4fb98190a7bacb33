// @ts-check
// The timeline under the controls: one mark per drop (▲), retransmit, resolver timeout and beat,
// the current step, and a click or drag anywhere seeks. Steps map linearly to x.

import { el } from './node.js';

const W = 1000;
const H = 34;

export function stepToX(step, total) {
  if (total <= 1) return 0;
  return (Math.max(0, step) / (total - 1)) * W;
}

export function xToStep(x, total) {
  if (total <= 1) return 0;
  return Math.round((Math.min(W, Math.max(0, x)) / W) * (total - 1));
}

export class Timeline {
  constructor(svg, { onSeek }) {
    this.svg = svg;
    this.doc = svg.ownerDocument;
    this.onSeek = onSeek;
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('preserveAspectRatio', 'none');
    // While dragging, seek at most every 80 ms (each seek may be a request to the session), and
    // always where the drag ends.
    let last = -1;
    let lastAt = 0;
    const seek = (ev, force) => {
      const r = svg.getBoundingClientRect();
      if (r.width <= 0) return;
      const step = xToStep(((ev.clientX - r.left) / r.width) * W, this.total);
      const now = ev.timeStamp ?? 0;
      if (step === last || (!force && now - lastAt < 80)) return;
      last = step;
      lastAt = now;
      this.onSeek(step);
    };
    let dragging = false;
    svg.addEventListener('pointerdown', (ev) => {
      dragging = true;
      last = -1;
      svg.setPointerCapture?.(ev.pointerId);
      seek(ev, true);
    });
    svg.addEventListener('pointermove', (ev) => {
      if (dragging) seek(ev, false);
    });
    svg.addEventListener('pointerup', (ev) => {
      if (dragging) seek(ev, true);
      dragging = false;
    });
  }

  setRun(total, markers) {
    const doc = this.doc;
    this.total = total;
    this.svg.setAttribute('aria-valuemax', String(Math.max(0, total - 1)));
    this.svg.replaceChildren();
    this.svg.append(el(doc, 'rect', { x: 0, y: 14, width: W, height: 6, rx: 3, class: 'tl-track' }));
    this.progress = el(doc, 'rect', { x: 0, y: 14, width: 0, height: 6, rx: 3, class: 'tl-progress' });
    this.svg.append(this.progress);
    for (const m of markers) {
      const x = stepToX(m.step, total);
      const g = el(doc, 'g', { class: `tl-mark ${m.kind}`, transform: `translate(${x.toFixed(1)} 0)` });
      const title = el(doc, 'title', {}, `step ${m.step}: ${m.text}`);
      if (m.kind === 'drop') g.append(el(doc, 'path', { d: 'M0,2 L7,13 L-7,13 z' }));
      else if (m.kind === 'beat') g.append(el(doc, 'path', { d: 'M0,21 L5,27 L0,33 L-5,27 z' }));
      else g.append(el(doc, 'rect', { x: -2, y: 2, width: 4, height: 11 }));
      g.append(title);
      this.svg.append(g);
    }
    this.head = el(doc, 'rect', { x: -2, y: 8, width: 4, height: 18, class: 'tl-head' });
    this.svg.append(this.head);
  }

  show(step) {
    if (!this.head) return;
    const x = stepToX(step, this.total);
    this.progress.setAttribute('width', String(Math.max(0, x).toFixed(1)));
    this.head.setAttribute('x', String((x - 2).toFixed(1)));
  }
}
