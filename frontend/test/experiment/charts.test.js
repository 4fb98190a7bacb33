import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  linearScale,
  logScale,
  niceTicks,
  decadeTicks,
  formatNanos,
  formatCount,
  formatPercent,
  rateChart,
  histogramChart,
  legendSwatch,
  walk,
} from '../../js/experiment/charts.js';

test('scales map their domain onto their range', () => {
  const x = linearScale([0, 10], [100, 200]);
  assert.equal(x(0), 100);
  assert.equal(x(5), 150);
  const y = logScale([1e3, 1e9], [0, 600]);
  assert.equal(y(1e3), 0);
  assert.equal(y(1e6), 300);
  assert.equal(y(1e9), 600);
});

test('ticks are round numbers', () => {
  assert.deepEqual(niceTicks(0.05, 5), [0, 0.01, 0.02, 0.03, 0.04, 0.05]);
  assert.deepEqual(decadeTicks(1e5, 1e10), [1e5, 1e6, 1e7, 1e8, 1e9, 1e10]);
  assert.equal(formatNanos(1e5), '100 µs');
  assert.equal(formatNanos(1e9), '1 s');
  assert.equal(formatCount(10000), '10k');
  assert.equal(formatPercent(0.0247), '2.47 %');
  assert.equal(formatPercent(0), '0 %');
  assert.equal(formatPercent(0.00012), '0.0120 %');
});

const buckets = [
  { lowNs: 0, highNs: 10_000, count: 0, seed: null },
  { lowNs: 177_827, highNs: 316_227, count: 31_000, seed: 11 },
  { lowNs: 1_000_000_000, highNs: 1_778_279_410, count: 800, seed: 42 },
  { lowNs: 1_778_279_410, highNs: 3_162_277_660, count: 3, seed: 43 },
  { lowNs: 3_162_277_660, highNs: 5_623_413_252, count: 0, seed: null },
];

test('the histogram draws one linked bar per filled bucket, the slow ones marked', () => {
  const tree = histogramChart(buckets, {
    marks: [
      { ns: 1e9, label: '1 s' },
      { ns: 3e9, label: '3 s' },
    ],
    hrefFor: (b) => `/?seed=${b.seed}`,
  });
  const nodes = walk(tree);
  const links = nodes.filter((n) => n.tag === 'a');
  assert.deepEqual(
    links.map((a) => a.attrs.href),
    ['/?seed=11', '/?seed=42', '/?seed=43'],
  );
  const bars = nodes.filter((n) => n.tag === 'rect');
  assert.equal(bars.length, 3);
  assert.equal(bars.filter((b) => b.attrs.class.includes('bar-slow')).length, 2);
  // On a log count axis a spike of 3 among 31,803 still has a visible bar.
  const spike = bars.find((b) => b.attrs['data-count'] === 3);
  assert.ok(spike.attrs.height > 20, `height ${spike.attrs.height}`);
  const labels = nodes.filter((n) => n.attrs?.class === 'mark-label').map((n) => n.text);
  assert.deepEqual(labels, ['1 s', '3 s']);
  // Each spike's bar is the one whose bucket holds its mark, and says so.
  assert.deepEqual(
    bars.filter((b) => b.attrs.class.includes('bar-spike')).map((b) => [b.attrs['data-low-ns'], b.attrs['data-mark']]),
    [
      [1_000_000_000, '1 s'],
      [1_778_279_410, '3 s'],
    ],
  );
});

test('the 1 s bar lies right of the 1 s mark and left of the 3 s mark', () => {
  const tree = histogramChart(buckets, {
    marks: [
      { ns: 1e9, label: '1 s' },
      { ns: 3e9, label: '3 s' },
    ],
  });
  const nodes = walk(tree);
  const marks = nodes.filter((n) => n.attrs?.class === 'mark');
  const bar = nodes.find((n) => n.tag === 'rect' && n.attrs['data-low-ns'] === 1_000_000_000);
  assert.ok(bar.attrs.x >= marks[0].attrs.x1);
  assert.ok(bar.attrs.x + bar.attrs.width <= marks[1].attrs.x1);
});

test('the rate chart has a whiskered point per configuration and a legend per series', () => {
  const series = [
    {
      key: 'default',
      label: 'default',
      cls: 'mode-default',
      points: [
        { x: 10, rate: 0.02, low: 0.018, high: 0.022 },
        { x: 32, rate: 0.025, low: 0.023, high: 0.027 },
      ],
    },
    {
      key: 'random-fully',
      label: 'random-fully',
      cls: 'mode-random-fully',
      points: [
        { x: 10, rate: 0, low: 0, high: 0.0002 },
        { x: 32, rate: 0, low: 0, high: 0.0001 },
      ],
    },
  ];
  const nodes = walk(rateChart(series));
  const dots = nodes.filter((n) => n.tag === 'circle' && n.attrs.class === 'dot');
  assert.equal(dots.length, 4, 'one per point');
  assert.equal(nodes.filter((n) => n.tag === 'polyline').length, 2);
  const whiskers = nodes.filter((n) => n.attrs?.class === 'whisker');
  assert.equal(whiskers.length, 4 * 3);
  assert.deepEqual(
    nodes.filter((n) => n.attrs?.['data-series']).map((n) => n.attrs['data-series']),
    ['default', 'random-fully'],
  );
  // Higher rates sit higher: smaller y.
  const [low, high] = dots.slice(0, 2);
  assert.ok(high.attrs.cy < low.attrs.cy);
});

test('a legend swatch draws the series look', () => {
  const nodes = walk(legendSwatch('mode-default variant-1'));
  assert.equal(nodes[1].attrs.class, 'series mode-default variant-1');
  assert.deepEqual(
    nodes.slice(2).map((n) => n.tag),
    ['line', 'circle'],
  );
});
