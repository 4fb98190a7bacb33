// @ts-check
// Formatting helpers shared by the Lab, Compare and Experiments pages. Pure functions.

/**
 * Formats a simulated time in nanoseconds as seconds with digits grouped by three,
 * e.g. 1000021300 -> "1.000 021 3 s", so that microseconds stay readable on a projector.
 */
export function formatSimTime(ns) {
  if (!Number.isFinite(ns) || ns < 0) return '–';
  const whole = Math.floor(ns / 1e9);
  const frac = String(Math.round(ns % 1e9))
    .padStart(9, '0')
    .replace(/0+$/, '');
  if (frac.length === 0) return `${whole} s`;
  const groups = frac.match(/.{1,3}/g);
  return `${whole}.${groups.join('\u2009')} s`;
}

/** Formats a duration in nanoseconds with the largest sensible unit: "1.25 s", "340 µs", "80 ns". */
export function formatDuration(ns) {
  if (!Number.isFinite(ns)) return '–';
  const abs = Math.abs(ns);
  if (abs >= 1e9) return `${trim(ns / 1e9)} s`;
  if (abs >= 1e6) return `${trim(ns / 1e6)} ms`;
  if (abs >= 1e3) return `${trim(ns / 1e3)} µs`;
  return `${Math.round(ns)} ns`;
}

function trim(x) {
  return Number(x.toFixed(x >= 100 ? 0 : x >= 10 ? 1 : 2)).toString();
}
