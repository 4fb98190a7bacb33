// @ts-check
// Paints the node (scene.js) into an <svg>: the static drawing once per topology, then the
// moving parts at each step, and the tokens at each animation frame. Elements are created once
// by key and then updated, so 200 packets in flight cost 200 attribute writes per frame.

import { layout, scene, tween } from './scene.js';

const NS = 'http://www.w3.org/2000/svg';

export function el(doc, name, attrs = {}, text = null) {
  const e = doc.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) e.setAttribute(k, String(v));
  if (text !== null) e.textContent = text;
  return e;
}

export class NodeView {
  /**
   * @param {SVGSVGElement} svg the <svg> element to draw into
   * @param {{onPick?: (packet: number) => void, compact?: boolean, overlay?: HTMLElement|null}} options
   *   onPick: called with a packet id when a token is clicked; overlay: an HTML layer for the tokens
   */
  constructor(svg, { onPick = () => {}, compact = false, overlay = null } = {}) {
    this.svg = svg;
    // Moving tokens live in an HTML layer stacked on the drawing when the page gives one: each
    // token is its own compositor layer moved by a CSS transform, so a frame repaints nothing,
    // however many packets are in flight. Without one (tests, Compare) they are SVG groups.
    this.overlay = overlay;
    this.html = !!overlay;
    this.doc = svg.ownerDocument;
    this.onPick = onPick;
    this.compact = compact;
    this.tokens = new Map();
    this.from = [];
    this.to = [];
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

  /** Draws the static node for a topology. */
  setTopology(topology) {
    this.topology = topology;
    const r = this.svg.getBoundingClientRect?.() ?? { width: 0, height: 0 };
    // A compact drawing (Compare) takes its height from its own viewBox instead.
    this.ratio = !this.compact && r.width > 0 && r.height > 0 ? r.height / r.width : 0;
    this.L = layout(topology, { compact: this.compact, ratio: this.ratio });
    const L = this.L;
    const doc = this.doc;
    this.svg.replaceChildren();
    this.svg.setAttribute('viewBox', `0 0 ${L.width} ${L.height}`);
    this.svg.setAttribute('preserveAspectRatio', 'xMidYMin meet');
    this.svg.setAttribute('role', 'img');
    this.svg.setAttribute(
      'aria-label',
      `The node: ${topology.pods.length} pods, cni0, the netfilter hooks on ${topology.cpus} CPUs, eth0, the server and kube-dns`,
    );
    const defs = el(doc, 'defs');
    const pattern = el(doc, 'pattern', { id: 'hatch', width: 10, height: 10, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' });
    pattern.append(el(doc, 'rect', { width: 10, height: 10, class: 'hatch-bg' }), el(doc, 'line', { x1: 0, y1: 0, x2: 0, y2: 10, class: 'hatch-line' }));
    const arrow = el(doc, 'marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto' });
    arrow.append(el(doc, 'path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrowhead' }));
    defs.append(pattern, arrow);
    this.svg.append(defs);

    const base = el(doc, 'g', { class: 'static' });
    // Pods and their veths into cni0.
    for (const p of L.pods) {
      base.append(el(doc, 'line', { x1: p.x + p.w, y1: p.cy, x2: L.cni0.x, y2: p.cy, class: 'wire' }));
      base.append(el(doc, 'text', { x: p.x + p.w + 40, y: p.cy - 9, class: 'iface-label', 'text-anchor': 'middle' }, p.veth));
      base.append(el(doc, 'rect', { x: p.x, y: p.cy - p.h / 2, width: p.w, height: p.h, rx: 8, class: 'pod' }));
      base.append(el(doc, 'text', { x: p.x + 10, y: p.cy - 4, class: 'pod-name' }, p.name));
      base.append(el(doc, 'text', { x: p.x + 10, y: p.cy + 16, class: 'pod-ip' }, p.ip));
    }
    if (L.hiddenPods) {
      base.append(el(doc, 'text', { x: 14, y: L.hiddenPods.cy + 6, class: 'pod-more' }, `+ ${L.hiddenPods.count} more pods`));
    }
    // cni0 and eth0 as bars.
    for (const bar of [L.cni0, L.eth0]) {
      base.append(el(doc, 'rect', { x: bar.x, y: bar.y, width: bar.w, height: bar.h, rx: 4, class: 'bar' }));
      const anchor = bar === L.cni0 ? 'end' : 'start';
      const ax = bar === L.cni0 ? bar.x + bar.w : bar.x;
      base.append(el(doc, 'text', { x: ax, y: bar.y + bar.h + 18, class: 'bar-label', 'text-anchor': anchor }, bar.name));
      base.append(el(doc, 'text', { x: ax, y: bar.y + bar.h + 36, class: 'bar-ip', 'text-anchor': anchor }, bar.ip));
    }
    // The node's netfilter box, hooks and stages.
    const n = L.node;
    base.append(el(doc, 'rect', { x: n.x, y: n.y, width: n.w, height: n.h, rx: 10, class: 'node' }));
    base.append(el(doc, 'line', { x1: L.cni0.x + L.cni0.w, y1: L.lanes[0].cy, x2: n.x, y2: L.lanes[0].cy, class: 'wire', 'marker-end': 'url(#arrow)' }));
    base.append(el(doc, 'line', { x1: n.x + n.w, y1: L.lanes[0].cy, x2: L.eth0.x, y2: L.lanes[0].cy, class: 'wire', 'marker-end': 'url(#arrow)' }));
    const hooks = [
      ['PREROUTING', 0, 1],
      ['FORWARD', 2, 2],
      ['POSTROUTING', 3, 5],
    ];
    for (const [name, a, b] of hooks) {
      const x1 = L.stages[a].x;
      const x2 = L.stages[b].x + L.stages[b].w;
      base.append(el(doc, 'line', { x1: x1 + 4, y1: L.hookY + 6, x2: x2 - 4, y2: L.hookY + 6, class: 'hook-rule' }));
      base.append(el(doc, 'text', { x: (x1 + x2) / 2, y: L.hookY, class: 'hook-label', 'text-anchor': 'middle' }, name));
    }
    for (const s of L.stages) {
      base.append(el(doc, 'rect', { x: s.x + 3, y: L.stageY, width: s.w - 6, height: L.stageH, rx: 6, class: `stage stage-${s.key}` }));
      base.append(el(doc, 'text', { x: s.cx, y: L.stageY + 24, class: 'stage-name', 'text-anchor': 'middle' }, s.name));
      base.append(el(doc, 'text', { x: s.cx, y: L.stageY + 46, class: 'stage-func', 'text-anchor': 'middle' }, s.func));
      if (s.sub) base.append(el(doc, 'text', { x: s.cx, y: L.stageY + 66, class: 'stage-func', 'text-anchor': 'middle' }, s.sub));
      base.append(el(doc, 'line', { x1: s.x, y1: L.lanes[0].y, x2: s.x, y2: L.laneBottom, class: 'stage-sep' }));
    }
    for (const lane of L.lanes) {
      base.append(el(doc, 'rect', { x: n.x + 6, y: lane.y + 2, width: n.w - 12, height: lane.h - 4, rx: 6, class: 'lane', 'data-cpu': lane.cpu }));
      base.append(el(doc, 'text', { x: n.x + 14, y: lane.cy + 6, class: lane.h < 30 ? 'lane-label small' : 'lane-label' }, `CPU ${lane.cpu}`));
    }
    // Server and kube-dns.
    const s = L.server;
    base.append(el(doc, 'line', { x1: L.eth0.x + L.eth0.w, y1: s.cy, x2: s.x, y2: s.cy, class: 'wire' }));
    base.append(el(doc, 'rect', { x: s.x, y: s.y, width: s.w, height: s.h, rx: 8, class: 'host' }));
    base.append(el(doc, 'text', { x: s.x + s.w - 10, y: s.y + 26, class: 'host-name', 'text-anchor': 'end' }, s.name));
    base.append(el(doc, 'text', { x: s.x + s.w - 10, y: s.y + 48, class: 'host-ip', 'text-anchor': 'end' }, `${s.ip}:${s.port}`));
    const d = L.dns;
    base.append(el(doc, 'rect', { x: d.x, y: d.y, width: d.w, height: d.h, rx: 8, class: 'host dns' }));
    base.append(el(doc, 'text', { x: d.x + d.w - 10, y: d.y + 22, class: 'host-name', 'text-anchor': 'end' }, 'kube-dns'));
    base.append(el(doc, 'text', { x: d.x + d.w - 10, y: d.y + 42, class: 'host-ip', 'text-anchor': 'end' }, `${d.clusterIp}:${d.port}`));
    for (const ep of d.endpoints) {
      base.append(el(doc, 'line', { x1: L.eth0.x + L.eth0.w, y1: ep.cy, x2: d.x, y2: ep.cy, class: 'wire' }));
      base.append(el(doc, 'text', { x: d.x + d.w - 10, y: ep.cy + 6, class: 'endpoint', 'text-anchor': 'end' }, `${ep.name} ${ep.ip}`));
    }
    if (d.more > 0) base.append(el(doc, 'text', { x: d.x + d.w - 10, y: d.y + d.h - 8, class: 'endpoint', 'text-anchor': 'end' }, `+ ${d.more} more`));
    drawMitigation(doc, base, L, topology);
    this.svg.append(base);

    this.windowLayer = el(doc, 'g', { class: 'windows' });
    this.dropLayer = el(doc, 'g', { class: 'drops' });
    this.roverLayer = el(doc, 'g', { class: 'rover' });
    this.tokenLayer = el(doc, 'g', { class: 'tokens' });
    this.svg.append(this.windowLayer, this.dropLayer, this.roverLayer);
    if (this.html) {
      this.tokenLayer = this.overlay;
      this.overlay.replaceChildren();
      this.measure();
    } else {
      this.svg.append(this.tokenLayer);
    }
    this.tokens.clear();
    this.from = [];
    this.to = [];
  }

  /** Maps the drawing's coordinates to the overlay's pixels (viewBox, xMidYMin meet). */
  measure() {
    const r = this.svg.getBoundingClientRect?.() ?? { width: 0, height: 0 };
    const s = r.width > 0 && r.height > 0 ? Math.min(r.width / this.L.width, r.height / this.L.height) : 1;
    this.map = { s, ox: (r.width - this.L.width * s) / 2, oy: 0 };
    for (const g of this.tokens.values()) g.pos = null;
  }

  /** Lays the drawing out again when the page gives it another shape; true when it did. */
  refit() {
    if (!this.topology) return false;
    const r = this.svg.getBoundingClientRect();
    const ratio = r.width > 0 ? r.height / r.width : 0;
    if (!ratio || Math.abs(ratio - this.ratio) / ratio < 0.04) {
      if (this.html) this.measure();
      return false;
    }
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
    this.paintWindows(sc.windows);
    this.paintDrops(sc.drops);
    this.paintRover(sc.rover);
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
      if (g.dataset_label !== `${t.label}|${t.sub}|${t.kind}|${t.current}|${t.fresh}`) this.dressToken(g, t);
      const key = `${Math.round(t.x * 10)},${Math.round(t.y * 10)}`;
      if (g.pos !== key) {
        if (this.html) {
          const { s, ox, oy } = this.map;
          g.style.transform = `translate(${(ox + t.x * s).toFixed(1)}px, ${(oy + t.y * s).toFixed(1)}px) scale(${s.toFixed(4)}) translate(-50%, -14px)`;
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
      el(doc, 'text', { class: 'token-label', 'text-anchor': 'middle', y: 5 }),
      el(doc, 'rect', { class: 'token-sub-box', rx: 4 }),
      el(doc, 'text', { class: 'token-sub', 'text-anchor': 'middle' }),
    );
    return g;
  }

  dressToken(g, t) {
    if (this.html) {
      const [label, sub] = g.children;
      g.className = `token ${t.kind}${t.current ? ' current' : ''}${t.sub ? ' has-sub' : ''}${t.fresh ? ' fresh' : ''}`;
      g.setAttribute(
        'aria-label',
        t.kind === 'more' ? `${t.label.slice(1)} more packets here` : `packet ${t.label}${t.sub ? `, rewritten ${t.sub}` : ''}: inspect`,
      );
      if (label.textContent !== t.label) label.textContent = t.label;
      if (sub.textContent !== (t.sub ?? '')) sub.textContent = t.sub ?? '';
      g.dataset_label = `${t.label}|${t.sub}|${t.kind}|${t.current}|${t.fresh}`;
      return;
    }
    const [box, label, subBox, sub] = g.children;
    g.setAttribute('class', `token ${t.kind}${t.current ? ' current' : ''}`);
    g.setAttribute('aria-label', `packet ${t.label}${t.sub ? `, rewritten ${t.sub}` : ''}: inspect`);
    box.setAttribute('x', String(-t.w / 2));
    box.setAttribute('y', '-14');
    box.setAttribute('width', String(t.w));
    box.setAttribute('height', '28');
    label.textContent = t.label;
    if (t.sub) {
      const w = Math.max(40, 10 + t.sub.length * 8.2);
      subBox.setAttribute('x', String(-w / 2));
      subBox.setAttribute('y', '16');
      subBox.setAttribute('width', String(w));
      subBox.setAttribute('height', '22');
      subBox.setAttribute('class', `token-sub-box${t.fresh ? ' fresh' : ''}`);
      sub.setAttribute('y', '32');
      sub.textContent = t.sub;
      subBox.removeAttribute('display');
      sub.removeAttribute('display');
    } else {
      subBox.setAttribute('display', 'none');
      sub.setAttribute('display', 'none');
      sub.textContent = '';
    }
    g.dataset_label = `${t.label}|${t.sub}|${t.kind}|${t.current}|${t.fresh}`;
  }

  paintWindows(windows) {
    const doc = this.doc;
    this.windowLayer.replaceChildren();
    for (const w of windows) {
      const cls = w.open ? 'window open' : `window closed ${/drop/.test(w.outcome) ? 'lost' : 'won'}`;
      this.windowLayer.append(el(doc, 'rect', { x: w.x, y: w.y, width: w.w, height: w.h, rx: 6, class: cls, 'data-cpu': w.cpu }));
      this.windowLayer.append(el(doc, 'text', { x: w.x + 8, y: w.y + 14, class: 'window-label' }, w.text));
    }
  }

  paintDrops(drops) {
    const doc = this.doc;
    this.dropLayer.replaceChildren();
    for (const d of drops) {
      const g = el(doc, 'g', {
        class: `drop-mark${d.fresh ? ' fresh' : ''}${d.old ? ' old' : ''}`,
        transform: `translate(${d.x} ${d.y})`,
        'data-packet': d.packet,
      });
      g.append(
        el(doc, 'circle', { r: 15, class: 'drop-circle' }),
        el(doc, 'path', { d: 'M-7,-7 L7,7 M7,-7 L-7,7', class: 'drop-x' }),
        el(doc, 'text', { x: -22, y: 6, class: 'drop-label', 'text-anchor': 'end' }, d.text),
      );
      this.dropLayer.append(g);
    }
  }

  paintRover(rover) {
    const doc = this.doc;
    this.roverLayer.replaceChildren();
    if (!rover) return;
    const L = this.L;
    this.roverLayer.append(
      el(doc, 'text', { x: L.node.x + 14, y: L.roverY, class: `rover-text${rover.moved ? ' moved' : ''}` }, `${rover.text}`),
      el(doc, 'text', { x: L.stages[2].x + 40, y: L.roverY, class: 'rover-detail' }, rover.detail),
    );
  }
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
  if (c) {
    base.append(el(doc, 'rect', { x: c.x, y: c.y, width: c.w, height: c.h, rx: 6, class: 'host cache' }));
    base.append(el(doc, 'text', { x: c.x + 10, y: c.y + 17, class: 'cache-text' }, `${topology.cache.name} ${topology.cache.ip} · NOTRACK · TCP upstream`));
    return;
  }
  if (m.id === 'tc-delay') {
    base.append(
      el(
        doc,
        'text',
        { x: L.cni0.x - 6, y: 22, class: 'mitigation-text', 'text-anchor': 'end' },
        `tc: 2nd DNS packet +${m.detail.match(/(\d+) µs/)?.[1] ?? '10'} µs`,
      ),
    );
    return;
  }
  base.append(el(doc, 'text', { x: n.x + n.w - 12, y: L.roverY, class: 'mitigation-text', 'text-anchor': 'end' }, `${m.title}: ${m.detail}`));
}
