// @ts-check
// Compare's core: where two runs of one seed first differ. Pure.

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

/** A short description of a run's parameters that differ from the first run's. */
export function differences(params, base) {
  const out = [];
  for (const k of Object.keys(params)) if (params[k] !== base[k]) out.push(`${k} ${params[k]}`);
  return out.length ? out.join(' · ') : 'baseline';
}
