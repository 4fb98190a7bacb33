// @ts-check
// Local mode: a recorded run played in this browser (?offline, the offline replay file, and a
// run the server could not open a session for). Its events and beats crossed the wire once, in
// /api/simulate (or are in the file).

import { buildRun, fetchRun } from './run.js';
import { LocalSource } from './sources.js';

/**
 * Opens a run and plays it here.
 * @param {import('./view.js').LabView} view
 * @param {LabRunData} data the run (params, topology, rules)
 * @param {{events: TraceEvent[], beats: Beat[]}|null} recorded the run's events and beats, or null to fetch them
 */
export async function playLocally(view, data, recorded = null) {
  view.close();
  view.setStatus('Loading the run…');
  let got;
  try {
    got = recorded ?? (await fetchRun(data.params));
  } catch (err) {
    view.setStatus(`This run cannot be shown: ${/** @type {Error} */ (err).message}`);
    return;
  }
  const run = buildRun(data, got.events, got.beats);
  const source = new LocalSource({ events: run.events, cpus: run.topology.cpus, params: run.params, beats: run.beats, speed: view.speed() });
  view.setSource(view.mode === 'replay' ? 'offline replay' : 'played in this browser', source.kind);
  view.play(run, source);
  view.setStatus('');
}
