package dev.racetrack.experiment;

import java.util.ArrayList;
import java.util.List;

import dev.racetrack.scenario.RunParams;

/**
 * Folds the results of a plan's trials, strictly in trial-index order, into one
 * {@link ConfigurationResult} per configuration. Whoever runs the trials, on however many
 * threads, hands the results over in index order (a result out of order is refused), so
 * every sum is taken in the same order and the numbers are the same to the last bit.
 *
 * <p>
 * Not thread-safe: one caller folds, one result at a time.
 */
public final class ExperimentAggregator {

	private final ExperimentPlan plan;

	private final Accumulator[] accumulators;

	private int next;

	public ExperimentAggregator(ExperimentPlan plan) {
		this.plan = plan;
		this.accumulators = new Accumulator[plan.configurations().size()];
		for (int c = 0; c < this.accumulators.length; c++) {
			this.accumulators[c] = new Accumulator();
		}
	}

	/** Folds the next result; it must be that of trial {@link #done()}. */
	public void accept(TrialResult result) {
		if (result.index() != this.next) {
			throw new IllegalStateException("expected the result of trial " + this.next + ", got " + result.index());
		}
		Trial trial = this.plan.trial(this.next);
		if (result.configuration() != trial.configuration() || result.seed() != trial.params().seed()) {
			throw new IllegalStateException("result " + result.index() + " is not that of its trial");
		}
		this.accumulators[result.configuration()].add(result);
		this.next++;
	}

	/** Trials folded so far. */
	public int done() {
		return this.next;
	}

	/** Trials in the plan. */
	public int total() {
		return this.plan.size();
	}

	public boolean complete() {
		return this.next == this.plan.size();
	}

	/** The aggregates; only once every trial is folded. */
	public ExperimentResult result() {
		if (!complete()) {
			throw new IllegalStateException(this.next + " of " + this.plan.size() + " trials folded");
		}
		List<ConfigurationResult> configurations = new ArrayList<>(this.accumulators.length);
		for (int c = 0; c < this.accumulators.length; c++) {
			configurations.add(this.accumulators[c].result(this.plan.configurations().get(c)));
		}
		return new ExperimentResult(this.plan.seed(), this.plan.trials(), configurations);
	}

	/** One configuration's running sums. */
	private static final class Accumulator {

		private final Counted insertFailed = new Counted();

		private final Counted drops = new Counted();

		private final Counted clashResolves = new Counted();

		private final LatencyHistogram latency = new LatencyHistogram();

		private long trials;

		private long attempts;

		private long unfinished;

		private long firstSeed = -1;

		private long firstFailureSeed = -1;

		private final Counted errors = new Counted();

		private final java.util.Map<String, Counted> counters = new java.util.LinkedHashMap<>();

		private final List<long[]> windows = new ArrayList<>();

		private final List<java.util.Map<String, Long>> windowCounters = new ArrayList<>();

		void add(TrialResult r) {
			this.trials++;
			this.attempts += r.attempts();
			this.unfinished += r.unfinished();
			this.insertFailed.add(r.insertFailed(), r.attempts());
			this.drops.add(r.drops(), r.attempts());
			this.clashResolves.add(r.clashResolves(), r.attempts());
			if (this.firstSeed < 0) {
				this.firstSeed = r.seed();
			}
			if (this.firstFailureSeed < 0 && (r.insertFailed() > 0 || r.drops() > 0)) {
				this.firstFailureSeed = r.seed();
			}
			for (long latency : r.latenciesNanos()) {
				this.latency.add(latency, r.seed());
			}
			this.errors.add(r.errors(), r.attempts());
			r.counters()
				.forEach((name, value) -> this.counters.computeIfAbsent(name, (k) -> new Counted())
					.add(value, r.attempts()));
			for (int w = 0; w < r.windows().size(); w++) {
				TrialResult.Window window = r.windows().get(w);
				if (this.windows.size() <= w) {
					this.windows.add(new long[] { window.fromNanos(), window.toNanos(), 0, 0 });
					this.windowCounters.add(new java.util.LinkedHashMap<>());
				}
				this.windows.get(w)[2] += window.attempts();
				this.windows.get(w)[3] += window.errors();
				java.util.Map<String, Long> sums = this.windowCounters.get(w);
				window.counters().forEach((name, value) -> sums.merge(name, value, Long::sum));
			}
		}

		ConfigurationResult result(RunParams params) {
			return new ConfigurationResult(params, this.trials, this.attempts, this.insertFailed.estimate(this),
					this.drops.estimate(this), this.clashResolves.estimate(this), this.unfinished,
					this.latency.quantileNanos(0.5), this.latency.quantileNanos(0.99),
					this.latency.quantileNanos(0.999), this.latency.buckets(),
					(this.firstFailureSeed >= 0) ? this.firstFailureSeed : this.firstSeed, this.errors.estimate(this),
					perAttempt(), windows());
		}

		private java.util.Map<String, RateEstimate> perAttempt() {
			java.util.Map<String, RateEstimate> rates = new java.util.LinkedHashMap<>();
			this.counters.forEach((name, counted) -> rates.put(name, counted.estimate(this)));
			return rates;
		}

		private List<ConfigurationResult.WindowRate> windows() {
			List<ConfigurationResult.WindowRate> out = new ArrayList<>(this.windows.size());
			for (int w = 0; w < this.windows.size(); w++) {
				long[] x = this.windows.get(w);
				out.add(new ConfigurationResult.WindowRate(x[0], x[1], x[2], x[3], this.windowCounters.get(w)));
			}
			return out;
		}

	}

	/** The sums behind one {@link RateEstimate}. */
	private static final class Counted {

		private long events;

		private long sumEvents2;

		private long sumEventsAttempts;

		private long sumAttempts2;

		void add(long k, long n) {
			this.events += k;
			this.sumEvents2 += k * k;
			this.sumEventsAttempts += k * n;
			this.sumAttempts2 += n * n;
		}

		RateEstimate estimate(Accumulator a) {
			return RateEstimate.of(this.events, a.attempts, a.trials, this.sumEvents2, this.sumEventsAttempts,
					this.sumAttempts2);
		}

	}

}
