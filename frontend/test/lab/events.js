// Trace events for the node tests, shaped as the server sends them (dev.racetrack.sim.TraceEvent
// with a Change.PortWalk): one builder, so the tests that fold port searches write them alike.

/**
 * A `port-walk` step: CPU `cpu` tests `port` (-1 at the start) of entry `ct`'s search from
 * `firstPort`, its `tries`-th candidate, found `taken` or free.
 * @param {number} seq
 * @param {number} cpu
 * @param {{ct: number, firstPort: number, port: number, tries: number, taken: boolean, offsetSource?: string, roverBefore?: number, packet?: number}} walk
 */
export function portWalk(seq, cpu, { ct, firstPort, port, tries, taken, offsetSource = 'rover', roverBefore = firstPort - 1, packet = 1 + cpu }) {
  return { seq, t: seq, cpu, type: 'port-walk', packet, change: { ct, proto: 'tcp', firstPort, port, tries, taken, offsetSource, roverBefore } };
}
