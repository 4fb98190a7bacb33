package dev.racetrack.kernel;

/**
 * SplitMix64 (Steele, Lea and Flood, 2014): small, fast, and the same sequence on every
 * JVM for a given seed.
 */
final class SplitMixKernelRandom implements KernelRandom {

	private long state;

	private final long secret;

	SplitMixKernelRandom(long seed) {
		this.state = seed;
		this.secret = mix(seed ^ 0x5DEECE66DL);
	}

	@Override
	public int prandomU32() {
		this.state += 0x9E3779B97F4A7C15L;
		return (int) (mix(this.state) >>> 32);
	}

	@Override
	public long netSecret() {
		return this.secret;
	}

	static long mix(long z) {
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return z ^ (z >>> 31);
	}

}
