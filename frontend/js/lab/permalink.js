// @ts-check
// Permalinks: the URL holds the scenario, every knob, the seed and the step, so that opening it
// restores that exact moment. The knobs and their order are the catalogue's.

import { knobNames, scenarioOf } from './catalogue.js';

/** View options a permalink keeps (the page's, not the run's). */
const VIEW_OPTIONS = ['theme', 'motion', 'offline', 'view'];

/**
 * The run's query (knobs in the catalogue's order), as /api/simulate and the Lab take it.
 * @param {Params} params
 */
export function runQuery(params) {
  const q = new URLSearchParams();
  for (const k of knobNames()) if (params[k] !== undefined && params[k] !== null) q.set(k, String(params[k]));
  return q.toString();
}

/**
 * The Lab URL for params at step, keeping view options (theme, motion, offline) of `current`.
 * @param {Params} params
 * @param {number} step
 * @param {string} current
 */
export function labUrl(params, step, current = '') {
  const q = new URLSearchParams(runQuery(params));
  if (step >= 0) q.set('step', String(step));
  const keep = new URLSearchParams(current);
  for (const k of VIEW_OPTIONS) if (keep.has(k)) q.set(k, /** @type {string} */ (keep.get(k)));
  return `/?${q.toString()}`;
}

/**
 * The step a URL asks for ('drop': the run's first drop), or null.
 * @param {string} search
 * @returns {number|'drop'|null}
 */
export function stepFrom(search) {
  const v = new URLSearchParams(search).get('step');
  if (v === 'drop') return 'drop';
  if (v === null || !/^\d+$/.test(v)) return null;
  return Number(v);
}

/**
 * "What fixes this?": the same run under each remedy the catalogue names for its scenario.
 * @param {Params} params
 * @returns {Params[]}
 */
export function fixesFor(params) {
  const remedies = scenarioOf(String(params.scenario))?.remedies ?? [];
  return remedies.map((r) => ({ ...params, ...r }));
}
