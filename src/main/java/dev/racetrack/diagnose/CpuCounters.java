package dev.racetrack.diagnose;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The conntrack statistics of one CPU, as read from one line.
 *
 * @param cpu the CPU number ({@code cpu=N}, or the row's position in /proc)
 * @param line the 1-based line it was read from
 * @param counters counter name ({@link Counter}) to value, in the order printed
 */
public record CpuCounters(int cpu, int line, Map<String, Long> counters) {

	public CpuCounters {
		counters = Collections.unmodifiableMap(new LinkedHashMap<>(counters));
	}

	/** A counter's value, 0 when this line does not have it. */
	public long get(String counter) {
		return this.counters.getOrDefault(counter, 0L);
	}

	public boolean has(String counter) {
		return this.counters.containsKey(counter);
	}

}
