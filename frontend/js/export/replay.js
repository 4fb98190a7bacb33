// @ts-check
// The offline replay's entry module (GET /api/export/replay bundles it with what it imports):
// the run, its events and its beats are embedded in the file, and play here with no server.

import { LabView } from '../lab/view.js';
import { readEmbedded } from '../lab/run.js';
import { playLocally } from '../lab/local.js';
import { stepFrom } from '../lab/permalink.js';

const data = readEmbedded();
// The file opens at the step it was exported at, unless its address asks for another.
if (data) {
  const view = new LabView({ mode: 'replay' });
  view.pendingSeek = stepFrom(location.search);
  playLocally(view, data, { events: data.events ?? [], beats: data.beats ?? [] });
}
