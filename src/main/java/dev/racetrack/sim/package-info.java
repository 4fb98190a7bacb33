/**
 * The deterministic discrete-event engine: a clock in nanoseconds, an event queue ordered
 * by (time, sequence), CPUs that take packets through the kernel hook steps, the node
 * topology, the clients (TCP connect, DNS resolvers) and the trace. One root seed; no
 * wall clock.
 */
package dev.racetrack.sim;
