// @ts-check
// Opening a run: the run a page carries (the knob bar's #run, or the offline file's
// #replay-data), its events and beats (GET /api/simulate, once), and what the Lab keeps of it
// to draw any step (checkpoints of the folded state, the annotator, the timeline's marks).

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
 * The offline file's run: params, topology, rules, replay, title, events, beats.
 * @param {Document} doc
 * @returns {LabRunData|null}
 */
export function readEmbedded(doc = document) {
  const holder = doc.getElementById('replay-data');
  return holder ? JSON.parse(holder.textContent ?? 'null') : null;
}

/**
 * A run's events and its guided beats, as /api/simulate gives them.
 * @param {Params} params
 * @returns {Promise<{events: TraceEvent[], beats: Beat[]}>}
 */
export async function fetchRun(params) {
  const res = await fetch(`/api/simulate?${runQuery(params)}`, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).detail ?? `HTTP ${res.status}`);
  const body = await res.json();
  return { events: body.events, beats: body.beats ?? [] };
}

/**
 * What the Lab keeps of a run to draw any of its steps.
 * @param {LabRunData} data
 * @param {TraceEvent[]} events
 * @param {Beat[]} beats
 * @returns {Run}
 */
export function buildRun(data, events, beats) {
  /** @type {Map<string, string>} */
  const podIps = new Map(data.topology.pods.map((/** @type {{ip: string, name: string}} */ p) => [p.ip, p.name]));
  return {
    params: data.params,
    topology: data.topology,
    rules: data.rules,
    rawRules: data.rawRules ?? [],
    replay: data.replay,
    events,
    beats,
    marks: markers(events, beats),
    checkpoints: new Checkpoints(events, data.topology.cpus),
    annotator: new Annotator(events, podIps),
    podIps,
  };
}
