import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSimTime, formatDuration } from '../../js/shared/format.js';

test('formatSimTime groups the fraction by three digits', () => {
  assert.equal(formatSimTime(1_000_021_300), '1.000\u2009021\u20093 s');
  assert.equal(formatSimTime(0), '0 s');
  assert.equal(formatSimTime(2_500_000_000), '2.5 s');
});

test('formatSimTime rejects what is not a time', () => {
  assert.equal(formatSimTime(-1), '–');
  assert.equal(formatSimTime(Number.NaN), '–');
});

test('formatDuration picks the largest unit', () => {
  assert.equal(formatDuration(1_250_000_000), '1.25 s');
  assert.equal(formatDuration(340_000), '340 µs');
  assert.equal(formatDuration(80), '80 ns');
  assert.equal(formatDuration(5_000_000_000), '5 s');
});
