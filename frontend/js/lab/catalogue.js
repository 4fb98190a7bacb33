// @ts-check
// The catalogue the server sends (dev.racetrack.web.lab.LabCatalogue): the knobs and their
// values, the scenarios with their defaults and remedies, the kernels' and resolvers' timers,
// every event type and the pacing. Pages embed it as <script type="application/json"
// id="catalogue">; GET /api/catalogue serves the same. The browser keeps no copy of its own.

/** @type {Catalogue|null} */
let current = null;

/** The page's catalogue (read once). */
export function catalogue() {
  if (!current) {
    const holder = globalThis.document?.getElementById('catalogue');
    if (!holder) throw new Error('this page carries no catalogue (#catalogue)');
    current = /** @type {Catalogue} */ (JSON.parse(holder.textContent ?? 'null'));
  }
  return /** @type {Catalogue} */ (current);
}

/**
 * Uses this catalogue instead of the page's (node tests pass the server's, from a fixture).
 * @param {Catalogue} c
 */
export function useCatalogue(c) {
  current = c;
}

/** The run parameters' names, in the order of a run's query. */
export function knobNames() {
  return catalogue().knobs.map((k) => k.name);
}

/**
 * A scenario of the catalogue, or undefined.
 * @param {string} id
 */
export function scenarioOf(id) {
  return catalogue().scenarios.find((s) => s.id === id);
}

/**
 * The wall time before a step of this type is shown at this speed: the server's pacing
 * (dev.racetrack.web.lab.Pacing), with its numbers. An idle step of a race replay (the
 * teardown: /api/simulate's `idle`) goes by quickly, so that play reaches the next beat.
 * @param {string} type
 * @param {number} speed
 * @param {boolean} idle
 */
export function stepDelay(type, speed, idle = false) {
  const p = catalogue().pacing;
  if (idle) return Math.max(p.minDelayMillis, Math.round((p.idleMillis ?? p.minDelayMillis) / speed));
  const weight = p.minor.includes(type) ? p.minorWeight : 1;
  return Math.max(p.minDelayMillis, Math.round((p.stepMillis * weight) / speed));
}

/** The speeds a player offers, slowest first. */
export function speeds() {
  return catalogue().pacing.speeds;
}

/**
 * A speed within the catalogue's bounds (1 when it is not a number).
 * @param {unknown} x
 */
export function clampSpeed(x) {
  const v = Number(x);
  if (!Number.isFinite(v)) return 1;
  const s = speeds();
  return Math.min(s[s.length - 1], Math.max(s[0], v));
}
