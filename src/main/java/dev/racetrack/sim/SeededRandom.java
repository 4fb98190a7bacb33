package dev.racetrack.sim;

import java.nio.charset.StandardCharsets;

import dev.racetrack.kernel.KernelRandom;

/**
 * The simulation's only source of randomness: SplitMix64 streams derived from one root
 * seed, one stream per purpose ({@link #split(String)}), so that adding a draw for one
 * purpose never shifts the numbers of another. The same seed gives the same numbers on
 * every JVM.
 */
public final class SeededRandom implements KernelRandom {

	private final long seed;

	private long state;

	public SeededRandom(long seed) {
		this.seed = seed;
		this.state = seed;
	}

	/** The seed this stream started from. */
	public long seed() {
		return this.seed;
	}

	/** An independent stream for one purpose, e.g. {@code "arrivals"}. */
	public SeededRandom split(String purpose) {
		long h = 0xcbf29ce484222325L;
		for (byte b : purpose.getBytes(StandardCharsets.UTF_8)) {
			h = (h ^ (b & 0xff)) * 0x100000001b3L;
		}
		return new SeededRandom(mix(this.seed ^ mix(h)));
	}

	public long nextLong() {
		this.state += 0x9E3779B97F4A7C15L;
		return mix(this.state);
	}

	/** Uniform in {@code [0, bound)}. */
	public int nextInt(int bound) {
		if (bound <= 0) {
			throw new IllegalArgumentException("bound must be positive");
		}
		// The dividend is never negative, so % is floorMod without its sign fix-up.
		return (int) ((nextLong() >>> 1) % bound);
	}

	/** Uniform in {@code [0, 1)}. */
	public double nextDouble() {
		return (nextLong() >>> 11) * 0x1.0p-53;
	}

	/** Uniform in {@code [min, max]}. */
	public long uniform(long min, long max) {
		if (max <= min) {
			return min;
		}
		return min + (nextLong() >>> 1) % (max - min + 1);
	}

	/** Exponentially distributed with the given mean (rounded to whole nanoseconds). */
	public long exponential(double mean) {
		return Math.round(-mean * Math.log(1.0 - nextDouble()));
	}

	/** A duration jittered uniformly by ±{@code fraction} around {@code nominal}. */
	public long jitter(long nominal, double fraction) {
		long spread = Math.round(nominal * fraction);
		return Math.max(1, uniform(nominal - spread, nominal + spread));
	}

	@Override
	public int prandomU32() {
		return (int) (nextLong() >>> 32);
	}

	@Override
	public long netSecret() {
		return mix(this.seed ^ 0x6e65745f736563L);
	}

	private static long mix(long z) {
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return z ^ (z >>> 31);
	}

}
