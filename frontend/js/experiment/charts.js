// @ts-check
// A small SVG chart module for the Experiments page. The chart functions are pure: they
// return a tree of plain objects ({tag, attrs, children, text}) that the tests can read,
// and render() turns such a tree into SVG elements. Colours and strokes come from CSS
// classes (experiments.css), never from inline styles, so a strict CSP needs nothing more.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** A node of the tree: an element with attributes and children, or a text run. */
export function el(tag, attrs = {}, children = []) {
  return { tag, attrs, children: children.filter((c) => c != null) };
}

/** Maps [d0, d1] onto [r0, r1] linearly. */
export function linearScale([d0, d1], [r0, r1]) {
  const span = d1 - d0 || 1;
  const f = (x) => r0 + ((x - d0) / span) * (r1 - r0);
  f.domain = [d0, d1];
  return f;
}

/** Maps [d0, d1] (both > 0) onto [r0, r1] on a base-10 logarithmic axis. */
export function logScale([d0, d1], [r0, r1]) {
  const l0 = Math.log10(d0);
  const l1 = Math.log10(d1);
  const span = l1 - l0 || 1;
  const f = (x) => r0 + ((Math.log10(Math.max(x, d0)) - l0) / span) * (r1 - r0);
  f.domain = [d0, d1];
  return f;
}

/** About `count` round ticks covering [0, max]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(max, count = 5) {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let t = 0; t <= max * (1 + 1e-9) + step / 2; t += step) {
    ticks.push(Number(t.toPrecision(12)));
    if (t >= max) break;
  }
  return ticks;
}

/** The powers of ten within [lo, hi]. */
export function decadeTicks(lo, hi) {
  const ticks = [];
  for (let e = Math.ceil(Math.log10(lo) - 1e-9); 10 ** e <= hi * (1 + 1e-9); e++) {
    ticks.push(10 ** e);
  }
  return ticks;
}

/** "100 µs", "1 ms", "10 s" for a duration in nanoseconds on a decade tick. */
export function formatNanos(ns) {
  if (ns >= 1e9) return `${trimNumber(ns / 1e9)} s`;
  if (ns >= 1e6) return `${trimNumber(ns / 1e6)} ms`;
  if (ns >= 1e3) return `${trimNumber(ns / 1e3)} µs`;
  return `${trimNumber(ns)} ns`;
}

/** "1", "10", "1k", "10k", "1M" for a count on a decade tick. */
export function formatCount(n) {
  if (n >= 1e6) return `${trimNumber(n / 1e6)}M`;
  if (n >= 1e3) return `${trimNumber(n / 1e3)}k`;
  return trimNumber(n);
}

function trimNumber(x) {
  return String(Number(x.toPrecision(3)));
}

/** "2.47 %", "0.012 %", "0 %" for a rate (a fraction). */
export function formatPercent(rate) {
  if (!Number.isFinite(rate)) return '–';
  if (rate === 0) return '0 %';
  const pct = rate * 100;
  const digits = pct >= 10 ? 1 : pct >= 1 ? 2 : pct >= 0.1 ? 3 : 4;
  return `${pct.toFixed(digits)} %`;
}

const MARGIN = { top: 34, right: 24, bottom: 64, left: 86 };

function frame(width, height, label, children) {
  return el(
    'svg',
    {
      xmlns: SVG_NS,
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': label,
      class: 'chart',
    },
    children,
  );
}

function text(x, y, content, cls, extra = {}) {
  return { tag: 'text', attrs: { x: round(x), y: round(y), class: cls, ...extra }, children: [], text: content };
}

function round(x) {
  return Math.round(x * 10) / 10;
}

/**
 * The insert_failed rate (or another rate) against concurrency, one line per series, each
 * point with its 95 % interval as a whisker.
 *
 * @param {{key: string, label: string, cls?: string, points: {x: number, rate: number, low: number, high: number, title?: string}[]}[]} series
 * @param {{width?: number, height?: number, xLabel?: string, yLabel?: string, label?: string, xTicks?: number[], whiskers?: boolean, yFormat?: (y: number) => string}} options
 *   xTicks: the ticks of the x axis (every point's x when absent); whiskers: false to leave the intervals out
 */
export function rateChart(series, options = {}) {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const label = options.label ?? 'Rate against concurrency';
  const points = series.flatMap((s) => s.points);
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const xMax = Math.max(1, ...xs, ...(options.xTicks ?? [])) * 1.08;
  const yMax = Math.max(1e-4, ...points.map((p) => p.high)) * 1.12;
  const yTicks = niceTicks(yMax, 5).filter((t) => t <= yMax);
  const yFormat = options.yFormat ?? formatPercent;
  // The left margin holds the widest tick label (about 10 units a character at the ticks' size).
  const left = Math.max(MARGIN.left, 24 + 10 * Math.max(...yTicks.map((t) => yFormat(t).length)));
  const x = linearScale([0, xMax], [left, width - MARGIN.right]);
  const y = linearScale([0, yMax], [height - MARGIN.bottom, MARGIN.top]);
  const children = [];
  for (const t of yTicks) {
    children.push(el('line', { x1: left, x2: width - MARGIN.right, y1: round(y(t)), y2: round(y(t)), class: 'grid' }));
    children.push(text(left - 10, y(t) + 6, yFormat(t), 'tick', { 'text-anchor': 'end' }));
  }
  for (const t of options.xTicks ?? xs) {
    children.push(el('line', { x1: round(x(t)), x2: round(x(t)), y1: height - MARGIN.bottom, y2: height - MARGIN.bottom + 6, class: 'axis' }));
    children.push(text(x(t), height - MARGIN.bottom + 26, String(t), 'tick', { 'text-anchor': 'middle' }));
  }
  children.push(el('line', { x1: left, x2: width - MARGIN.right, y1: height - MARGIN.bottom, y2: height - MARGIN.bottom, class: 'axis' }));
  children.push(el('line', { x1: left, x2: left, y1: MARGIN.top, y2: height - MARGIN.bottom, class: 'axis' }));
  children.push(
    text((left + width - MARGIN.right) / 2, height - 12, options.xLabel ?? 'concurrent connections (pods)', 'axis-label', { 'text-anchor': 'middle' }),
  );
  children.push(text(16, MARGIN.top - 14, options.yLabel ?? 'insert_failed per connection', 'axis-label'));
  series.forEach((s, i) => {
    const sorted = [...s.points].sort((a, b) => a.x - b.x);
    const group = [];
    if (sorted.length > 1) {
      group.push(
        el('polyline', {
          points: sorted.map((p) => `${round(x(p.x))},${round(y(p.rate))}`).join(' '),
          class: 'series-line',
        }),
      );
    }
    for (const p of sorted) {
      const cx = round(x(p.x));
      const whiskers =
        options.whiskers === false
          ? []
          : [
              el('line', { x1: cx, x2: cx, y1: round(y(p.low)), y2: round(y(p.high)), class: 'whisker' }),
              el('line', { x1: cx - 7, x2: cx + 7, y1: round(y(p.low)), y2: round(y(p.low)), class: 'whisker' }),
              el('line', { x1: cx - 7, x2: cx + 7, y1: round(y(p.high)), y2: round(y(p.high)), class: 'whisker' }),
            ];
      group.push(
        el('g', { class: 'point', 'data-x': p.x, 'data-rate': p.rate }, [
          { tag: 'title', attrs: {}, children: [], text: p.title ?? `${s.label}: ${formatPercent(p.rate)}` },
          ...whiskers,
          el('circle', { cx, cy: round(y(p.rate)), r: options.whiskers === false ? 4.5 : 6, class: 'dot' }),
        ]),
      );
    }
    children.push(el('g', { class: `series ${s.cls ?? `series-${i}`}`, 'data-series': s.key }, group));
  });
  return frame(width, height, label, children);
}

/**
 * A small line-and-dot sample of a series' look, for a legend written in HTML next to the
 * chart (so that long labels wrap instead of running over the plot).
 */
export function legendSwatch(cls) {
  return el('svg', { viewBox: '0 0 30 14', width: 30, height: 14, class: 'chart swatch', 'aria-hidden': 'true' }, [
    el('g', { class: `series ${cls}` }, [
      el('line', { x1: 1, x2: 29, y1: 7, y2: 7, class: 'series-line' }),
      el('circle', { cx: 15, cy: 7, r: 5, class: 'dot' }),
    ]),
  ]);
}

/**
 * A latency histogram on a logarithmic time axis with a logarithmic count axis, so that
 * a spike of a few hundred attempts at 1 s stands out next to a million fast connects.
 * Each bar is a link (to the Lab, by `hrefFor(bucket)`) when the bucket has a seed.
 *
 * @param {{lowNs: number, highNs: number, count: number, seed?: number|null}[]} buckets
 * @param {{width?: number, height?: number, marks?: {ns: number, label: string}[], hrefFor?: (b: any) => string,
 *   label?: string, xLabel?: string, yLabel?: string}} options
 */
export function histogramChart(buckets, options = {}) {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const label = options.label ?? 'Latency histogram';
  const drawn = buckets.filter((b) => b.lowNs > 0);
  const filled = drawn.filter((b) => b.count > 0);
  const lo = Math.min(1e5, ...filled.map((b) => b.lowNs));
  const hi = Math.max(1e10, ...filled.map((b) => b.highNs));
  const x = logScale([lo, hi], [MARGIN.left, width - MARGIN.right]);
  const maxCount = Math.max(1, ...filled.map((b) => b.count));
  const top = 10 ** Math.ceil(Math.log10(maxCount * 1.5));
  const y = logScale([0.6, top], [height - MARGIN.bottom, MARGIN.top]);
  const children = [];
  for (const t of decadeTicks(1, top)) {
    children.push(el('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: round(y(t)), y2: round(y(t)), class: 'grid' }));
    children.push(text(MARGIN.left - 10, y(t) + 6, formatCount(t), 'tick', { 'text-anchor': 'end' }));
  }
  for (const t of decadeTicks(lo, hi)) {
    children.push(el('line', { x1: round(x(t)), x2: round(x(t)), y1: height - MARGIN.bottom, y2: height - MARGIN.bottom + 6, class: 'axis' }));
    children.push(text(x(t), height - MARGIN.bottom + 26, formatNanos(t), 'tick', { 'text-anchor': 'middle' }));
  }
  let previousX = -Infinity;
  let raised = false;
  for (const m of options.marks ?? []) {
    if (m.ns < lo || m.ns > hi) continue;
    const mx = round(x(m.ns));
    // Labels of marks closer than a label's width go on alternate rows.
    raised = mx - previousX < 44 ? !raised : false;
    previousX = mx;
    const ly = raised ? MARGIN.top - 12 : MARGIN.top + 8;
    children.push(el('line', { x1: mx, x2: mx, y1: ly + 4, y2: height - MARGIN.bottom, class: 'mark' }));
    children.push(text(mx + 4, ly, m.label, 'mark-label', { 'text-anchor': 'start' }));
  }
  const bars = [];
  for (const b of filled) {
    if (b.highNs <= lo || b.lowNs >= hi) continue;
    // The mark (a client's timer) whose latency falls in this bucket: its spike.
    const mark = (options.marks ?? []).find((m) => m.ns >= b.lowNs && m.ns < b.highNs);
    const x0 = x(Math.max(b.lowNs, lo));
    const x1 = x(Math.min(b.highNs, hi));
    const y0 = y(b.count);
    const rect = el('rect', {
      x: round(x0 + 1),
      y: round(y0),
      width: round(Math.max(1, x1 - x0 - 2)),
      height: round(height - MARGIN.bottom - y0),
      class: `bar${b.lowNs >= 1e9 ? ' bar-slow' : ''}${mark ? ' bar-spike' : ''}`,
      'data-low-ns': b.lowNs,
      'data-count': b.count,
      ...(mark ? { 'data-mark': mark.label } : {}),
    });
    const title = {
      tag: 'title',
      attrs: {},
      children: [],
      text: `${formatNanos(b.lowNs)} to ${formatNanos(b.highNs)}: ${b.count} attempts` + (b.seed != null ? ` (open seed ${b.seed} in the Lab)` : ''),
    };
    const href = b.seed != null && options.hrefFor ? options.hrefFor(b) : null;
    const count = text((x0 + x1) / 2, y0 - 6, formatCount(b.count), 'bar-count', { 'text-anchor': 'middle' });
    bars.push(href ? el('a', { href, class: 'bar-link', 'data-seed': b.seed }, [title, rect, count]) : el('g', {}, [title, rect, count]));
  }
  children.push(el('g', { class: 'bars' }, bars));
  children.push(el('line', { x1: MARGIN.left, x2: width - MARGIN.right, y1: height - MARGIN.bottom, y2: height - MARGIN.bottom, class: 'axis' }));
  children.push(el('line', { x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top, y2: height - MARGIN.bottom, class: 'axis' }));
  children.push(
    text((MARGIN.left + width - MARGIN.right) / 2, height - 12, options.xLabel ?? 'latency (log scale)', 'axis-label', { 'text-anchor': 'middle' }),
  );
  children.push(text(16, MARGIN.top - 14, options.yLabel ?? 'attempts (log)', 'axis-label'));
  return frame(width, height, label, children);
}

/** Turns a tree from the chart functions into SVG elements of `doc`. */
export function render(node, doc = globalThis.document) {
  const element = doc.createElementNS(SVG_NS, node.tag);
  for (const [name, value] of Object.entries(node.attrs ?? {})) {
    if (name === 'xmlns') continue;
    element.setAttribute(name, String(value));
  }
  if (node.text != null) element.textContent = node.text;
  for (const child of node.children ?? []) {
    element.appendChild(render(child, doc));
  }
  return element;
}

/** Every node of a tree, depth first (for tests and lookups). */
export function walk(node, out = []) {
  out.push(node);
  for (const child of node.children ?? []) walk(child, out);
  return out;
}
