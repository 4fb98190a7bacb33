package dev.racetrack.sim;

import java.util.List;

/**
 * How a DNS lookup is set up.
 *
 * @param kind the resolver
 * @param name the name looked up
 * @param ndots resolv.conf {@code ndots}
 * @param search the search domains
 * @param cpuA the CPU of the resolving thread (every query of a one-thread resolver
 * leaves from it), or {@code null} to steer by hash
 * @param cpuAaaa the CPU of the thread that sends AAAA with {@code two-threads}; in a
 * race replay, the CPU the first AAAA is pinned to; or {@code null}
 * @param pairGapNanos the gap between A and AAAA, or {@code null} for the timing model's
 * @param secondPacketDelayNanos a delay added to the second packet of a pair before it
 * enters the node (the tc-delay mitigation), or 0
 */
public record LookupOptions(ResolverKind kind, String name, int ndots, List<String> search, Integer cpuA,
		Integer cpuAaaa, Long pairGapNanos, long secondPacketDelayNanos) {
}
