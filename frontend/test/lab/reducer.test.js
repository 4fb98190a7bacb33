import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fold, initialState, Folder, FOLDS } from '../../js/lab/reducer.js';
import { useCatalogue } from '../../js/lab/catalogue.js';
import { portWalk } from './events.js';

// Written by the Java test LabFolderParityTests from TraceFolder: events and the states TraceFolder
// folds at chosen steps. The reducer must give exactly the same states. A run too long for the
// fixture is a window: `start` is the state before its first event, `first` that event's step.
const fixture = JSON.parse(readFileSync(new URL('./fixtures/folder-parity.json', import.meta.url), 'utf8'));
// Written by the Java test LabCatalogueTests: every kind of dev.racetrack.sim.Change, and how many
// taken ports a walk keeps (the fold reads it).
const catalogue = JSON.parse(readFileSync(new URL('./fixtures/catalogue.json', import.meta.url), 'utf8'));
useCatalogue(catalogue);

/** The run's state after its step `step` (a step of the run, not an index of the window). */
function foldRun(run, step) {
  if (!run.start) return fold(run.events, run.cpus, step);
  const folder = Folder.fromState(run.start);
  for (const e of run.events) {
    if (e.seq > step) break;
    folder.apply(e);
  }
  return folder.state();
}

for (const run of fixture.runs) {
  test(`reducer matches TraceFolder on ${run.query}`, () => {
    for (const { step, state } of run.states) {
      assert.deepStrictEqual(foldRun(run, step), state, `step ${step}`);
    }
  });

  test(`a folder resumed from a snapshot continues like TraceFolder on ${run.query}`, () => {
    const first = run.first ?? 0;
    const states = run.states.filter((s) => s.step >= 0);
    for (let i = 0; i + 1 < states.length; i++) {
      const folder = Folder.fromState(states[i].state);
      for (let k = states[i].step + 1; k <= states[i + 1].step; k++) folder.apply(run.events[k - first]);
      assert.deepStrictEqual(folder.state(), states[i + 1].state, `from ${states[i].step} to ${states[i + 1].step}`);
    }
  });
}

test('every kind of Change has its fold in the browser', () => {
  const missing = catalogue.eventTypes.filter((t) => !(t in FOLDS));
  assert.deepStrictEqual(missing, [], `reducer.js FOLDS has no fold for ${missing.join(', ')} (see TraceFolder)`);
  const unknown = Object.keys(FOLDS).filter((t) => !catalogue.eventTypes.includes(t));
  assert.deepStrictEqual(unknown, [], 'FOLDS folds types the engine does not have');
});

test('the parity fixture holds every kind of Change, so each fold is checked against TraceFolder', () => {
  const types = new Set(fixture.runs.flatMap((r) => r.events.map((e) => e.type)));
  assert.deepStrictEqual(
    catalogue.eventTypes.filter((t) => !types.has(t)),
    [],
  );
});

test('an event type the reducer has no fold for is an error, not a silent skip', () => {
  const folder = new Folder(2);
  assert.throws(() => folder.apply({ seq: 0, t: 0, cpu: -1, type: 'ct-something-new', change: {} }), /no fold for event type ct-something-new/);
});

test('the fixture covers drops, merges, clash entries, expiry and the 6.x TIME_WAIT eviction', () => {
  const types = new Set(fixture.runs.flatMap((r) => r.events.map((e) => e.type)));
  for (const t of ['packet-drop', 'ct-clash', 'ct-destroy', 'timer-fire', 'cpu-take', 'nat-packet']) assert.ok(types.has(t), t);
  const evictions = fixture.runs.flatMap((r) => r.events.filter((e) => e.type === 'nat-setup' && e.change.search?.evicted >= 0));
  assert.ok(evictions.length > 0, 'a nat-setup that evicts a TIME_WAIT entry');
  const resolutions = new Set(fixture.runs.flatMap((r) => r.events.filter((e) => e.type === 'ct-clash').map((e) => e.change.resolution)));
  assert.deepStrictEqual([...resolutions].sort(), ['CLASH_ENTRY', 'DROP', 'MERGED']);
});

test('a state handed out is a copy: folding on leaves it alone', () => {
  const run = fixture.runs[0];
  const folder = new Folder(run.cpus);
  let s = folder.state();
  for (const e of run.events.slice(0, 30)) {
    const before = JSON.stringify(s);
    folder.apply(e);
    assert.equal(JSON.stringify(s), before);
    s = folder.state();
  }
  assert.deepStrictEqual(s, fold(run.events, run.cpus, 29));
});

test('initialState has one empty slot per CPU', () => {
  assert.deepStrictEqual(initialState(3), {
    step: -1,
    t: 0,
    conntrack: [],
    counters: [{}, {}, {}],
    rovers: {},
    cpus: [null, null, null],
    packets: [],
    timers: [],
    flows: [],
    drops: [],
    walks: [null, null, null],
  });
});

test('a port walk is folded per CPU, ends on the port its SNAT step chose, and goes with the packet', () => {
  const walk = (seq, cpu, port, tries, taken) => portWalk(seq, cpu, { ct: 10 + cpu, firstPort: 32770, port, tries, taken });
  const events = [
    { seq: 0, t: 0, cpu: 0, type: 'cpu-take', packet: 1, change: { queued: 0 } },
    { seq: 1, t: 1, cpu: 1, type: 'cpu-take', packet: 2, change: { queued: 0 } },
    walk(2, 0, -1, 0, false),
    walk(3, 1, -1, 0, false),
    walk(4, 0, 32770, 1, true),
    walk(5, 1, 32770, 1, true),
    walk(6, 0, 32772, 2, false),
    walk(7, 1, 32772, 2, false),
    {
      seq: 8,
      t: 8,
      cpu: 0,
      type: 'nat-setup',
      packet: 1,
      change: { ct: { id: 10, reply: { src: '10.0.0.99', sport: 80, dst: '192.168.0.1', dport: 32772 } }, search: null },
    },
  ];
  const both = fold(events, 2, 7);
  assert.deepEqual(
    both.walks.map((w) => [w.base, w.port, w.taken, w.chosen]),
    [
      [32770, 32772, false, false],
      [32770, 32772, false, false],
    ],
  );
  const chosen = fold(events, 2, 8);
  assert.equal(chosen.walks[0].chosen, true);
  assert.equal(chosen.walks[0].port, 32772);
  const next = fold([...events, { seq: 9, t: 9, cpu: 0, type: 'cpu-take', packet: 5, change: { queued: 0 } }], 2);
  assert.equal(next.walks[0], null);
  assert.notEqual(next.walks[1], null);
});
