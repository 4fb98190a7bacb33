import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fold } from '../../js/lab/reducer.js';
import { layout, walkDetails, walkGeometry } from '../../js/lab/render/scene.js';
import { useCatalogue } from '../../js/lab/catalogue.js';
import { portWalk } from './events.js';

// The server's catalogue (written by LabCatalogueTests): the fold reads how many taken ports a walk keeps.
const catalogue = JSON.parse(readFileSync(new URL('./fixtures/catalogue.json', import.meta.url), 'utf8'));
useCatalogue(catalogue);

const w = (port, taken, chosen = false) => ({
  ct: 1,
  proto: 'tcp',
  base: 32770,
  port,
  tries: 2,
  taken,
  offsetSource: 'rover',
  roverBefore: 32769,
  chosen,
  takenPorts: taken ? [32770, port] : [32770],
});

test('the walkers of one base are drawn with their candidates, and their meeting on one port said', () => {
  const state = /** @type {any} */ ({ walks: [w(32772, false), w(32772, false)] });
  assert.deepEqual(walkDetails(state), [
    'search from 32770 (the rover): CPU 0 tests 32772 (free) · CPU 1 tests 32772 (free) · both on 32772',
    'from 32770 (the rover): CPU 0 tests 32772 (free) · CPU 1 tests 32772 (free) · both on 32772',
    'CPU 0 tests 32772 (free) · CPU 1 tests 32772 (free) · both on 32772',
  ]);
  const apart = walkDetails(/** @type {any} */ ({ walks: [w(32772, false, true), null, w(32771, true)] }));
  assert.equal(apart[0], 'search from 32770 (the rover): CPU 0 chose 32772 · CPU 2 tests 32771 (taken)');
  assert.deepEqual(walkDetails(/** @type {any} */ ({ walks: [null, null] })), []);
});

// --- the walkers drawn (walkGeometry): from the folded state, never from ports the browser makes up.

const fixture = JSON.parse(readFileSync(new URL('./fixtures/folder-parity.json', import.meta.url), 'utf8'));
const topology = {
  nodeIp: '10.0.0.1',
  bridge: { name: 'cni0', ip: '10.40.0.1' },
  eth0: { ip: '10.0.0.1' },
  cpus: 2,
  pods: [
    { name: 'pod-a', ip: '10.40.0.17', veth: 'veth-a' },
    { name: 'pod-b', ip: '10.40.0.18', veth: 'veth-b' },
  ],
  server: { name: 'server', ip: '10.0.0.99', port: 80 },
  dns: { clusterIp: '10.96.0.10', port: 53, endpoints: [{ name: 'dns-1', ip: '10.32.0.6' }] },
};

/** Two CPUs read the rover (32770), both find 32770 held by confirmed entry #7, both choose 32771. */
function rovered() {
  const walk = (seq, cpu, port, tries, taken) => portWalk(seq, cpu, { ct: 10 + cpu, firstPort: 32770, port, tries, taken });
  const setup = (seq, cpu, port) => ({
    seq,
    t: seq,
    cpu,
    type: 'nat-setup',
    packet: 1 + cpu,
    change: { ct: { id: 10 + cpu, reply: { src: '10.0.0.99', sport: 80, dst: '10.0.0.1', dport: port } }, search: null },
  });
  const held = {
    id: 7,
    proto: 'tcp',
    confirmed: true,
    orig: { src: '10.40.0.99', sport: 32770, dst: '10.0.0.99', dport: 80 },
    reply: { src: '10.0.0.99', sport: 80, dst: '10.0.0.1', dport: 32770 },
  };
  return [
    { seq: 0, t: 0, cpu: 0, type: 'ct-confirm', packet: 9, change: { ct: held } },
    { seq: 1, t: 1, cpu: 0, type: 'cpu-take', packet: 1, change: { queued: 0 } },
    { seq: 2, t: 2, cpu: 1, type: 'cpu-take', packet: 2, change: { queued: 0 } },
    walk(3, 0, -1, 0, false),
    walk(4, 1, -1, 0, false),
    walk(5, 0, 32770, 1, true),
    walk(6, 1, 32770, 1, true),
    setup(7, 0, 32771),
    setup(8, 1, 32771),
  ];
}

const cellOf = (geo, port) => geo.strips.flatMap((s) => s.cells.map((c) => ({ ...c, cellW: s.cellW }))).find((c) => c.port === port);

test('two walkers from one base stand on the same cells step by step, and meet on the first free port', () => {
  const L = layout(topology);
  const events = rovered();
  // Both read the rover: on the base, not yet meeting (nothing tested).
  const start = walkGeometry(L, fold(events, 2, 4));
  assert.equal(start.strips.length, 1, 'one strip for one base');
  assert.equal(start.strips[0].shared, true);
  assert.equal(start.strips[0].cells[0].port, 32770);
  assert.deepEqual(
    start.walkers.map((w) => [w.cpu, w.port, w.side, w.state]),
    [
      [0, 32770, 'above', 'start'],
      [1, 32770, 'below', 'start'],
    ],
  );
  assert.deepEqual(start.meets, []);
  // Both test 32770: taken (entry #7 holds it), in step but not met.
  const taken = walkGeometry(L, fold(events, 2, 6));
  assert.equal(cellOf(taken, 32770).state, 'taken');
  assert.equal(cellOf(taken, 32770).holder, 7);
  assert.deepEqual(taken.meets, []);
  // One has chosen 32771, the other still stands on 32770: apart.
  const apart = walkGeometry(L, fold(events, 2, 7));
  assert.deepEqual(
    apart.walkers.map((w) => [w.cpu, w.port]),
    [
      [0, 32771],
      [1, 32770],
    ],
  );
  assert.notEqual(apart.walkers[0].x, apart.walkers[1].x);
  assert.deepEqual(apart.meets, []);
  // Both chose 32771: the same cell, one above and one below the strip, and the meeting ringed.
  const met = walkGeometry(L, fold(events, 2, 8));
  const cell = cellOf(met, 32771);
  assert.equal(cell.state, 'free');
  assert.equal(cellOf(met, 32770).state, 'taken');
  assert.deepEqual(
    met.walkers.map((w) => [w.cpu, w.port, w.state]),
    [
      [0, 32771, 'chosen'],
      [1, 32771, 'chosen'],
    ],
  );
  for (const w of met.walkers) assert.equal(w.x, cell.x + cell.cellW / 2, `CPU ${w.cpu}'s walker is over the cell of 32771`);
  assert.ok(met.walkers[0].y + met.walkers[0].h <= met.strips[0].y, 'CPU 0 above the strip');
  assert.ok(met.walkers[1].y >= met.strips[0].y + met.strips[0].h, 'CPU 1 below it');
  assert.deepEqual(
    met.meets.map((m) => [m.port, m.cpus, m.x]),
    [[32771, [0, 1], cell.x]],
  );
  // The strip sits left of SNAT, clear of the lane labels, inside the node.
  const s = met.strips[0];
  assert.ok(s.x + s.w <= L.stages[3].x);
  assert.ok(s.x > L.node.x + 12 + L.measure('CPU 1', L.fs, 'bold'));
  assert.ok(met.text.endsWith('both on 32771'));
});

test('with --random-fully the walkers start from two bases, on two strips, and do not meet', () => {
  const run = fixture.runs.find((r) => r.query === 'scenario=snat-port-race&mode=random-fully');
  const L = layout(topology);
  let both = -1;
  for (let step = 0; step < run.events.length && both < 0; step++) {
    const st = fold(run.events, 2, step);
    if (st.walks.every((w) => w && w.chosen)) both = step;
  }
  assert.ok(both > 0, 'a step where both CPUs have chosen');
  const state = fold(run.events, 2, both);
  const geo = walkGeometry(L, state);
  assert.notEqual(state.walks[0].base, state.walks[1].base);
  assert.equal(geo.strips.length, 2);
  assert.ok(geo.strips.every((s) => !s.shared));
  assert.deepEqual(
    geo.walkers.map((w) => [w.cpu, w.port]),
    state.walks.map((w, cpu) => [cpu, w.port]),
  );
  assert.notEqual(geo.walkers[0].port, geo.walkers[1].port);
  assert.deepEqual(geo.meets, []);
  // Each walker over its own strip's first cell: its random start was free.
  for (const [i, w] of geo.walkers.entries()) {
    assert.equal(geo.strips[i].cells[0].port, state.walks[i].base);
    assert.equal(geo.strips[i].cells[0].state, 'free');
    assert.ok(w.y + w.h <= geo.strips[i].y);
  }
});

test('no walk, no strip; and no room, no strip (the rover line still says it)', () => {
  const L = layout(topology);
  assert.deepEqual(walkGeometry(L, fold(rovered(), 2, 2)), { strips: [], walkers: [], meets: [], text: '' });
  const narrow = layout({ ...topology, cpus: 2 }, { width: 360, height: 200, lanesOnly: true });
  const geo = walkGeometry(narrow, fold(rovered(), 2, 8));
  assert.deepEqual([geo.strips, geo.walkers, geo.meets], [[], [], []]);
  assert.ok(geo.text.includes('both on 32771'));
});

test('a walk that jumped marks the ports it found taken, not the ones it jumped over', () => {
  // 5.0+: a round of tests from a random start, then a jump to a new one; the fold keeps the ports
  // found taken (41000, 41001, then 44999 after the jump) and the strip marks exactly those near
  // where the walker stands (the browser used to infer taken cells from a linear walk's base, so a
  // jumped walk showed only its current cell).
  const walk = (seq, port, tries, taken, firstPort) =>
    portWalk(seq, 0, { ct: 10, firstPort, port, tries, taken, offsetSource: 'prandom', roverBefore: -1, packet: 1 });
  const events = [
    walk(0, -1, 0, false, 41000),
    walk(1, 41000, 1, true, 41000),
    walk(2, 41001, 2, true, 41000),
    walk(3, 44999, 3, true, 44999),
    walk(4, 45000, 4, false, 44999),
  ];
  const state = fold(events, 2, 4);
  assert.deepEqual(state.walks[0].takenPorts, [41000, 41001, 44999]);
  const geo = walkGeometry(layout(topology), state);
  const cells = geo.strips[0].cells.map((c) => [c.port, c.state]);
  assert.deepEqual(cells.slice(0, 2), [
    [44999, 'taken'],
    [45000, 'free'],
  ]);
  assert.ok(cells.slice(2).every(([, st]) => st === 'untested'));
  assert.deepEqual(
    geo.walkers.map((w) => [w.cpu, w.port, w.state]),
    [[0, 45000, 'free']],
  );
});

test('the fold keeps the last walkTakenKept ports a walk found taken, as the server does', () => {
  const kept = catalogue.walkTakenKept;
  assert.ok(kept >= 8, 'at least a strip of cells');
  const events = [portWalk(0, 1, { ct: 3, firstPort: 1024, port: -1, tries: 0, taken: false, packet: 1 })];
  for (let i = 0; i < kept + 5; i++) events.push(portWalk(i + 1, 1, { ct: 3, firstPort: 1024, port: 1024 + i, tries: i + 1, taken: true, packet: 1 }));
  const w = fold(events, 2).walks[1];
  assert.equal(w.takenPorts.length, kept);
  assert.equal(w.takenPorts[0], 1024 + 5);
  assert.equal(w.takenPorts[kept - 1], 1024 + kept + 4);
});
