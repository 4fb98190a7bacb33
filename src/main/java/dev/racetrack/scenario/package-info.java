/**
 * The scenario catalogue: each scenario builds a topology and a workload from its knobs
 * and seed. Race replays are set up through arrival times, CPU assignment and the seeded
 * DNAT choice, never by telling the model where to drop.
 */
package dev.racetrack.scenario;
