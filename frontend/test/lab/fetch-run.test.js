// fetchRun against a server that is busy: it waits as Retry-After says (a little longer each
// time, jittered) and asks again, up to BUSY_ATTEMPTS; other problems are shown at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fetchRun, fetchSummary, BUSY_ATTEMPTS, RunError } from '../../js/lab/run.js';
import { useCatalogue } from '../../js/lab/catalogue.js';

// The server's catalogue (written by LabCatalogueTests): the run's query names its knobs.
useCatalogue(JSON.parse(readFileSync(new URL('./fixtures/catalogue.json', import.meta.url), 'utf8')));

const params = { scenario: 'tcp-free-play', kernel: '4.17', mode: 'default', pods: 48, rounds: 20 };

/** A fake server answering with these statuses in turn (the last one for ever after). */
function server(statuses, retryAfter = '2', body = { events: [{ type: 'x' }], beats: [] }) {
  const asked = [];
  const fetchImpl = async (url) => {
    asked.push(url);
    const status = statuses[Math.min(asked.length - 1, statuses.length - 1)];
    return {
      status,
      ok: status === 200,
      headers: { get: (name) => (name === 'Retry-After' && status !== 200 ? retryAfter : null) },
      json: async () => (status === 200 ? body : { detail: 'busy', limit: 'downloads-per-client' }),
    };
  };
  return { asked, fetchImpl };
}

test('a busy server is asked again after its Retry-After, and the run comes', async () => {
  const { asked, fetchImpl } = server([429, 429, 503, 200]);
  const waits = [];
  const run = await fetchRun(params, { fetchImpl, sleep: async (ms) => waits.push(ms), random: () => 0.5 });
  assert.equal(asked.length, 4);
  assert.deepEqual(run.events, [{ type: 'x' }]);
  assert.equal(waits.length, 3);
  assert.ok(waits[0] >= 2000, `waits at least Retry-After: ${waits}`);
  assert.ok(waits[0] < waits[1] && waits[1] < waits[2], `a little longer each time: ${waits}`);
  assert.ok(
    waits.every((ms) => ms <= 10_000),
    `never more than 10 s: ${waits}`,
  );
});

test('pages of one room do not ask again in step', async () => {
  const a = [];
  const b = [];
  await fetchRun(params, { ...server([429, 200]), sleep: async (ms) => a.push(ms), random: () => 0 });
  await fetchRun(params, { ...server([429, 200]), sleep: async (ms) => b.push(ms), random: () => 0.99 });
  assert.notEqual(a[0], b[0]);
});

test('a server busy for ever is shown as busy after BUSY_ATTEMPTS', async () => {
  const { asked, fetchImpl } = server([429]);
  await assert.rejects(
    fetchRun(params, { fetchImpl, sleep: async () => {} }),
    (err) => err instanceof RunError && err.retry === true && /busy/.test(err.message),
  );
  assert.equal(asked.length, BUSY_ATTEMPTS);
});

test('a refused parameter is shown at once, not asked again', async () => {
  const { asked, fetchImpl } = server([400]);
  await assert.rejects(fetchRun(params, { fetchImpl, sleep: async () => assert.fail('no wait for a 400') }), RunError);
  assert.equal(asked.length, 1);
});

test('a summary (events=false) is asked again while the server is busy, as a run is', async () => {
  const { asked, fetchImpl } = server([429, 200], '1', { summary: { counters: { drop: 1 }, flows: [] } });
  const waits = [];
  const summary = await fetchSummary(params, { fetchImpl, sleep: async (ms) => waits.push(ms), random: () => 0.5 });
  assert.deepEqual(summary, { counters: { drop: 1 }, flows: [] });
  assert.equal(asked.length, 2);
  assert.ok(
    asked.every((url) => url.endsWith('&events=false')),
    `${asked}`,
  );
  assert.equal(waits.length, 1);
  assert.ok(waits[0] >= 1000, `waits at least Retry-After: ${waits}`);
});
