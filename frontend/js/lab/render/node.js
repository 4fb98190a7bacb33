// @ts-check
// Paints the node (scene.js) into an <svg>: the static drawing once per topology and size, then
// the moving parts at each step, and the tokens at each animation frame. Elements are created
// once by key and then updated, so 200 packets in flight cost 200 attribute writes per frame.
// The drawing is laid out in the pixels the page gives it (viewBox = its size), at the page's
// type size, so that its text is never smaller than the theme allows.

import { layout, scene, tween, DEFAULT_BOX, CPU_COLOURS } from './scene.js';
import { formatDuration } from '../../shared/format.js';

const NS = 'http://www.w3.org/2000/svg';

export function el(doc, name, attrs = {}, text = null) {
  const e = doc.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  if (text !== null) e.textContent = text;
  return e;
}

/**
 * A text element whose occurrences of `shared` are drawn in the shared colour (a tspan).
 * @param {Document} doc
 * @param {any} attrs
 * @param {string} text
 * @param {string|null} shared
 */
export function textWithShared(doc, attrs, text, shared) {
  const t = el(doc, 'text', attrs);
  const parts = shared ? String(text).split(shared) : [String(text)];
  parts.forEach((part, i) => {
    if (i > 0) t.append(el(doc, 'tspan', { class: 'shared' }, shared));
    if (part) t.append(doc.createTextNode(part));
  });
  return t;
}

/**
 * The page's type: the root font size and the smallest size the theme allows (projector: 18 px).
 * @param {Document} doc
 */
export function pageType(doc) {
  const view = doc.defaultView;
  const root = doc.documentElement;
  const cs = view?.getComputedStyle ? view.getComputedStyle(root) : null;
  const em = cs ? parseFloat(cs.fontSize) || DEFAULT_BOX.em : DEFAULT_BOX.em;
  const projector = root.classList?.contains('projector');
  return { em, small: projector ? Math.max(18, em) : Math.max(12, Math.round(em * 0.875 * 100) / 100), projector };
}

/**
 * Text widths measured with the page's own fonts (a canvas), or approximated where there is none.
 * @param {Document} doc
 */
function measurer(doc) {
  const canvas = doc.createElement?.('canvas');
  const ctx = canvas && typeof canvas.getContext === 'function' ? canvas.getContext('2d') : null;
  if (!ctx) return undefined;
  const cs = doc.defaultView.getComputedStyle(doc.documentElement);
  const mono = cs.getPropertyValue('--mono') || 'monospace';
  const sans = cs.getPropertyValue('--sans') || 'sans-serif';
  /** @type {Map<string, number>} */
  const cache = new Map();
  return (/** @type {string} */ text, /** @type {number} */ size, /** @type {string} */ kind) => {
    const key = `${kind}|${size}|${text}`;
    let w = cache.get(key);
    if (w === undefined) {
      ctx.font = `${kind === 'bold' ? '700 ' : kind === 'mono' ? '700 ' : ''}${size}px ${kind === 'mono' ? mono : sans}`;
      w = ctx.measureText(String(text)).width * 1.04 + 1;
      cache.set(key, w);
    }
    return w;
  };
}

export class NodeView {
  /**
   * @param {SVGSVGElement} svg the <svg> element to draw into
   * @param {{onPick?: (packet: number) => void, compact?: boolean, lanesOnly?: boolean, overlay?: HTMLElement|null}} options
   *   onPick: called with a packet id when a token is clicked; overlay: an HTML layer for the tokens;
   *   lanesOnly: only the node box (Compare)
   */
  constructor(svg, { onPick = () => {}, lanesOnly = false, overlay = null } = {}) {
    this.svg = svg;
    // Moving tokens live in an HTML layer stacked on the drawing when the page gives one: each
    // token is its own compositor layer moved by a CSS transform, so a frame repaints nothing,
    // however many packets are in flight. Without one (tests, Compare) they are SVG groups.
    this.overlay = overlay;
    this.html = !!overlay;
    this.doc = svg.ownerDocument;
    this.onPick = onPick;
    this.lanesOnly = lanesOnly;
    /** @type {{server: boolean, dns: boolean}|undefined} */
    this.remote = undefined;
    this.randomFully = false;
    this.tokens = new Map();
    this.from = [];
    this.to = [];
    this.size = { width: 0, height: 0, em: 0, small: 0 };
    this.measure = measurer(this.doc);
    for (const target of overlay ? [svg, overlay] : [svg]) {
      /** @param {Event} ev */
      const packetOf = (ev) => /** @type {Element|null} */ (/** @type {any} */ (ev.target).closest?.('[data-packet]'));
      target.addEventListener('click', (ev) => {
        const g = packetOf(ev);
        if (g) this.onPick(Number(g.getAttribute('data-packet')));
      });
      target.addEventListener('keydown', (/** @type {KeyboardEvent} */ ev) => {
        const g = packetOf(ev);
        if (g && (ev.key === 'Enter' || ev.key === ' ')) {
          ev.preventDefault();
          ev.stopPropagation();
          this.onPick(Number(g.getAttribute('data-packet')));
        }
      });
    }
  }

  /**
   * What the drawing shows besides the node: which hosts the run talks to, and whether the rover
   * is read at all.
   * @param {{remote?: {server: boolean, dns: boolean}, randomFully?: boolean}} options
   */
  setOptions({ remote, randomFully = false }) {
    this.remote = remote;
    this.randomFully = randomFully;
  }

  /** The room the page gives the drawing now, and its type. */
  currentBox() {
    const r = this.svg.getBoundingClientRect?.() ?? { width: 0, height: 0 };
    const t = pageType(this.doc);
    return {
      width: r.width > 0 ? Math.floor(r.width) : DEFAULT_BOX.width,
      height: r.height > 0 ? Math.floor(r.height) : DEFAULT_BOX.height,
      em: t.em,
      small: t.small,
    };
  }

  /** Draws the static node for a topology. */
  setTopology(topology) {
    this.topology = topology;
    this.size = this.currentBox();
    // A phone's width holds the lanes (the story), not the whole node.
    const lanesOnly = this.lanesOnly || this.size.width < 620;
    this.L = layout(topology, { ...this.size, lanesOnly, remote: this.remote, randomFully: this.randomFully, measure: this.measure });
    const L = this.L;
    const doc = this.doc;
    const fs = L.fs;
    const fsName = L.fsName;
    this.svg.replaceChildren();
    this.svg.setAttribute('viewBox', `0 0 ${L.width} ${L.height}`);
    this.svg.setAttribute('preserveAspectRatio', 'xMinYMin meet');
    this.svg.setAttribute('role', 'img');
    this.svg.setAttribute(
      'aria-label',
      `The node: ${topology.pods.length} pods, cni0, the netfilter hooks on ${topology.cpus} CPUs, eth0, the server and kube-dns`,
    );
    if (this.overlay) {
      this.overlay.style.setProperty('--tok-h', `${L.tokH}px`);
      this.overlay.style.setProperty('--tok-font', `${L.tokFont}px`);
      this.overlay.style.setProperty('--tok-sub', `${L.fs}px`);
    }
    const defs = el(doc, 'defs');
    const pattern = el(doc, 'pattern', { id: 'hatch', width: 10, height: 10, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
    pattern.append(el(doc, 'rect', { width: 10, height: 10, class: 'hatch-bg' }), el(doc, 'line', { x1: 0, y1: 0, x2: 0, y2: 10, class: 'hatch-line' }));
    const arrow = el(doc, 'marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' });
    arrow.append(el(doc, 'path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }));
    defs.append(pattern, arrow);
    this.svg.append(defs);

    const base = el(doc, 'g', { class: 'static' });
    const size = (/** @type {number} */ px) => ({ 'font-size': px.toFixed(1) });
    if (!L.lanesOnly) {
      // Pods and their veths into cni0.
      for (const p of L.pods) {
        base.append(el(doc, 'line', { x1: p.x + p.w, y1: p.cy, x2: L.cni0.x, y2: p.cy, class: 'wire' }));
        base.append(
          el(doc, 'text', { x: (p.x + p.w + L.cni0.x) / 2, y: p.cy + fs * 1.15, class: 'iface-label', 'text-anchor': 'middle', ...size(fs) }, p.veth),
        );
        base.append(el(doc, 'rect', { x: p.x, y: p.cy - p.h / 2, width: p.w, height: p.h, rx: 8, class: 'pod' }));
        base.append(el(doc, 'text', { x: p.x + 8, y: p.cy - p.h / 2 + fsName * 1.1, class: 'pod-name', ...size(fsName) }, p.name));
        base.append(el(doc, 'text', { x: p.x + 8, y: p.cy - p.h / 2 + fsName * 1.2 + fs * 1.15, class: 'pod-ip', ...size(fs) }, p.ip));
      }
      if (L.hiddenPods) {
        base.append(
          el(doc, 'text', { x: L.pods[0].x + 4, y: L.hiddenPods.cy + fs * 0.35, class: 'pod-more', ...size(fs) }, `+ ${L.hiddenPods.count} more pods`),
        );
      }
      // cni0 and eth0 as bars, their names under them.
      for (const bar of [L.cni0, L.eth0]) {
        base.append(el(doc, 'rect', { x: bar.x, y: bar.y, width: bar.w, height: bar.h, rx: 4, class: 'bar' }));
        const anchor = bar === L.cni0 ? 'end' : 'start';
        const ax = bar === L.cni0 ? bar.x + bar.w : bar.x;
        base.append(el(doc, 'text', { x: ax, y: bar.y + bar.h + fs * 1.1, class: 'bar-label', 'text-anchor': anchor, ...size(fs) }, bar.name));
        base.append(el(doc, 'text', { x: ax, y: bar.y + bar.h + fs * 2.3, class: 'bar-ip', 'text-anchor': anchor, ...size(fs) }, bar.ip));
      }
    }
    // The node's netfilter box, hooks and stages.
    const n = L.node;
    base.append(el(doc, 'rect', { x: n.x, y: n.y, width: n.w, height: n.h, rx: 10, class: 'node' }));
    if (!L.lanesOnly) {
      base.append(el(doc, 'line', { x1: L.cni0.x + L.cni0.w, y1: L.lanes[0].cy, x2: n.x, y2: L.lanes[0].cy, class: 'wire', 'marker-end': 'url(#arrow)' }));
      base.append(el(doc, 'line', { x1: n.x + n.w, y1: L.lanes[0].cy, x2: L.eth0.x, y2: L.lanes[0].cy, class: 'wire', 'marker-end': 'url(#arrow)' }));
    }
    const hooks = [
      ['PREROUTING', 0, 1],
      ['FORWARD', 2, 2],
      ['POSTROUTING', 3, 5],
    ];
    for (const [k, [name, a, b]] of hooks.entries()) {
      if (!L.hooksShown[k]) continue;
      const x1 = L.stages[a].x;
      const x2 = L.stages[b].x + L.stages[b].w;
      base.append(el(doc, 'line', { x1: x1 + 4, y1: L.hookY + 5, x2: x2 - 4, y2: L.hookY + 5, class: 'hook-rule' }));
      base.append(el(doc, 'text', { x: (x1 + x2) / 2, y: L.hookY, class: 'hook-label', 'text-anchor': 'middle', ...size(fs) }, name));
    }
    this.stageBoxes = [];
    for (const s of L.stages) {
      const box = el(doc, 'rect', { x: s.x + 3, y: L.stageY, width: s.w - 6, height: L.stageH, rx: 6, class: `stage stage-${s.key}` });
      this.stageBoxes.push(box);
      base.append(box);
      const sn = L.stageName;
      base.append(el(doc, 'text', { x: s.cx, y: L.stageY + sn * 1.1, class: 'stage-name', 'text-anchor': 'middle', ...size(sn) }, L.stageLabels[s.k]));
      if (L.showFuncs) {
        base.append(el(doc, 'text', { x: s.cx, y: L.stageY + sn * 1.1 + fs * 1.25, class: 'stage-func', 'text-anchor': 'middle', ...size(fs) }, s.func));
        if (s.sub)
          base.append(el(doc, 'text', { x: s.cx, y: L.stageY + sn * 1.1 + fs * 2.45, class: 'stage-func', 'text-anchor': 'middle', ...size(fs) }, s.sub));
      }
      base.append(el(doc, 'line', { x1: s.x, y1: L.lanes[0].y, x2: s.x, y2: L.laneBottom, class: 'stage-sep' }));
    }
    for (const lane of L.lanes) {
      base.append(el(doc, 'rect', { x: n.x + 5, y: lane.y + 2, width: n.w - 10, height: lane.h - 4, rx: 6, class: 'lane', 'data-cpu': lane.cpu }));
      const small = lane.h < fs * 1.6;
      base.append(
        el(
          doc,
          'text',
          {
            x: n.x + 12,
            y: small ? lane.cy + fs * 0.35 : lane.y + fs * 1.15,
            class: `lane-label cpu-c${lane.cpu % CPU_COLOURS}`,
            ...size(small ? Math.max(10, lane.h * 0.7) : fs),
          },
          `CPU ${lane.cpu}`,
        ),
      );
    }
    if (!L.lanesOnly) {
      // Server and kube-dns: only the hosts this run talks to.
      const s = L.server;
      if (s && !s.hidden) {
        base.append(el(doc, 'line', { x1: L.eth0.x + L.eth0.w, y1: s.cy, x2: s.x, y2: s.cy, class: 'wire' }));
        base.append(el(doc, 'rect', { x: s.x, y: s.y, width: s.w, height: s.h, rx: 8, class: 'host' }));
        base.append(el(doc, 'text', { x: s.x + s.w - 9, y: s.y + fsName * 1.15, class: 'host-name', 'text-anchor': 'end', ...size(fsName) }, s.name));
        base.append(
          el(doc, 'text', { x: s.x + s.w - 9, y: s.y + fsName * 1.2 + fs * 1.2, class: 'host-ip', 'text-anchor': 'end', ...size(fs) }, `${s.ip}:${s.port}`),
        );
      }
      const d = L.dns;
      if (d && d.shown) {
        base.append(el(doc, 'rect', { x: d.x, y: d.y, width: d.w, height: d.h, rx: 8, class: 'host dns' }));
        base.append(el(doc, 'text', { x: d.x + d.w - 9, y: d.y + fsName * 1.15, class: 'host-name', 'text-anchor': 'end', ...size(fsName) }, 'kube-dns'));
        base.append(
          el(
            doc,
            'text',
            { x: d.x + d.w - 9, y: d.y + fsName * 1.2 + fs * 1.2, class: 'host-ip', 'text-anchor': 'end', ...size(fs) },
            `${d.clusterIp}:${d.port}`,
          ),
        );
        for (const ep of d.endpoints) {
          base.append(el(doc, 'line', { x1: L.eth0.x + L.eth0.w, y1: ep.cy, x2: d.x, y2: ep.cy, class: 'wire' }));
          base.append(el(doc, 'text', { x: d.x + d.w - 9, y: ep.cy + fs * 0.35, class: 'endpoint', 'text-anchor': 'end', ...size(fs) }, `${ep.name} ${ep.ip}`));
        }
        if (d.more > 0)
          base.append(el(doc, 'text', { x: d.x + d.w - 9, y: d.y + d.h - fs * 0.4, class: 'endpoint', 'text-anchor': 'end', ...size(fs) }, `+ ${d.more} more`));
      }
      drawMitigation(doc, base, L, topology);
    }
    this.svg.append(base);

    this.windowLayer = el(doc, 'g', { class: 'windows' });
    this.walkLayer = el(doc, 'g', { class: 'walks' });
    this.dropLayer = el(doc, 'g', { class: 'drops' });
    this.roverLayer = el(doc, 'g', { class: 'rover' });
    this.podLayer = el(doc, 'g', { class: 'pod-status' });
    this.funcLayer = el(doc, 'g', { class: 'func-now-layer' });
    this.tokenLayer = el(doc, 'g', { class: 'tokens' });
    this.svg.append(this.windowLayer, this.walkLayer, this.dropLayer, this.roverLayer, this.podLayer, this.funcLayer);
    if (this.html) {
      this.tokenLayer = this.overlay;
      this.overlay.replaceChildren();
    } else {
      this.svg.append(this.tokenLayer);
    }
    this.tokens.clear();
    this.from = [];
    this.to = [];
    this.current = null;
    this.pods = [];
  }

  /** Lays the drawing out again when the page gives it another size or type; true when it did. */
  refit() {
    if (!this.topology) return false;
    const b = this.currentBox();
    if (b.width === this.size.width && b.height === this.size.height && b.em === this.size.em && b.small === this.size.small) return false;
    this.setTopology(this.topology);
    return true;
  }

  /**
   * Shows a step. Tokens move from where the previous step left them; `animate(p)` then moves
   * them along (p from 0 to 1).
   */
  update(state, notes, { jump = false, maxStack = 3 } = {}) {
    const sc = scene(this.L, state, notes, { maxStack });
    this.from = jump ? sc.tokens : (this.current ?? sc.tokens);
    this.to = sc.tokens;
    this.shared = sc.shared;
    this.paintWindows(sc.windows, sc.shared);
    this.paintWalks(sc.walk);
    this.paintDrops(sc.drops);
    this.paintRover(sc.rover);
    this.paintActive(sc.active);
    this.pods = sc.pods;
    this.paintPods(state.t);
    this.animate(jump ? 1 : 0);
    return sc;
  }

  /** Moves the tokens to fraction p (0..1) of the way from the last step to this one. */
  animate(p) {
    const frame = tween(this.from, this.to, easeInOut(Math.min(1, Math.max(0, p))));
    this.current = frame;
    const seen = new Set();
    for (const t of frame) {
      seen.add(t.id);
      let g = this.tokens.get(t.id);
      if (!g) {
        g = this.makeToken(t);
        this.tokens.set(t.id, g);
        this.tokenLayer.append(g);
      }
      const dress = `${t.label}|${t.sub}|${t.kind}|${t.current}|${t.fresh}|${this.shared}`;
      if (g.dataset_label !== dress) this.dressToken(g, t, dress);
      const key = `${Math.round(t.x * 10)},${Math.round(t.y * 10)}`;
      if (g.pos !== key) {
        if (this.html) {
          g.style.transform = `translate(${t.x.toFixed(1)}px, ${t.y.toFixed(1)}px) translate(-50%, ${(-this.L.tokH / 2).toFixed(1)}px)`;
        } else {
          g.setAttribute('transform', `translate(${t.x.toFixed(1)} ${t.y.toFixed(1)})`);
        }
        g.pos = key;
      }
    }
    for (const [id, g] of this.tokens) {
      if (!seen.has(id)) {
        g.remove();
        this.tokens.delete(id);
      }
    }
  }

  makeToken(t) {
    const doc = this.doc;
    if (this.html) {
      const b = doc.createElement('button');
      b.type = 'button';
      b.setAttribute('data-packet', String(t.id));
      const label = doc.createElement('span');
      label.className = 'token-label';
      const sub = doc.createElement('span');
      sub.className = 'token-sub';
      b.append(label, sub);
      return b;
    }
    const g = el(doc, 'g', { class: 'token', 'data-packet': t.id, tabindex: 0, role: 'button' });
    g.append(
      el(doc, 'rect', { class: 'token-box', rx: 6 }),
      el(doc, 'text', { class: 'token-label', 'text-anchor': 'middle' }),
      el(doc, 'rect', { class: 'token-sub-box', rx: 4 }),
      el(doc, 'text', { class: 'token-sub', 'text-anchor': 'middle' }),
    );
    return g;
  }

  dressToken(g, t, dress) {
    const shared = this.shared;
    if (this.html) {
      const [label, sub] = g.children;
      g.className = `token ${t.kind}${t.current ? ' current' : ''}${t.sub ? ' has-sub' : ''}${t.fresh ? ' fresh' : ''}`;
      g.setAttribute(
        'aria-label',
        t.kind === 'more' ? `${t.label.slice(1)} more packets here` : `packet ${t.label}${t.sub ? `, rewritten ${t.sub}` : ''}: inspect`,
      );
      if (label.textContent !== t.label) label.textContent = t.label;
      markShared(sub, t.sub ?? '', shared);
      g.dataset_label = dress;
      return;
    }
    const L = this.L;
    const [box, label, subBox, sub] = g.children;
    g.setAttribute('class', `token ${t.kind}${t.current ? ' current' : ''}`);
    g.setAttribute('aria-label', `packet ${t.label}${t.sub ? `, rewritten ${t.sub}` : ''}: inspect`);
    box.setAttribute('x', String(-t.w / 2));
    box.setAttribute('y', String(-L.tokH / 2));
    box.setAttribute('width', String(t.w));
    box.setAttribute('height', String(L.tokH));
    label.setAttribute('y', String(L.tokFont * 0.36));
    label.setAttribute('font-size', String(L.tokFont));
    label.textContent = t.label;
    if (t.sub) {
      const w = (this.L.measure ?? ((s, f) => s.length * f * 0.62))(t.sub, L.fs, 'mono') + 10;
      subBox.setAttribute('x', String(-w / 2));
      subBox.setAttribute('y', String(L.tokH / 2 + 2));
      subBox.setAttribute('width', String(w));
      subBox.setAttribute('height', String(L.subH));
      subBox.setAttribute('class', `token-sub-box${t.fresh ? ' fresh' : ''}`);
      sub.setAttribute('y', String(L.tokH / 2 + 2 + L.subH * 0.75));
      sub.setAttribute('font-size', String(L.fs));
      sub.replaceChildren();
      const parts = shared ? t.sub.split(shared) : [t.sub];
      parts.forEach((part, i) => {
        if (i > 0) sub.append(el(this.doc, 'tspan', { class: 'shared' }, shared));
        if (part) sub.append(this.doc.createTextNode(part));
      });
      subBox.removeAttribute('display');
      sub.removeAttribute('display');
    } else {
      subBox.setAttribute('display', 'none');
      sub.setAttribute('display', 'none');
      sub.textContent = '';
    }
    g.dataset_label = dress;
  }

  paintWindows(windows, shared) {
    const doc = this.doc;
    const fs = this.L.fs;
    this.windowLayer.replaceChildren();
    for (const w of windows) {
      const outcome = /drop/.test(w.outcome) ? 'lost' : 'won';
      const cls = w.open ? 'window open' : `window closed ${outcome}`;
      this.windowLayer.append(el(doc, 'rect', { x: w.x, y: w.y, width: w.w, height: w.h, rx: 6, class: cls, 'data-cpu': w.cpu }));
      this.windowLayer.append(
        textWithShared(doc, { x: w.x + 7, y: w.y + fs * 1.05, class: `window-label${w.open ? '' : ` ${outcome}`}`, 'font-size': fs }, w.text, shared),
      );
    }
  }

  /**
   * The port search: each strip's cells (taken, free, not tested yet), a ring where walkers
   * meet, and the walkers, coloured like their CPU's lane label. The strip's <title> says
   * it in words, as the rover line does.
   * @param {ReturnType<typeof scene>['walk']} walk
   */
  paintWalks(walk) {
    const doc = this.doc;
    const items = [];
    const met = new Set(walk.meets.map((m) => m.port));
    for (const s of walk.strips) {
      const g = el(doc, 'g', { class: `port-strip${s.shared ? ' shared-strip' : ''}`, 'data-cpus': s.cpus.join(' ') });
      if (walk.text) g.append(el(doc, 'title', {}, walk.text));
      for (const c of s.cells) {
        const title =
          c.state === 'taken'
            ? `port ${c.port}: taken${c.holder !== null ? ` (conntrack #${c.holder} holds it)` : ''}`
            : c.state === 'free'
              ? `port ${c.port}: free`
              : `port ${c.port}: not tested yet`;
        const cell = el(doc, 'g', { class: `port-cell ${c.state}${c.base ? ' base' : ''}`, 'data-port': c.port, 'data-state': c.state });
        cell.append(
          el(doc, 'title', {}, title),
          el(doc, 'rect', { x: c.x + 1.5, y: s.y, width: s.cellW - 3, height: s.h, rx: 4, class: 'port-cell-box' }),
          el(
            doc,
            'text',
            {
              x: c.x + s.cellW / 2,
              y: s.y + s.h / 2 + s.fs * 0.36,
              class: `port-cell-text${met.has(c.port) ? ' met' : ''}`,
              'text-anchor': 'middle',
              'font-size': s.fs,
            },
            String(c.port),
          ),
        );
        if (c.state === 'taken') {
          cell.append(el(doc, 'line', { x1: c.x + 6, y1: s.y + s.h / 2, x2: c.x + s.cellW - 6, y2: s.y + s.h / 2, class: 'port-cell-strike' }));
        }
        g.append(cell);
      }
      items.push(g);
    }
    for (const m of walk.meets) {
      const ring = el(doc, 'g', { class: 'walk-meet', 'data-port': m.port, 'data-cpus': m.cpus.join(' ') });
      ring.append(
        el(doc, 'title', {}, `CPUs ${m.cpus.join(' and ')} both on port ${m.port}`),
        el(doc, 'rect', { x: m.x - 3, y: m.y - 5, width: m.w + 6, height: m.h + 10, rx: 9, class: 'walk-meet-ring' }),
      );
      items.push(ring);
    }
    for (const w of walk.walkers) {
      const g = el(doc, 'g', {
        class: `walker cpu-c${w.cpu % CPU_COLOURS} ${w.side} ${w.state}`,
        'data-cpu': w.cpu,
        'data-port': w.port,
        'data-x': w.x.toFixed(1),
      });
      const tip = w.side === 'above' ? w.y + w.h : w.y;
      const k = Math.max(4, w.fs * 0.3);
      const d =
        w.side === 'above'
          ? `M${w.x - k},${tip - 1} L${w.x + k},${tip - 1} L${w.x},${tip + 3} z`
          : `M${w.x - k},${tip + 1} L${w.x + k},${tip + 1} L${w.x},${tip - 3} z`;
      g.append(
        el(doc, 'title', {}, `CPU ${w.cpu} ${w.state === 'chosen' ? 'chose' : w.state === 'start' ? 'starts at' : 'tests'} port ${w.port}`),
        el(doc, 'rect', { x: w.x - w.w / 2, y: w.y, width: w.w, height: w.h, rx: 5, class: 'walker-box' }),
        el(doc, 'path', { d, class: 'walker-tip' }),
        el(doc, 'text', { x: w.x, y: w.y + w.h / 2 + w.fs * 0.36, class: 'walker-label', 'text-anchor': 'middle', 'font-size': w.fs }, w.label),
      );
      items.push(g);
    }
    this.walkLayer.replaceChildren(...items);
  }

  paintDrops(drops) {
    const doc = this.doc;
    const fs = this.L.fs;
    this.dropLayer.replaceChildren();
    for (const d of drops) {
      const g = el(doc, 'g', {
        class: `drop-mark${d.fresh ? ' fresh' : ''}${d.old ? ' old' : ''}`,
        transform: `translate(${d.x} ${d.y})`,
        'data-packet': d.packet,
      });
      const k = d.r * 0.45;
      g.append(
        el(doc, 'circle', { r: d.r, class: 'drop-circle' }),
        el(doc, 'path', { d: `M${-k},${-k} L${k},${k} M${k},${-k} L${-k},${k}`, class: 'drop-x' }),
        el(doc, 'text', { x: -d.r - 6, y: fs * 0.35, class: 'drop-label', 'text-anchor': 'end', 'font-size': fs }, d.text),
      );
      this.dropLayer.append(g);
    }
  }

  paintRover(rover) {
    const doc = this.doc;
    this.roverLayer.replaceChildren();
    if (!rover) return;
    const L = this.L;
    const m = L.measure;
    const x0 = L.node.x + 12;
    const textW = m(rover.text, L.fs, 'mono');
    const room = L.node.w - 24 - textW - L.fs;
    this.roverLayer.append(el(doc, 'text', { x: x0, y: L.roverY, class: `rover-text${rover.moved ? ' moved' : ''}`, 'font-size': L.fs }, rover.text));
    // The detail only when it fits beside the value at the theme's size (the longest variant that does).
    const detail = (rover.details ?? [rover.detail]).find((/** @type {string} */ d) => m(d, L.fs, 'sans') <= room);
    if (detail) {
      this.roverLayer.append(
        el(doc, 'text', { x: x0 + textW + L.fs, y: L.roverY, class: `rover-detail${rover.walking ? ' walking' : ''}`, 'font-size': L.fs }, detail),
      );
    }
  }

  /** The stage at work lights up; where the functions do not fit under the stages, its function is named above the lanes. */
  paintActive(active) {
    const L = this.L;
    this.stageBoxes?.forEach((b, i) => b.classList.toggle('active', !!active && active.stage === i));
    this.funcLayer.replaceChildren();
    if (!active || L.showFuncs || !L.funcNowY) return;
    const s = L.stages[active.stage];
    const text = active.func ?? s.func;
    const w = L.measure(text, L.fs, 'mono');
    const x = Math.max(L.node.x + 8 + w / 2, Math.min(L.node.x + L.node.w - 8 - w / 2, s.cx));
    this.funcLayer.append(el(this.doc, 'text', { x, y: L.funcNowY, class: 'func-now', 'text-anchor': 'middle', 'font-size': L.fs }, text));
  }

  /**
   * Under each pod: its client timer counting down in sim time, or how its last flow ended.
   * @param {number} nowNs
   */
  paintPods(nowNs) {
    if (!this.podLayer) return;
    const doc = this.doc;
    const fs = this.L.fs;
    const items = [];
    for (const p of this.pods ?? []) {
      if (p.timer) {
        const left = Math.max(0, p.timer.expiresAt - nowNs);
        // A small clock, then the time left on the pod's timer.
        const r = fs * 0.42;
        const cx = p.x - fs * 2.4;
        const cy = p.y - fs * 0.36;
        const icon = el(doc, 'g', { class: 'pod-timer-icon', 'aria-hidden': 'true' });
        icon.append(el(doc, 'circle', { cx, cy, r }), el(doc, 'path', { d: `M${cx},${cy - r * 0.65} L${cx},${cy} L${cx + r * 0.55},${cy}` }));
        items.push(icon);
        items.push(
          el(
            doc,
            'text',
            { x: cx + r + fs * 0.3, y: p.y, class: 'pod-timer', 'font-size': fs, 'data-pod': p.name, 'data-timer': p.timer.timer },
            `${(left / 1e9).toFixed(3)} s`,
          ),
        );
      } else if (p.done) {
        const slow = p.done.retransmits > 0 || p.done.outcome !== 'ok';
        items.push(
          el(
            doc,
            'text',
            { x: p.x, y: p.y, class: `pod-done${slow ? ' slow' : ''}`, 'text-anchor': 'middle', 'font-size': fs, 'data-pod': p.name },
            `${slow ? '⚠' : '✓'} ${p.done.latencyNs >= 1e9 ? `${(p.done.latencyNs / 1e9).toFixed(3)} s` : formatDuration(p.done.latencyNs)}`,
          ),
        );
      }
    }
    this.podLayer.replaceChildren(...items);
  }
}

/**
 * Writes `text` into an HTML element with each occurrence of `shared` in a <mark class="shared">.
 * @param {Element} target
 * @param {string} text
 * @param {string|null} shared
 */
export function markShared(target, text, shared) {
  const doc = target.ownerDocument;
  const parts = shared ? String(text).split(shared) : [String(text)];
  if (parts.length === 1) {
    if (target.textContent !== text || target.children.length) target.textContent = text;
    return;
  }
  target.replaceChildren();
  parts.forEach((part, i) => {
    if (i > 0) {
      const m = doc.createElement('mark');
      m.className = 'shared';
      m.textContent = shared;
      target.append(m);
    }
    if (part) target.append(doc.createTextNode(part));
  });
}

function easeInOut(p) {
  return p < 0.5 ? 2 * p * p : 1 - (-2 * p + 2) ** 2 / 2;
}

/**
 * The mitigation in force, drawn where it acts: NodeLocal DNSCache as a process on the node (its
 * address, and that its traffic is not tracked), the tc delay on the pods' side of cni0, and the
 * others as a line at the foot of the node.
 */
function drawMitigation(doc, base, L, topology) {
  const m = topology.mitigation;
  if (!m) return;
  const n = L.node;
  const c = L.cache;
  const fs = L.fs;
  if (c) {
    base.append(el(doc, 'rect', { x: c.x, y: c.y, width: c.w, height: c.h, rx: 6, class: 'host cache' }));
    base.append(
      el(
        doc,
        'text',
        { x: c.x + 10, y: c.y + c.h * 0.72, class: 'cache-text', 'font-size': fs },
        `${topology.cache.name} ${topology.cache.ip} · NOTRACK · TCP upstream`,
      ),
    );
    return;
  }
  if (m.id === 'tc-delay') {
    base.append(
      el(
        doc,
        'text',
        { x: L.cni0.x - 6, y: L.node.y + fs, class: 'mitigation-text', 'text-anchor': 'end', 'font-size': fs },
        `tc: 2nd DNS packet +${m.detail.match(/(\d+) µs/)?.[1] ?? '10'} µs`,
      ),
    );
    return;
  }
  base.append(el(doc, 'text', { x: n.x + n.w - 12, y: L.roverY, class: 'mitigation-text', 'text-anchor': 'end', 'font-size': fs }, `${m.title}: ${m.detail}`));
}
