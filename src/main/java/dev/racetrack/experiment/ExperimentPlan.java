package dev.racetrack.experiment;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.racetrack.scenario.RunParams;

/**
 * A Monte Carlo experiment: {@code trials} seeded runs of each of several configurations
 * of free play. The plan only says what to run: {@link #trial(int)} gives independent
 * tasks that a caller may run on any number of threads, and an
 * {@link ExperimentAggregator} folds their results in index order, so that the same plan
 * gives the same numbers however many cores ran it.
 *
 * <p>
 * <b>Order.</b> Trial {@code i} is repetition {@code i / C} of configuration
 * {@code i % C} ({@code C} configurations), so that all configurations advance together.
 *
 * <p>
 * <b>Seeds.</b> Repetition {@code r} runs with the seed {@link #trialSeed(long, int)} of
 * the plan's seed and {@code r}, the same for every configuration (common random numbers:
 * {@code default} and {@code random-fully} are compared on the same arrivals, and a seed
 * found in one row replays the same workload under any other).
 */
public final class ExperimentPlan {

	/** The scenarios an experiment can repeat: free play only. */
	public static final List<String> SCENARIOS = List.of("tcp-free-play", "dns-free-play");

	/** Seeds stay exact in JavaScript numbers and URLs: 2^53 − 1. */
	public static final long MAX_SEED = (1L << 53) - 1;

	private final List<RunParams> configurations;

	private final int trials;

	private final long seed;

	private ExperimentPlan(List<RunParams> configurations, int trials, long seed) {
		this.configurations = configurations;
		this.trials = trials;
		this.seed = seed;
	}

	/**
	 * A plan of {@code trials} repetitions of each configuration.
	 * @param configurations free-play runs (their own seeds are ignored)
	 * @param trials repetitions per configuration, at least 1
	 * @param seed the experiment's root seed
	 */
	public static ExperimentPlan of(List<RunParams> configurations, int trials, long seed) {
		if (configurations.isEmpty()) {
			throw new IllegalArgumentException("an experiment needs a configuration");
		}
		if (trials < 1) {
			throw new IllegalArgumentException("an experiment needs at least one trial");
		}
		if ((long) trials * configurations.size() > Integer.MAX_VALUE) {
			throw new IllegalArgumentException("too many trials");
		}
		List<RunParams> copy = new ArrayList<>(configurations.size());
		for (RunParams p : configurations) {
			if (!SCENARIOS.contains(p.scenario())) {
				throw new IllegalArgumentException("experiments repeat free play, not " + p.scenario());
			}
			copy.add(p.withSeed(seed));
		}
		return new ExperimentPlan(Collections.unmodifiableList(copy), trials, seed);
	}

	/** The configurations, each with the plan's seed. */
	public List<RunParams> configurations() {
		return this.configurations;
	}

	/** Repetitions per configuration. */
	public int trials() {
		return this.trials;
	}

	public long seed() {
		return this.seed;
	}

	/** The number of trials in all. */
	public int size() {
		return this.trials * this.configurations.size();
	}

	/**
	 * Attempts in all, at most ({@link RunParams#attemptsBound()} of each configuration,
	 * times the trials).
	 */
	public long attempts() {
		long perRepetition = 0;
		for (RunParams p : this.configurations) {
			perRepetition += p.attemptsBound();
		}
		return perRepetition * this.trials;
	}

	/** Trial {@code index}, {@code 0 <= index < size()}. */
	public Trial trial(int index) {
		if (index < 0 || index >= size()) {
			throw new IndexOutOfBoundsException("trial " + index + " of " + size());
		}
		int c = index % this.configurations.size();
		int r = index / this.configurations.size();
		return new Trial(index, c, r, this.configurations.get(c).withSeed(trialSeed(this.seed, r)));
	}

	/**
	 * The seed of repetition {@code r}: SplitMix64's finalizer over the root seed and
	 * {@code r}, kept to 53 bits.
	 */
	public static long trialSeed(long seed, int repetition) {
		long z = seed * 0x9E3779B97F4A7C15L + (repetition + 1L) * 0xD1B54A32D192ED03L;
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return (z ^ (z >>> 31)) & MAX_SEED;
	}

}
