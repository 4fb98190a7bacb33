package dev.racetrack.kernel;

/**
 * The kernel's randomness, supplied by the simulation from its root seed:
 * {@code prandom_u32} / {@code get_random_u16} for port offsets and the {@code statistic}
 * match, and the boot-time secret behind {@code secure_port}. Nothing in the model draws
 * randomness any other way.
 */
public interface KernelRandom {

	/** {@code prandom_u32()}: 32 random bits. */
	int prandomU32();

	/** The boot-time key of {@code secure_ipv4_port_ephemeral} ({@code net_secret}). */
	long netSecret();

	/**
	 * A {@link KernelRandom} from a seed (SplitMix64), for tests and the simulation
	 * alike.
	 */
	static KernelRandom seeded(long seed) {
		return new SplitMixKernelRandom(seed);
	}

}
