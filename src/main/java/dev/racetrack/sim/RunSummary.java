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
		return of(run, run.flows().stream().map(Flow::view).toList());
	}

	/**
	 * The summary with an empty list of flows, for a writer that lists them as it sends
	 * them ({@link #flowViews}): a run of 128,000 flows is ≈19 MB of JSON.
	 */
	public static RunSummary withoutFlows(NodeRun run) {
		return of(run, List.of());
	}

	/** The run's flows as they are summarised, each made when it is read. */
	public static List<FlowView> flowViews(NodeRun run) {
		List<Flow> flows = run.flows();
		return new java.util.AbstractList<>() {

			@Override
			public FlowView get(int index) {
				return flows.get(index).view();
			}

			@Override
			public int size() {
				return flows.size();
			}

		};
	}

	private static RunSummary of(NodeRun run, List<FlowView> flows) {
		var stats = run.node().netfilter().stats();
		return new RunSummary(stats.totals(), stats.perCpu(), flows, run.sim().now());
	}

}
