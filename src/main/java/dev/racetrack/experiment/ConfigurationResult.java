package dev.racetrack.experiment;

import java.util.List;

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
 */
public record ConfigurationResult(RunParams params, long trials, long attempts, RateEstimate insertFailed,
		RateEstimate drops, RateEstimate clashResolves, long unfinished, long p50Nanos, long p99Nanos, long p999Nanos,
		List<LatencyHistogram.Bucket> histogram, long representativeSeed) {

	public ConfigurationResult {
		histogram = List.copyOf(histogram);
	}

}
