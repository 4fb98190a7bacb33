package dev.racetrack.experiment;

import java.util.List;
import java.util.Map;

/**
 * What one trial amounts to: its counters and the latency of every attempt that ended.
 *
 * @param index the trial's position in the plan
 * @param configuration the configuration's position in the plan
 * @param seed the trial's seed (replays the run in the Lab)
 * @param attempts connections ({@code tcp-free-play}) or lookups ({@code dns-free-play})
 * started
 * @param insertFailed {@code insert_failed} over all CPUs
 * @param drops {@code drop} over all CPUs
 * @param clashResolves {@code clash_resolve} over all CPUs (6.x)
 * @param unfinished attempts still pending when the run ended (left out of the latencies)
 * @param latenciesNanos the latency of each attempt that ended, in start order (not
 * copied: do not change it)
 * @param errors attempts that failed (a connect given up, a lookup that failed)
 * @param counters every {@code conntrack -S} counter over all CPUs, after the warm-up
 * @param windows the same per time window after the warm-up (sustained workloads; else
 * empty)
 */
public record TrialResult(int index, int configuration, long seed, int attempts, long insertFailed, long drops,
		long clashResolves, int unfinished, long[] latenciesNanos, int errors, Map<String, Long> counters,
		List<Window> windows) {

	/**
	 * One time window of a sustained run.
	 *
	 * @param fromNanos the window's start, simulated time
	 * @param toNanos its end
	 * @param attempts attempts started in it
	 * @param errors of those, the ones that failed
	 * @param counters the {@code conntrack -S} counters' growth in it
	 */
	public record Window(long fromNanos, long toNanos, int attempts, int errors, Map<String, Long> counters) {
	}

	public TrialResult {
		if (attempts < 0 || unfinished < 0 || unfinished > attempts || latenciesNanos.length != attempts - unfinished) {
			throw new IllegalArgumentException("attempts, unfinished and latencies disagree");
		}
		if (insertFailed < 0 || drops < 0 || clashResolves < 0 || errors < 0) {
			throw new IllegalArgumentException("counters are never negative");
		}
	}

}
