package dev.racetrack.experiment;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.racetrack.scenario.RunParams;

/**
 * The aggregates of one configuration of an experiment.
 *
 * @param params the configuration, with the experiment's seed
 * @param trials the trials run
 * @param attempts connections or lookups started, over all trials
 * @param insertFailed {@code insert_failed} per attempt, with its 95 % interval
 * @param drops {@code drop} per attempt, with its 95 % interval
 * @param clashResolves {@code clash_resolve} per attempt, with its 95 % interval
 * @param unfinished attempts still pending when their run ended
 * @param p50Nanos the median latency ({@link LatencyHistogram#quantileNanos}), -1 if none
 * @param p99Nanos the 99th percentile
 * @param p999Nanos the 99.9th percentile
 * @param histogram the display buckets of the latencies, with a seed per bucket
 * @param representativeSeed the first trial seed with an insertion failure or a drop, or
 * else the first trial seed: the run to replay for this row
 * @param errors failed attempts (a connect given up, a lookup that failed) per attempt
 * @param perAttempt every {@code conntrack -S} counter per attempt ({@code found},
 * {@code invalid}, {@code insert_failed}, {@code drop}, {@code clash_resolve}, …), after
 * the warm-up
 * @param windows the rates per time window after the warm-up (sustained workloads)
 */
public record ConfigurationResult(RunParams params, long trials, long attempts, RateEstimate insertFailed,
		RateEstimate drops, RateEstimate clashResolves, long unfinished, long p50Nanos, long p99Nanos, long p999Nanos,
		List<LatencyHistogram.Bucket> histogram, long representativeSeed, RateEstimate errors,
		Map<String, RateEstimate> perAttempt, List<WindowRate> windows) {

	public ConfigurationResult {
		histogram = List.copyOf(histogram);
		perAttempt = Collections.unmodifiableMap(new LinkedHashMap<>(perAttempt));
		windows = List.copyOf(windows);
	}

	/**
	 * One time window, summed over the trials.
	 *
	 * @param fromNanos the window's start (simulated time of each trial)
	 * @param toNanos its end
	 * @param attempts attempts started in it
	 * @param errors of those, the ones that failed
	 * @param counters the growth of every {@code conntrack -S} counter in it
	 */
	public record WindowRate(long fromNanos, long toNanos, long attempts, long errors, Map<String, Long> counters) {

		/** Failed attempts per attempt in the window. */
		public double errorRate() {
			return (this.attempts == 0) ? 0 : (double) this.errors / this.attempts;
		}

		/** A counter's growth per attempt in the window. */
		public double perAttempt(String counter) {
			return (this.attempts == 0) ? 0 : (double) this.counters.getOrDefault(counter, 0L) / this.attempts;
		}

	}

}
