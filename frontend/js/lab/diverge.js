// @ts-check
// Compare's core: where two runs of one seed first differ, and what to call each run. Pure.

/** The identity of a step for comparison: what happened, where, to which packet, and the caption. */
export function stepKey(e) {
  return e ? `${e.type}|${e.cpu}|${e.packet}|${e.text}` : 'end';
}

/** The first step index at which the runs differ, or -1 when they are identical. */
export function firstDivergence(runs) {
  const longest = Math.max(...runs.map((r) => r.length));
  for (let i = 0; i < longest; i++) {
    const k = stepKey(runs[0][i]);
    if (runs.some((r) => stepKey(r[i]) !== k)) return i;
  }
  return -1;
}

/**
 * The knobs whose values differ between the runs, in the order of `names`.
 * @param {Record<string, any>[]} params
 * @param {string[]} names
 */
export function differingKnobs(params, names) {
  return names.filter((n) => params.some((p) => String(p[n]) !== String(params[0][n])));
}

/**
 * Each run named by what differs: "mode default", "mode random-fully" (never "baseline").
 * @param {Record<string, any>[]} params
 * @param {string[]} names the knobs, in the catalogue's order
 */
export function columnNames(params, names) {
  const knobs = differingKnobs(params, names);
  if (!knobs.length) return params.map(() => 'the same settings');
  // The first run by every knob that differs anywhere; each other run by what it changes.
  return params.map((p, i) => (i === 0 ? knobs : knobs.filter((k) => String(p[k]) !== String(params[0][k]))).map((k) => `${k} ${p[k]}`).join(' · '));
}

/**
 * What the runs share, for the page's title: "SNAT port race · kernel 4.17 · seed 1".
 * @param {Record<string, any>} p the first run's params
 * @param {string[]} differing
 * @param {string} title the scenario's title
 */
export function sharedTitle(p, differing, title) {
  const parts = [title];
  for (const k of ['kernel', 'mode', 'seed']) if (!differing.includes(k)) parts.push(`${k} ${p[k]}`);
  return parts.join(' · ');
}

/** A short description of a run's parameters that differ from the first run's. */
export function differences(params, base) {
  const out = [];
  for (const k of Object.keys(params)) if (params[k] !== base[k]) out.push(`${k} ${params[k]}`);
  return out.length ? out.join(' · ') : 'the same settings';
}
