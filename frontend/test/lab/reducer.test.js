import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fold, reduce, initialState, Folder } from '../../js/lab/reducer.js';

// Written by the Java test LabFolderParityTests from TraceFolder: events and the states TraceFolder
// folds at chosen steps. The reducer must give exactly the same states.
const fixture = JSON.parse(readFileSync(new URL('./fixtures/folder-parity.json', import.meta.url), 'utf8'));

for (const run of fixture.runs) {
  test(`reducer matches TraceFolder on ${run.query}`, () => {
    for (const { step, state } of run.states) {
      assert.deepStrictEqual(fold(run.events, run.cpus, step), state, `step ${step}`);
    }
  });

  test(`a folder resumed from a snapshot continues like TraceFolder on ${run.query}`, () => {
    const states = run.states.filter((s) => s.step >= 0);
    for (let i = 0; i + 1 < states.length; i++) {
      const folder = Folder.fromState(states[i].state);
      for (let k = states[i].step + 1; k <= states[i + 1].step; k++) folder.apply(run.events[k]);
      assert.deepStrictEqual(folder.state(), states[i + 1].state, `from ${states[i].step} to ${states[i + 1].step}`);
    }
  });
}

test('the fixture covers drops, merges, clash entries and expiry', () => {
  const types = new Set(fixture.runs.flatMap((r) => r.events.map((e) => e.type)));
  for (const t of ['packet-drop', 'ct-clash', 'ct-destroy', 'timer-fire', 'cpu-take', 'nat-packet']) assert.ok(types.has(t), t);
  const resolutions = new Set(fixture.runs.flatMap((r) => r.events.filter((e) => e.type === 'ct-clash').map((e) => e.change.resolution)));
  assert.deepStrictEqual([...resolutions].sort(), ['CLASH_ENTRY', 'DROP', 'MERGED']);
});

test('reduce is pure: it returns a new state and leaves its input alone', () => {
  const run = fixture.runs[0];
  let s = initialState(run.cpus);
  for (const e of run.events.slice(0, 30)) {
    const before = JSON.stringify(s);
    const next = reduce(s, e);
    assert.equal(JSON.stringify(s), before);
    s = next;
  }
  assert.deepStrictEqual(s, fold(run.events, run.cpus, 29));
});

test('initialState has one empty slot per CPU', () => {
  assert.deepStrictEqual(initialState(3), {
    step: -1, t: 0, conntrack: [], counters: [{}, {}, {}], rovers: {}, cpus: [null, null, null],
    packets: [], timers: [], flows: [], drops: [],
  });
});
