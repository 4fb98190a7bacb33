package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How much the clash counters rose between two samples of the same node: the sum over
 * CPUs of each CPU's difference. A counter that went down on any CPU (a reboot, a module
 * reload, a 32-bit wrap) gets no rate; the CPU's line is reported instead.
 *
 * @param intervalSeconds seconds between the samples
 * @param deltas counter name to its rise over the interval, for the counters both samples
 * have and no CPU saw go down
 * @param mismatches lines of either sample that could not be compared
 * @param swapped every counter went down and none rose: the samples were given in the
 * wrong order, and the rates are computed the other way round (said plainly)
 */
public record CounterRates(int intervalSeconds, Map<String, Long> deltas, List<UnreadLine> mismatches,
		boolean swapped) {

	/** The counters whose rates are reported. */
	public static final List<String> COUNTERS = List.of(Counter.DROP, Counter.INSERT_FAILED, Counter.CLASH_RESOLVE,
			Counter.EARLY_DROP, Counter.CHAINTOOLONG);

	public CounterRates(int intervalSeconds, Map<String, Long> deltas, List<UnreadLine> mismatches) {
		this(intervalSeconds, deltas, mismatches, false);
	}

	public CounterRates {
		if (intervalSeconds < 1) {
			throw new IllegalArgumentException("intervalSeconds must be at least 1");
		}
		deltas = Collections.unmodifiableMap(new LinkedHashMap<>(deltas));
		mismatches = List.copyOf(mismatches);
	}

	/** The rise of a counter, when it could be computed. */
	public OptionalLong delta(String counter) {
		Long delta = this.deltas.get(counter);
		return (delta != null) ? OptionalLong.of(delta) : OptionalLong.empty();
	}

	/** A counter's rise per minute, when it could be computed. */
	public Optional<Double> perMinute(String counter) {
		OptionalLong delta = delta(counter);
		return delta.isPresent() ? Optional.of(delta.getAsLong() * 60.0 / this.intervalSeconds) : Optional.empty();
	}

	/**
	 * Compares two samples taken {@code intervalSeconds} apart; when every counter went
	 * down and none rose, the samples were swapped: compares them the other way round and
	 * says so.
	 */
	public static CounterRates compare(ConntrackStats earlier, ConntrackStats later, int intervalSeconds) {
		CounterRates forward = compareInOrder(earlier, later, intervalSeconds);
		if (!forward.mismatches().isEmpty() && forward.deltas().isEmpty() && wentDownOnly(earlier, later)) {
			CounterRates backward = compareInOrder(later, earlier, intervalSeconds);
			return new CounterRates(intervalSeconds, backward.deltas(), backward.mismatches(), true);
		}
		return forward;
	}

	/**
	 * Whether, on every CPU both samples have, no counter rose and some went down: the
	 * later sample is in fact the earlier one.
	 */
	private static boolean wentDownOnly(ConntrackStats earlier, ConntrackStats later) {
		List<String> counters = List.of(Counter.FOUND, Counter.INVALID, Counter.IGNORE, Counter.SEARCH_RESTART,
				Counter.DROP, Counter.INSERT_FAILED, Counter.CLASH_RESOLVE, Counter.EARLY_DROP, Counter.SEARCHED);
		boolean down = false;
		if (earlier.cpus().isEmpty() || later.cpus().isEmpty()) {
			for (String counter : counters) {
				if (earlier.has(counter) && later.has(counter)) {
					long delta = later.total(counter) - earlier.total(counter);
					if (delta > 0) {
						return false;
					}
					down |= delta < 0;
				}
			}
			return down;
		}
		for (CpuCounters after : later.cpus()) {
			Optional<CpuCounters> before = earlier.cpu(after.cpu());
			if (before.isEmpty()) {
				continue;
			}
			for (String counter : counters) {
				if (before.get().has(counter) && after.has(counter)) {
					long delta = after.get(counter) - before.get().get(counter);
					if (delta > 0) {
						return false;
					}
					down |= delta < 0;
				}
			}
		}
		return down;
	}

	private static CounterRates compareInOrder(ConntrackStats earlier, ConntrackStats later, int intervalSeconds) {
		if (earlier.cpus().isEmpty() || later.cpus().isEmpty()) {
			return compareTotals(earlier, later, intervalSeconds);
		}
		List<UnreadLine> mismatches = new ArrayList<>();
		Map<String, Long> sums = new LinkedHashMap<>();
		List<String> wentDown = new ArrayList<>();
		for (CpuCounters after : later.cpus()) {
			Optional<CpuCounters> before = earlier.cpu(after.cpu());
			if (before.isEmpty()) {
				mismatches.add(new UnreadLine(NodeSample.CONNTRACK_STATS_LATER, after.line(),
						"cpu " + after.cpu() + " is not in the first sample: left out of the rates"));
				continue;
			}
			List<String> down = addDifferences(before.get(), after, sums);
			if (!down.isEmpty()) {
				wentDown.addAll(down);
				mismatches.add(new UnreadLine(NodeSample.CONNTRACK_STATS_LATER, after.line(),
						"cpu " + after.cpu() + ": " + String.join(", ", down)
								+ ": the counters were reset (reboot or module reload?), "
								+ "so no rate is computed from them"));
			}
		}
		for (CpuCounters before : earlier.cpus()) {
			if (later.cpu(before.cpu()).isEmpty()) {
				mismatches.add(new UnreadLine(NodeSample.CONNTRACK_STATS, before.line(),
						"cpu " + before.cpu() + " is not in the later sample: left out of the rates"));
			}
		}
		wentDown.forEach((entry) -> sums.remove(entry.substring(0, entry.indexOf(' '))));
		return new CounterRates(intervalSeconds, sums, mismatches);
	}

	/** Adds one CPU's differences; returns the counters that went down. */
	private static List<String> addDifferences(CpuCounters before, CpuCounters after, Map<String, Long> sums) {
		List<String> down = new ArrayList<>();
		for (String counter : COUNTERS) {
			if (!before.has(counter) || !after.has(counter)) {
				continue;
			}
			long delta = after.get(counter) - before.get(counter);
			if (delta < 0) {
				down.add(counter + " went down from " + before.get(counter) + " to " + after.get(counter));
			}
			sums.merge(counter, delta, Long::sum);
		}
		return down;
	}

	private static CounterRates compareTotals(ConntrackStats earlier, ConntrackStats later, int intervalSeconds) {
		Map<String, Long> sums = new LinkedHashMap<>();
		List<String> down = new ArrayList<>();
		for (String counter : COUNTERS) {
			if (earlier.has(counter) && later.has(counter)) {
				long delta = later.total(counter) - earlier.total(counter);
				if (delta >= 0) {
					sums.put(counter, delta);
				}
				else {
					down.add(counter + " went down from " + earlier.total(counter) + " to " + later.total(counter));
				}
			}
		}
		List<UnreadLine> mismatches = down.isEmpty() ? List.of()
				: List.of(new UnreadLine(NodeSample.CONNTRACK_STATS_LATER, 1, String.join(", ", down)
						+ ": the counters were reset (reboot or module reload?), so no rate is computed from them"));
		return new CounterRates(intervalSeconds, sums, mismatches);
	}

}
