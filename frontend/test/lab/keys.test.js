import { test } from 'node:test';
import assert from 'node:assert/strict';
import { actionFor, keysFor, KEYS } from '../../js/lab/keys.js';

const key = (k, mods = {}) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...mods });

test('clicker keys step, and the classroom keys join, detach and snap back', () => {
  assert.equal(actionFor(key('PageDown')), 'step');
  assert.equal(actionFor(key('PageUp')), 'back');
  assert.equal(actionFor(key('j')), 'join');
  assert.equal(actionFor(key('D')), 'detach');
  assert.equal(actionFor(key('s')), 'snap');
  assert.equal(actionFor(key('s', { ctrlKey: true })), null, 'Ctrl+S saves the page, as ever');
});

test('each page lists only the keys that work on it', () => {
  const actions = (mode) => keysFor(mode).map((k) => k.action);
  assert.ok(actions('lab').includes('join'));
  assert.ok(!actions('lab').includes('snap'));
  assert.ok(actions('watch').includes('detach') && actions('watch').includes('snap'));
  assert.ok(!actions('watch').includes('join'));
  assert.ok(!actions('replay').includes('join') && !actions('replay').includes('snap'));
  assert.equal(keysFor('replay').length, KEYS.filter((k) => !k.modes).length);
});
