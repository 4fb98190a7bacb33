package dev.racetrack.sim;

import java.util.List;
import java.util.Map;

import dev.racetrack.sim.Views.FlowView;

/**
 * What a run amounts to: the conntrack statistics (totals and per CPU, under their
 * {@code conntrack -S} names) and every client flow with its outcome and latency.
 *
 * @param counters totals over all CPUs
 * @param perCpu the same per CPU
 * @param flows every flow, in start order
 * @param endNanos the simulated time when the run ended
 */
public record RunSummary(Map<String, Long> counters, List<Map<String, Long>> perCpu, List<FlowView> flows,
		long endNanos) {

	static RunSummary of(NodeRun run) {
		var stats = run.node().netfilter().stats();
		return new RunSummary(stats.totals(), stats.perCpu(), run.flows().stream().map(Flow::view).toList(),
				run.sim().now());
	}

}
