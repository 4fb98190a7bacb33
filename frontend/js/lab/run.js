// @ts-check
// Opening a run: the run a page carries (the knob bar's #run, or the offline file's
// #replay-data), its events and story (GET /api/simulate, once: the beats, the idle stretches
// and the warning when the knobs took the race away), and what the Lab keeps of it to draw any
// step (checkpoints of the folded state, the annotator, the timeline's marks).

import { runQuery } from './permalink.js';
import { Annotator, markers } from './annotate.js';
import { Checkpoints } from './sources.js';

/**
 * The run the knob bar describes (params, topology, rules, replay), with the knob bar's error.
 * @param {Document} doc
 * @returns {LabRunData|null}
 */
export function readRun(doc = document) {
  const holder = doc.getElementById('run');
  if (!holder) return null;
  const data = JSON.parse(holder.getAttribute('data-run') ?? 'null');
  data.error = holder.getAttribute('data-error');
  return data;
}

/**
 * The offline file's run: params, topology, rules, replay, title, events, beats, idle, step.
 * @param {Document} doc
 * @returns {LabRunData|null}
 */
export function readEmbedded(doc = document) {
  const holder = doc.getElementById('replay-data');
  return holder ? JSON.parse(holder.textContent ?? 'null') : null;
}

/** A run the server refused or could not give, said in the user's words. */
export class RunError extends Error {
  /**
   * @param {string} message what happened and what to do
   * @param {boolean} retry whether trying again may help
   */
  constructor(message, retry) {
    super(message);
    this.retry = retry;
  }
}

/**
 * What the Lab says when /api/simulate answers with a problem: the server names the parameter
 * or the limit; the page says what to do about it.
 * @param {number} status
 * @param {any} problem the application/problem+json body (or {})
 */
export function runProblem(status, problem) {
  const p = problem ?? {};
  if (status === 400 && p.parameter === 'events') {
    return new RunError(
      'This run is too large to replay step by step. Lower pods or rounds (or open Experiments, which counts the races of large runs without replaying them).',
      false,
    );
  }
  if (status === 400 && p.parameter) return new RunError(`The ${p.parameter} setting cannot be used: ${p.detail ?? 'check its value'}`, false);
  if (status === 429) return new RunError('The server is busy with other runs right now. Wait a moment, then try again.', true);
  if (status >= 500) return new RunError('The server could not compute this run. Try again; if it fails again, reload the page.', true);
  return new RunError(p.detail ?? `The server answered ${status}.`, status >= 500);
}

/** What a page says while it waits for a busy server. */
export const BUSY_STATUS = 'The server is busy (other pages may be loading the same run): waiting for it…';

/** How many times a run the server is too busy for (429, 503) is asked for, at most. */
export const BUSY_ATTEMPTS = 12;

/**
 * A run's events and its story, as /api/simulate gives them. When the server is busy (429: a
 * room behind one address downloading the same run, every computation slot taken; 503: memory
 * nearly full) the page waits as its Retry-After says, a little longer each time and never in
 * step with the room's other pages, and asks again: a class opening a large run together gets
 * it in waves rather than an error on most screens. After BUSY_ATTEMPTS the problem is shown.
 * @param {Params} params
 * @param {{fetchImpl?: typeof fetch, sleep?: (ms: number) => Promise<void>, random?: () => number, onWait?: (attempt: number, ms: number) => void}} [options]
 * @returns {Promise<{events: TraceEvent[], beats: Beat[], idle: Span[], warning: string|null}>}
 */
export async function fetchRun(params, options = {}) {
  const body = await askWhileBusy(`/api/simulate?${runQuery(params)}`, options);
  return { events: body.events, beats: body.beats ?? [], idle: body.idle ?? [], warning: body.warning ?? null };
}

/**
 * A run's summary alone (/api/simulate with events=false: its counters and flows), asked again
 * while the server is busy as fetchRun does: the Compare page of a room behind one address asks
 * for the same summaries at once.
 * @param {Params} params
 * @param {{fetchImpl?: typeof fetch, sleep?: (ms: number) => Promise<void>, random?: () => number, onWait?: (attempt: number, ms: number) => void}} [options]
 * @returns {Promise<any>}
 */
export async function fetchSummary(params, options = {}) {
  return (await askWhileBusy(`/api/simulate?${runQuery(params)}&events=false`, options)).summary;
}

/**
 * GETs a JSON answer; while the server answers 429 or 503 (up to BUSY_ATTEMPTS), waits as its
 * Retry-After says, a little longer each time and jittered, and asks again.
 * @param {string} url
 * @param {{fetchImpl?: typeof fetch, sleep?: (ms: number) => Promise<void>, random?: () => number, onWait?: (attempt: number, ms: number) => void}} options
 * @returns {Promise<any>}
 */
async function askWhileBusy(url, { fetchImpl = globalThis.fetch?.bind(globalThis), sleep = wait, random = Math.random, onWait }) {
  for (let attempt = 1; ; attempt++) {
    let res;
    try {
      res = await fetchImpl(url, { headers: { Accept: 'application/json' } });
    } catch {
      throw new RunError('The Racetrack server cannot be reached. Check that it is still running, then try again.', true);
    }
    if ((res.status === 429 || res.status === 503) && attempt < BUSY_ATTEMPTS) {
      const after = Number(res.headers?.get?.('Retry-After'));
      const base = (Number.isFinite(after) && after > 0 ? after : 2) * 1000;
      const ms = Math.round(Math.min(base * (1 + attempt / 4), 10_000) * (0.75 + random() / 2));
      onWait?.(attempt, ms);
      await sleep(ms);
      continue;
    }
    if (!res.ok) throw runProblem(res.status, await res.json().catch(() => ({})));
    return res.json();
  }
}

/**
 * fetchRun for a page: while the server is busy, its status line says so (BUSY_STATUS).
 * @param {Params} params
 * @param {{setStatus: (text: string) => void}} view
 */
export function fetchRunShowingWaits(params, view) {
  return fetchRun(params, { onWait: () => view.setStatus(BUSY_STATUS) });
}

/** @param {number} ms */
function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Which hosts a run talks to: the server (TCP), kube-dns (DNS), from its packets.
 * @param {TraceEvent[]} events
 * @param {any} topology
 */
export function remoteOf(events, topology) {
  let server = false;
  let dns = false;
  const dnsIps = new Set([topology.dns.clusterIp, ...topology.dns.endpoints.map((/** @type {{ip: string}} */ e) => e.ip)]);
  for (const e of events) {
    if (e.type !== 'packet-sent') continue;
    const t = e.change?.packet?.tuple;
    if (!t) continue;
    if (t.dst === topology.server.ip || t.src === topology.server.ip) server = true;
    if (dnsIps.has(t.dst) || dnsIps.has(t.src)) dns = true;
    if (server && dns) break;
  }
  return server || dns ? { server, dns } : { server: true, dns: true };
}

/**
 * What the Lab keeps of a run to draw any of its steps.
 * @param {LabRunData} data
 * @param {TraceEvent[]} events
 * @param {Beat[]} beats
 * @param {{idle?: Span[], warning?: string|null}} story
 * @returns {Run}
 */
export function buildRun(data, events, beats, story = {}) {
  /** @type {Map<string, string>} */
  const podIps = new Map(data.topology.pods.map((/** @type {{ip: string, name: string}} */ p) => [p.ip, p.name]));
  const spans = story.idle ?? [];
  return {
    params: data.params,
    topology: data.topology,
    rules: data.rules,
    rawRules: data.rawRules ?? [],
    replay: data.replay,
    events,
    beats,
    idle: (step) => spans.some((s) => s.from <= step && step <= s.to),
    warning: story.warning ?? null,
    remote: remoteOf(events, data.topology),
    marks: markers(events, beats),
    checkpoints: new Checkpoints(events, data.topology.cpus),
    annotator: new Annotator(events, podIps),
    podIps,
  };
}
