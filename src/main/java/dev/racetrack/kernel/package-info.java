/**
 * The netfilter model: conntrack, NAT port selection, confirm and clash resolution, and
 * the iptables nat table, faithful version by version (4.17 to 6.x) to
 * {@code src/docs/netfilter-races.md}. Every class names the kernel function it models.
 * No Spring, Reactor or Jackson; no wall clock, threads or unseeded randomness.
 */
package dev.racetrack.kernel;
