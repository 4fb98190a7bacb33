// Permalinks: the URL holds the scenario, every knob, the seed and the step, so that opening it
// restores that exact moment. Pure helpers over URLSearchParams.

export const KNOBS = ['scenario', 'kernel', 'mode', 'resolver', 'pods', 'rounds', 'sourcePort', 'cpus', 'endpoints', 'seed', 'mitigation', 'ndots'];

/** The run's query (knobs in a fixed order), as /api/simulate and the Lab take it. */
export function runQuery(params) {
  const q = new URLSearchParams();
  for (const k of KNOBS) if (params[k] !== undefined && params[k] !== null) q.set(k, String(params[k]));
  return q.toString();
}

/** The Lab URL for params at step, keeping view options (theme, motion, offline) of `current`. */
export function labUrl(params, step, current = '') {
  const q = new URLSearchParams(runQuery(params));
  if (step >= 0) q.set('step', String(step));
  const keep = new URLSearchParams(current);
  for (const k of ['theme', 'motion', 'offline', 'view']) if (keep.has(k)) q.set(k, keep.get(k));
  return `/?${q.toString()}`;
}

/** The step a URL asks for, or null. */
export function stepFrom(search) {
  const v = new URLSearchParams(search).get('step');
  if (v === null || !/^\d+$/.test(v)) return null;
  return Number(v);
}

/** The configuration that fixes the race of a run, for "What fixes this?". */
export function fixFor(params) {
  return fixesFor(params)[0];
}

/**
 * "What fixes this?": the same seed under the remedies for the scenario's race, each through the
 * model's mechanics: for the SNAT race, --random-fully and routable pod IPs (plus keep-alive in
 * free play); for the DNS races, NodeLocal DNSCache and the tc delay.
 */
export function fixesFor(params) {
  switch (params.scenario) {
    case 'snat-port-race':
      return [{ ...params, mode: 'random-fully' }, { ...params, mitigation: 'no-snat' }];
    case 'tcp-free-play':
      return [{ ...params, mode: 'random-fully' }, { ...params, mitigation: 'keep-alive' }];
    default:
      return [{ ...params, mitigation: 'nodelocal-dns' }, { ...params, mitigation: 'tc-delay' }];
  }
}
