import { test } from 'node:test';
import assert from 'node:assert/strict';
import { walkDetails } from '../../js/lab/render/scene.js';

const w = (port, taken, chosen = false) => ({ ct: 1, proto: 'tcp', base: 32770, port, tries: 2, taken, offsetSource: 'rover', roverBefore: 32769, chosen });

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
