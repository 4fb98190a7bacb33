import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Follow, CONNECTING, FOLLOWING, DETACHED, ENDED, audienceText, normalizeCode } from '../../js/session/follow.js';

const types = (effects) => effects.map((e) => e.type);

test('a follower connects, then follows the live stream', () => {
  const f = new Follow();
  assert.equal(f.state, CONNECTING);
  assert.deepStrictEqual(f.detach(), [], 'nothing to detach from before the stream says hello');
  assert.deepStrictEqual(f.hello('f1'), [{ type: 'show', view: 'live' }]);
  assert.equal(f.state, FOLLOWING);
  assert.equal(f.follower, 'f1');
});

test("detaching opens a copy at the presenter's current step and reports it", () => {
  const f = new Follow();
  f.hello('f1');
  f.live(12);
  f.live(13);
  assert.deepStrictEqual(f.detach(), [
    { type: 'copy', step: 13 },
    { type: 'show', view: 'copy' },
    { type: 'presence', detached: true },
  ]);
  assert.equal(f.state, DETACHED);
  assert.ok(f.detached);
  assert.deepStrictEqual(f.detach(), [], 'detaching twice does nothing');
});

test('the presenter moving on does not move a detached follower', () => {
  const f = new Follow();
  f.hello('f1');
  f.live(5);
  f.detach();
  assert.deepStrictEqual(f.live(9), []);
  assert.equal(f.liveStep, 9);
  assert.equal(f.state, DETACHED);
});

test('snapping back drops the copy, shows the live stream and reports it', () => {
  const f = new Follow();
  f.hello('f1');
  f.detach();
  assert.deepStrictEqual(f.snapBack(), [{ type: 'drop-copy' }, { type: 'show', view: 'live' }, { type: 'presence', detached: false }]);
  assert.equal(f.state, FOLLOWING);
  assert.deepStrictEqual(f.snapBack(), [], 'snapping back while following does nothing');
});

test('a time control while following detaches first, then applies to the copy only', () => {
  const f = new Follow();
  f.hello('f1');
  f.live(20);
  const effects = f.control('step');
  assert.deepStrictEqual(types(effects), ['copy', 'show', 'presence', 'control']);
  assert.deepStrictEqual(effects[0], { type: 'copy', step: 20 });
  assert.deepStrictEqual(effects.at(-1), { type: 'control', action: 'step', value: undefined });
  assert.deepStrictEqual(f.control('seek', 3), [{ type: 'control', action: 'seek', value: 3 }]);
  assert.deepStrictEqual(f.control('table'), [], 'view options are not time controls');
});

test('a time control before the stream is there, or after it ended, does nothing', () => {
  const f = new Follow();
  assert.deepStrictEqual(f.control('step'), []);
  f.hello('f1');
  f.ended();
  assert.equal(f.state, ENDED);
  assert.deepStrictEqual(f.control('step'), []);
});

test('a reconnect (new follower id) re-reports a detached follower', () => {
  const f = new Follow();
  f.hello('f1');
  f.detach();
  assert.deepStrictEqual(f.hello('f2'), [{ type: 'presence', detached: true }]);
  assert.equal(f.follower, 'f2');
  assert.equal(f.state, DETACHED);
});

test('a detached follower keeps the copy when the session ends', () => {
  const f = new Follow();
  f.hello('f1');
  f.detach();
  f.ended();
  assert.equal(f.state, DETACHED);
});

test('no presence is posted before the follower has an id', () => {
  const f = new Follow();
  f.state = FOLLOWING;
  assert.deepStrictEqual(types(f.detach()), ['copy', 'show']);
});

test('the audience in words, and codes as typed', () => {
  assert.equal(audienceText({ followers: 0, detached: 0 }), '0 following');
  assert.equal(audienceText({ followers: 1, detached: 0 }), '1 following');
  assert.equal(audienceText({ followers: 3, detached: 1 }), '3 following · 1 detached');
  assert.equal(audienceText(), '0 following');
  assert.equal(normalizeCode(' j3m-9ys '), 'J3M9YS');
  assert.equal(normalizeCode(null), '');
});
