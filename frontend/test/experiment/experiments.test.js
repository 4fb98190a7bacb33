import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SseParser,
  experimentQuery,
  planSize,
  labLink,
  variedParams,
  rateSeries,
  spikeMarks,
  formatRateWithInterval,
  defaultRow,
  spikeLegend,
  windowSeries,
  counterTable,
  presetOf,
  clientsOf,
} from '../../js/experiment/experiments.js';
import { readFileSync } from 'node:fs';
import { useCatalogue } from '../../js/lab/catalogue.js';

// The server's catalogue, written by the Java test LabCatalogueTests.
useCatalogue(JSON.parse(readFileSync(new URL('../lab/fixtures/catalogue.json', import.meta.url), 'utf8')));

test('the SSE parser reassembles events split anywhere', () => {
  const text = 'event:progress\ndata:{"done":0,"total":4}\n\n: comment\nevent: result\r\ndata:{"a":\ndata:1}\r\n\r\n';
  for (let cut = 0; cut < text.length; cut++) {
    const p = new SseParser();
    const events = [...p.feed(text.slice(0, cut)), ...p.feed(text.slice(cut))];
    assert.deepEqual(
      events.map((e) => [e.event, e.data]),
      [
        ['progress', '{"done":0,"total":4}'],
        ['result', '{"a":\n1}'],
      ],
      `cut at ${cut}`,
    );
  }
});

test('list parameters are joined with commas, the others keep one value', () => {
  const query = experimentQuery([
    ['scenario', 'tcp-free-play'],
    ['kernel', '4.17'],
    ['kernel', '6.x'],
    ['mode', 'default'],
    ['pods', '10'],
    ['pods', '32'],
    ['trials', '100'],
    ['seed', ''],
    ['pods', '10'],
  ]);
  assert.equal(query, 'scenario=tcp-free-play&kernel=4.17%2C6.x&mode=default&pods=10%2C32&trials=100');
  assert.deepEqual(planSize(query), { configurations: 4, runs: 400, attempts: 2 * (10 + 32) * 10 * 100 });
});

test('a Lab link carries every knob in the permalink order, with the seed asked for', () => {
  const params = {
    scenario: 'tcp-free-play',
    kernel: '4.17',
    mode: 'default',
    resolver: 'glibc',
    pods: 32,
    rounds: 10,
    sourcePort: 32000,
    cpus: 2,
    endpoints: 2,
    seed: 1,
    mitigation: 'none',
    ndots: 5,
  };
  assert.equal(
    labLink(params, 123456789),
    '/?scenario=tcp-free-play&kernel=4.17&mode=default&resolver=glibc&pods=32&rounds=10&sourcePort=32000' +
      '&cpus=2&endpoints=2&seed=123456789&mitigation=none&ndots=5&step=drop',
  );
});

const row = (kernel, mode, pods, rate) => ({
  params: {
    scenario: 'tcp-free-play',
    kernel,
    mode,
    resolver: 'glibc',
    pods,
    rounds: 10,
    sourcePort: 32000,
    cpus: 2,
    endpoints: 2,
    seed: 1,
    mitigation: 'none',
    ndots: 5,
  },
  insertFailedRate: rate,
  ci95: [rate * 0.9, rate * 1.1],
  dropRate: rate,
  dropCi95: [0, 1],
  clashResolveRate: 0,
  clashResolveCi95: [0, 0],
});

test('series group the configurations by all that varies but the pods', () => {
  const rows = [
    row('4.17', 'default', 10, 0.02),
    row('4.17', 'default', 32, 0.025),
    row('6.x', 'default', 10, 0.004),
    row('6.x', 'default', 32, 0.001),
    row('4.17', 'random-fully', 10, 0),
    row('4.17', 'random-fully', 32, 0),
  ];
  assert.deepEqual(variedParams(rows), ['kernel', 'mode', 'pods']);
  const { series, label } = rateSeries(rows);
  assert.equal(label, 'insert_failed per attempt');
  assert.deepEqual(
    series.map((s) => s.label),
    ['4.17 · default', '6.x · default', '4.17 · random-fully'],
  );
  assert.deepEqual(
    series[0].points.map((p) => p.x),
    [10, 32],
  );
  // Coloured by kernel (the hue) and mode (the shade and the dash): two kernels of one mode
  // differ in hue, one kernel's two modes in shade.
  assert.equal(series[0].cls, 'kernel-0 mode-default');
  assert.equal(series[1].cls, 'kernel-5 mode-default');
  assert.equal(series[2].cls, 'kernel-0 mode-random-fully');
  assert.equal(defaultRow(rows), 1);
});

test('spike marks follow the clients: SYN back-off for TCP, resolver timeouts for DNS', () => {
  assert.deepEqual(
    spikeMarks(row('4.17', 'default', 10, 0).params).map((m) => m.label),
    ['1 s', '3 s'],
  );
  assert.deepEqual(
    spikeMarks(row('6.x', 'default', 10, 0).params).map((m) => m.label),
    ['1 s', '2 s'],
  );
  const dns = row('4.17', 'default', 16, 0);
  dns.params.scenario = 'dns-free-play';
  assert.deepEqual(
    spikeMarks(dns.params).map((m) => m.label),
    ['2.5 s', '5 s'],
  );
  assert.match(spikeLegend(row('4.17', 'default', 10, 0).params), /once \(1 s\) or twice \(3 s\)/);
  assert.equal(formatRateWithInterval(0.0247, [0.0235, 0.026]), '2.47 % (2.35–2.60 %)');
});

test('a preset fills what the server binds for it, and the plan size follows its workload', () => {
  const p = presetOf('snat-race-conn-test');
  assert.equal(p.params.workload, 'ticker');
  // 2 pods × 16 workers × (300 s / 100 ms + 1) dials, 2 modes, 10 trials
  const query = 'scenario=tcp-free-play&preset=snat-race-conn-test&mode=default%2Crandom-fully&trials=10';
  assert.deepEqual(planSize(query), { configurations: 2, runs: 20, attempts: 2 * 2 * 16 * 3001 * 10 });
  // workers may list several values: one configuration each
  const xing = 'scenario=tcp-free-play&preset=xing&workers=5%2C16&durationS=10&periodMs=100&trials=1';
  assert.deepEqual(planSize(xing), { configurations: 2, runs: 2, attempts: 2 * (5 + 16) * 101 });
  assert.equal(clientsOf({ pods: 2, workers: 16, workload: 'ticker' }), 32);
  assert.equal(clientsOf({ pods: 32, workers: 16, workload: 'rounds' }), 32);
});

test('windows become one series per sustained configuration, and every counter a column', () => {
  const sustained = row('4.17', 'default', 2, 0.02);
  Object.assign(sustained.params, { workload: 'ticker', workers: 16 });
  sustained.errorRate = 0.02;
  sustained.attempts = 200;
  sustained.perAttempt = { found: 1.1, invalid: 0.6, insert_failed: 0.02, drop: 0.02 };
  sustained.windows = [
    { fromS: 10, toS: 20, attempts: 100, errors: 1, errorRate: 0.01, perAttempt: { found: 1, invalid: 0.5, insert_failed: 0.01, drop: 0.01 } },
    { fromS: 20, toS: 30, attempts: 100, errors: 3, errorRate: 0.03, perAttempt: { found: 1.2, invalid: 0.7, insert_failed: 0.03, drop: 0.03 } },
  ];
  const rounds = row('4.17', 'random-fully', 2, 0);
  rounds.windows = [];
  const series = windowSeries([sustained, rounds]);
  assert.equal(series.length, 1);
  assert.deepEqual(
    series[0].points.map((p) => [p.x, p.rate]),
    [
      [20, 0.01],
      [30, 0.03],
    ],
  );
  assert.deepEqual(
    windowSeries([sustained], 'found')[0].points.map((p) => p.rate),
    [1, 1.2],
  );
  const table = counterTable(sustained);
  assert.deepEqual(table.names, ['found', 'invalid', 'insert_failed', 'drop']);
  assert.deepEqual(
    table.rows.map((r) => r.label),
    ['10–20 s', '20–30 s', 'all after warm-up'],
  );
  assert.deepEqual(table.rows[2].values, [1.1, 0.6, 0.02, 0.02]);
});
