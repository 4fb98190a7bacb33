import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { LocalSource, Checkpoints } from '../../js/lab/sources.js';
import { SessionSource, WatchSource } from '../../js/session/sources.js';
import { Player } from '../../js/lab/player.js';
import { fold } from '../../js/lab/reducer.js';
import { useCatalogue, clampSpeed, stepDelay } from '../../js/lab/catalogue.js';

// The server's catalogue, written by the Java test LabCatalogueTests.
const catalogue = JSON.parse(readFileSync(new URL('./fixtures/catalogue.json', import.meta.url), 'utf8'));
useCatalogue(catalogue);

const fixture = JSON.parse(readFileSync(new URL('./fixtures/folder-parity.json', import.meta.url), 'utf8'));
const snat = fixture.runs.find((r) => r.query === 'scenario=snat-port-race');

/** A clock whose timers run only when the test says so. */
function fakeClock() {
  let now = 0;
  let seq = 0;
  const timers = new Map();
  return {
    setTimeout(fn, ms) {
      seq += 1;
      timers.set(seq, { fn, at: now + ms });
      return seq;
    },
    clearTimeout(id) {
      timers.delete(id);
    },
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

test('playing paces each step as the server does, by its type, and pauses by itself at a beat', () => {
  const clock = fakeClock();
  const beats = [{ step: 3, text: 'here' }];
  const src = new LocalSource({ events: snat.events, cpus: 2, beats, clock });
  const r = recorder();
  src.start(r.listener);
  src.control('play');
  const first = stepDelay(snat.events[0].type, 1);
  assert.equal(first, Math.round(catalogue.pacing.stepMillis * (catalogue.pacing.minor.includes(snat.events[0].type) ? catalogue.pacing.minorWeight : 1)));
  clock.advance(first - 1);
  assert.equal(r.log.filter((m) => m.kind === 'event').length, 0);
  clock.advance(1);
  assert.equal(r.log.filter((m) => m.kind === 'event').length, 1);
  clock.advance(catalogue.pacing.stepMillis * 10);
  const events = r.log.filter((m) => m.kind === 'event');
  assert.equal(events.length, 4, 'stops after the beat at step 3');
  assert.deepStrictEqual(r.log.find((m) => m.kind === 'beat').data, beats[0]);
  assert.deepStrictEqual(r.log.at(-1), { kind: 'play-state', data: { playing: false, speed: 1, step: 3 } });
  assert.equal(clock.pending(), 0);
});

test("the pacing is the catalogue's: minor steps are shorter, and no step is shorter than its floor", () => {
  const { stepMillis, minorWeight, minDelayMillis, minor } = catalogue.pacing;
  assert.ok(minor.includes('packet-hop') && !minor.includes('ct-clash'));
  assert.equal(stepDelay('ct-clash', 1), stepMillis);
  assert.equal(stepDelay('packet-hop', 1), Math.round(stepMillis * minorWeight));
  assert.equal(stepDelay('ct-clash', 2), Math.round(stepMillis / 2));
  assert.equal(stepDelay('packet-hop', 64), minDelayMillis);
});

test('speed scales the pacing on a log scale from ×¼ to ×64', () => {
  const clock = fakeClock();
  const src = new LocalSource({ events: snat.events, cpus: 2, clock });
  const r = recorder();
  src.start(r.listener);
  src.control('speed', 64);
  src.control('play');
  const first64 = snat.events.slice(0, 64).reduce((sum, e) => sum + stepDelay(e.type, 64), 0);
  clock.advance(first64);
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
  assert.deepStrictEqual(
    r.log.filter((m) => m.kind === 'event').map((m) => m.data.seq),
    [0, 1],
  );
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
  clock.advance(catalogue.pacing.stepMillis * 10);
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
  constructor(url) {
    this.url = url;
    this.listeners = new Map();
    FakeEventSource.last = this;
    this.readyState = 1;
  }
  addEventListener(type, fn) {
    this.listeners.set(type, fn);
  }
  emit(type, data) {
    this.listeners.get(type)({ type, data: JSON.stringify(data) });
  }
  close() {
    this.closed = true;
  }
}

test('a session source maps the stream to the same messages and posts controls with the token', async () => {
  const posts = [];
  const fetchImpl = async (url, init) => {
    posts.push({ url, init });
    return { ok: true, status: 204 };
  };
  const src = new SessionSource({ id: 'abc', token: 'tok', events: snat.events, EventSourceImpl: FakeEventSource, fetchImpl });
  const r = recorder();
  src.start(r.listener);
  const es = FakeEventSource.last;
  assert.equal(es.url, '/api/sessions/abc/events');
  es.emit('snapshot', { step: -1, t: 0, total: 3, playing: false, speed: 1, params: {}, state: fold([], 2) });
  es.emit('step', { step: 10 });
  es.emit('beat', { step: 10, text: 'b' });
  es.emit('play-state', { playing: true, speed: 2, step: 10 });
  es.listeners.get('end')({});
  assert.deepStrictEqual(
    r.log.map((m) => m.kind),
    ['snapshot', 'event', 'beat', 'play-state', 'end'],
  );
  assert.equal(r.log[1].data, snat.events[10], "the step's event is the one the page loaded, whatever its type");
  await src.control('seek', 27);
  assert.equal(posts[0].url, '/api/sessions/abc/control');
  assert.equal(posts[0].init.headers.Authorization, 'Bearer tok');
  assert.deepStrictEqual(JSON.parse(posts[0].init.body), { action: 'seek', value: 27 });
  await src.control('play');
  assert.deepStrictEqual(JSON.parse(posts[1].init.body), { action: 'play' });
  src.close();
  assert.ok(es.closed);
});

test("a step the page's run does not have is an error, not a silent skip", () => {
  const src = new SessionSource({ id: 'abc', token: 'tok', events: snat.events.slice(0, 5), EventSourceImpl: FakeEventSource });
  const r = recorder();
  src.start(r.listener);
  FakeEventSource.last.emit('step', { step: 7 });
  assert.deepStrictEqual(r.log, [{ kind: 'error', data: { message: 'step 7 is not in this run' } }]);
});

test("a follower's source reads the watch stream, passes on hello and audience, and never controls", async () => {
  const posts = [];
  const fetchImpl = async (url, init) => {
    posts.push({ url, init });
    return { ok: true, status: 200, json: async () => ({ followers: 1, detached: 1 }) };
  };
  const src = new WatchSource({ code: 'J3M9YS', events: snat.events, EventSourceImpl: FakeEventSource, fetchImpl });
  const r = recorder();
  src.start(r.listener);
  const es = FakeEventSource.last;
  assert.equal(es.url, '/api/watch/J3M9YS/events');
  assert.equal(src.kind, 'watch');
  es.emit('hello', { follower: 'f1', code: 'J3M9YS', session: 's' });
  es.emit('snapshot', { step: 4, t: 0, total: 3, playing: false, speed: 1, params: {}, state: fold([], 2) });
  es.emit('audience', { followers: 1, detached: 0 });
  es.emit('session-changed', { params: { scenario: 'dnat-race-1' } });
  assert.deepStrictEqual(
    r.log.map((m) => m.kind),
    ['hello', 'snapshot', 'audience', 'session-changed'],
  );
  await assert.rejects(src.control('step'), /cannot step/);
  assert.deepStrictEqual(await src.presence('f1', true), { followers: 1, detached: 1 });
  assert.equal(posts.length, 1);
  assert.equal(posts[0].url, '/api/watch/J3M9YS/presence');
  assert.deepStrictEqual(JSON.parse(posts[0].init.body), { follower: 'f1', detached: true });
});

test('the player passes notices on without changing its state', () => {
  const notices = [];
  const changes = [];
  const p = new Player({ source: { start() {}, close() {} }, onNotice: (k, d) => notices.push([k, d]), onChange: (_, why) => changes.push(why) });
  p.receive('audience', { followers: 2, detached: 1 });
  p.receive('hello', { follower: 'f' });
  assert.deepStrictEqual(notices, [
    ['audience', { followers: 2, detached: 1 }],
    ['hello', { follower: 'f' }],
  ]);
  assert.deepStrictEqual(changes, []);
  assert.equal(p.step, -1);
});

test("a local copy starts where it is told (a follower detaching at the presenter's step)", () => {
  const src = new LocalSource({ events: snat.events, cpus: 2, clock: fakeClock(), step: 27 });
  const r = recorder();
  src.start(r.listener);
  assert.equal(r.log[0].kind, 'snapshot');
  assert.equal(r.log[0].data.step, 27);
  assert.deepStrictEqual(r.log[0].data.state, fold(snat.events, 2, 27));
  src.control('step');
  assert.equal(r.log.at(-1).data.seq, 28);
  assert.equal(new LocalSource({ events: snat.events, cpus: 2, step: 1e9 }).cursor, snat.events.length - 1);
});
