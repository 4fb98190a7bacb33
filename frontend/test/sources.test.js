import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LocalSource, SessionSource, Checkpoints, clampSpeed, EVENT_TYPES, BASE_STEP_MS } from '../js/sources.js';
import { Player } from '../js/player.js';
import { fold } from '../js/reducer.js';
import { deriveBeats } from '../js/beats.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/folder-parity.json', import.meta.url), 'utf8'));
const snat = fixture.runs.find((r) => r.query === 'scenario=snat-port-race');

/** A clock whose timers run only when the test says so. */
function fakeClock() {
  let now = 0;
  let seq = 0;
  const timers = new Map();
  return {
    setTimeout(fn, ms) { seq += 1; timers.set(seq, { fn, at: now + ms }); return seq; },
    clearTimeout(id) { timers.delete(id); },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const next = [...timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
        if (!next || next[1].at > until) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
      }
      now = until;
    },
    pending: () => timers.size,
  };
}

function recorder() {
  const log = [];
  return { log, listener: (kind, data) => log.push({ kind, data }) };
}

test('a local source starts with a snapshot before the first step', () => {
  const src = new LocalSource({ events: snat.events, cpus: 2, clock: fakeClock() });
  const r = recorder();
  src.start(r.listener);
  assert.equal(r.log[0].kind, 'snapshot');
  assert.equal(r.log[0].data.step, -1);
  assert.equal(r.log[0].data.total, snat.events.length);
  assert.deepStrictEqual(r.log[0].data.state, fold(snat.events, 2, -1));
});

test('playing paces one event per 800 ms at ×1 and pauses by itself at a beat', () => {
  const clock = fakeClock();
  const beats = [{ step: 3, text: 'here' }];
  const src = new LocalSource({ events: snat.events, cpus: 2, beats, clock });
  const r = recorder();
  src.start(r.listener);
  src.control('play');
  clock.advance(BASE_STEP_MS - 1);
  assert.equal(r.log.filter((m) => m.kind === 'event').length, 0);
  clock.advance(1);
  assert.equal(r.log.filter((m) => m.kind === 'event').length, 1);
  clock.advance(BASE_STEP_MS * 10);
  const events = r.log.filter((m) => m.kind === 'event');
  assert.equal(events.length, 4, 'stops after the beat at step 3');
  assert.deepStrictEqual(r.log.find((m) => m.kind === 'beat').data, beats[0]);
  assert.deepStrictEqual(r.log.at(-1), { kind: 'play-state', data: { playing: false, speed: 1, step: 3 } });
  assert.equal(clock.pending(), 0);
});

test('speed scales the pacing on a log scale from ×¼ to ×64', () => {
  const clock = fakeClock();
  const src = new LocalSource({ events: snat.events, cpus: 2, clock });
  const r = recorder();
  src.start(r.listener);
  src.control('speed', 64);
  src.control('play');
  clock.advance(BASE_STEP_MS);
  assert.equal(r.log.filter((m) => m.kind === 'event').length, 64);
  assert.equal(clampSpeed(1000), 64);
  assert.equal(clampSpeed(0.01), 0.25);
  assert.equal(clampSpeed('x'), 1);
});

test('step, back and seek: back and seek send a snapshot of the folded state', () => {
  const src = new LocalSource({ events: snat.events, cpus: 2, clock: fakeClock(), every: 16 });
  const r = recorder();
  src.start(r.listener);
  src.control('step');
  src.control('step');
  assert.deepStrictEqual(r.log.filter((m) => m.kind === 'event').map((m) => m.data.seq), [0, 1]);
  src.control('seek', 100);
  let snap = r.log.at(-1);
  assert.equal(snap.kind, 'snapshot');
  assert.deepStrictEqual(snap.data.state, fold(snat.events, 2, 100));
  src.control('back');
  snap = r.log.at(-1);
  assert.equal(snap.data.step, 99);
  assert.deepStrictEqual(snap.data.state, fold(snat.events, 2, 99));
  src.control('seek', 10_000);
  assert.equal(r.log.at(-1).data.step, snat.events.length - 1);
  src.control('seek', -5);
  assert.equal(r.log.at(-1).data.step, -1);
});

test('the end stops playback and a new play starts over', () => {
  const clock = fakeClock();
  const src = new LocalSource({ events: snat.events.slice(0, 5), cpus: 2, clock });
  const r = recorder();
  src.start(r.listener);
  src.control('play');
  clock.advance(BASE_STEP_MS * 10);
  assert.ok(r.log.some((m) => m.kind === 'end'));
  assert.equal(src.playing, false);
  src.control('play');
  assert.equal(r.log.filter((m) => m.kind === 'snapshot').at(-1).data.step, -1);
});

test('checkpoints give the same states as folding from the start', () => {
  const cp = new Checkpoints(snat.events, 2, 8);
  for (const s of [170, 3, 64, 65, 0, -1, 120]) assert.deepStrictEqual(cp.stateAt(s), fold(snat.events, 2, s), `step ${s}`);
});

test('the player folds events after a snapshot and keeps the previous state for the animation', () => {
  const src = new LocalSource({ events: snat.events, cpus: 2, clock: fakeClock() });
  let t = 0;
  const changes = [];
  const p = new Player({ source: src, now: () => (t += 10), onChange: (_, why) => changes.push(why) });
  p.start();
  p.control('seek', 25);
  p.control('step');
  p.control('step');
  assert.equal(p.step, 27);
  assert.deepStrictEqual(p.state, fold(snat.events, 2, 27));
  assert.deepStrictEqual(p.prevState, fold(snat.events, 2, 26));
  assert.equal(p.lastEvent.type, 'ct-clash');
  assert.deepStrictEqual(changes.slice(0, 2), ['snapshot', 'snapshot']);
});

class FakeEventSource {
  constructor(url) { this.url = url; this.listeners = new Map(); FakeEventSource.last = this; this.readyState = 1; }
  addEventListener(type, fn) { this.listeners.set(type, fn); }
  emit(type, data) { this.listeners.get(type)({ type, data: JSON.stringify(data) }); }
  close() { this.closed = true; }
}

test('a session source maps the stream to the same messages and posts controls with the token', async () => {
  const posts = [];
  const fetchImpl = async (url, init) => { posts.push({ url, init }); return { ok: true, status: 204 }; };
  const src = new SessionSource({ id: 'abc', token: 'tok', EventSourceImpl: FakeEventSource, fetchImpl });
  const r = recorder();
  src.start(r.listener);
  const es = FakeEventSource.last;
  assert.equal(es.url, '/api/sessions/abc/events');
  for (const type of EVENT_TYPES) assert.ok(es.listeners.has(type), type);
  es.emit('snapshot', { step: -1, t: 0, total: 3, playing: false, speed: 1, params: {}, state: fold([], 2) });
  es.emit('ct-new', snat.events[10]);
  es.emit('beat', { step: 10, text: 'b' });
  es.emit('play-state', { playing: true, speed: 2, step: 10 });
  es.listeners.get('end')({});
  assert.deepStrictEqual(r.log.map((m) => m.kind), ['snapshot', 'event', 'beat', 'play-state', 'end']);
  await src.control('seek', 27);
  assert.equal(posts[0].url, '/api/sessions/abc/control');
  assert.equal(posts[0].init.headers.Authorization, 'Bearer tok');
  assert.deepStrictEqual(JSON.parse(posts[0].init.body), { action: 'seek', value: 27 });
  await src.control('play');
  assert.deepStrictEqual(JSON.parse(posts[1].init.body), { action: 'play' });
  src.close();
  assert.ok(es.closed);
});

test('derived beats mark the race: two windows, the same reply tuple, the first confirm, the lost insert, the timer, the late flow', () => {
  const beats = deriveBeats(snat.events);
  assert.deepStrictEqual(beats.map((b) => snat.events[b.step].type), ['ct-new', 'nat-setup', 'ct-confirm', 'ct-clash', 'timer-fire', 'flow-done']);
  const fixed = fixture.runs.find((r) => r.query.includes('random-fully'));
  assert.ok(deriveBeats(fixed.events).every((b) => snat.events[b.step]?.type !== 'ct-clash'));
});
