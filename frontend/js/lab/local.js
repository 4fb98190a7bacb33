// @ts-check
// Local mode: a recorded run played in this browser (?offline, the offline replay file, and a
// run the server could not open a session for). Its events and beats crossed the wire once, in
// /api/simulate (or are in the file).

import { buildRun, fetchRunShowingWaits } from './run.js';
import { LocalSource } from './sources.js';

/**
 * Opens a run and plays it here.
 * @param {import('./view.js').LabView} view
 * @param {LabRunData} data the run (params, topology, rules)
 * @param {{events: TraceEvent[], beats: Beat[], idle?: Span[], warning?: string|null}|null} recorded the run's events and story, or null to fetch them
 * @param {string} why why it plays here rather than in a session (said on the page), or ''
 */
export async function playLocally(view, data, recorded = null, why = '') {
  view.close();
  view.setStatus('Loading the run…');
  let got;
  try {
    got = recorded ?? (await fetchRunShowingWaits(data.params, view));
  } catch (err) {
    view.showError(/** @type {any} */ (err), () => playLocally(view, data, recorded, why));
    return;
  }
  const run = buildRun(data, got.events, got.beats, got);
  const source = new LocalSource({
    events: run.events,
    cpus: run.topology.cpus,
    params: run.params,
    beats: run.beats,
    speed: view.speed(),
    idle: run.idle,
    step: view.mode === 'replay' && data.step !== undefined && view.pendingSeek === null ? data.step : -1,
  });
  view.setSource(view.mode === 'replay' ? 'offline replay' : 'played in this browser', source.kind);
  view.play(run, source);
  view.setStatus(why);
}
