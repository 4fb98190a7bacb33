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
		}

		ConfigurationResult result(RunParams params) {
			return new ConfigurationResult(params, this.trials, this.attempts, this.insertFailed.estimate(this),
					this.drops.estimate(this), this.clashResolves.estimate(this), this.unfinished,
					this.latency.quantileNanos(0.5), this.latency.quantileNanos(0.99),
					this.latency.quantileNanos(0.999), this.latency.buckets(),
					(this.firstFailureSeed >= 0) ? this.firstFailureSeed : this.firstSeed);
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
