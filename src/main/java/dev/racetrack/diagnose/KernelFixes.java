package dev.racetrack.diagnose;

import java.util.List;

import dev.racetrack.kernel.KernelBehaviour;
import dev.racetrack.kernel.KernelProfile;

/**
 * Which of the clash fixes of {@code src/docs/netfilter-races.md} §4 a real kernel has,
 * once its distribution's backports are counted ({@link DistroKernels}).
 *
 * @param race1 race 1 (identical tuples): ed07d9a021df, 4.19
 * @param race2 race 2 (reply port changed): 4e35c1cb9460, 5.0 (4.19.29 stable)
 * @param race3 race 3 (different endpoints): 6a757c07e51f, 5.6
 * @param roverRemoved the shared port rover is gone (6ed5943f8735, 5.0; 4.9.300,
 * 4.19.228)
 * @param clashResolveCounter resolved clashes count {@code clash_resolve} (5.10)
 * @param dropCounted clashes that drop count {@code drop} too (71d8c47fc653, 2016)
 * @param linearSynBackoff the first SYN retransmissions are 1 s apart (6.5)
 * @param notes what was read and from which source, one sentence each
 */
public record KernelFixes(Fix race1, Fix race2, Fix race3, Fix roverRemoved, boolean clashResolveCounter,
		boolean dropCounted, boolean linearSynBackoff, List<String> notes) {

	/** Whether a kernel has a fix. */
	public enum Fix {

		/** It has it. */
		FIXED,

		/** It has not: the losing packet is dropped. */
		DROPS,

		/** The release string cannot tell. */
		UNKNOWN

	}

	public KernelFixes {
		notes = List.copyOf(notes);
	}

	/** The fixes of a modelled kernel, for a node read from its counters alone. */
	static KernelFixes of(KernelProfile profile) {
		return new KernelFixes(fix(profile.has(KernelBehaviour.RESOLVE_MATCHING_CLASH)),
				fix(profile.has(KernelBehaviour.SAME_ORIGIN_SKIP)), fix(profile.has(KernelBehaviour.CLASH_ENTRIES)),
				fix(!profile.has(KernelBehaviour.PORT_ROVER)), profile.has(KernelBehaviour.CLASH_RESOLVE_COUNTER), true,
				profile.has(KernelBehaviour.LINEAR_SYN_BACKOFF), List.of());
	}

	private static Fix fix(boolean fixed) {
		return fixed ? Fix.FIXED : Fix.DROPS;
	}

	/** The race's fix, by its finding id. */
	public Fix race(String id) {
		return switch (id) {
			case "dnat-race-1" -> this.race1;
			case "dnat-race-2" -> this.race2;
			default -> this.race3;
		};
	}

	/**
	 * The modelled kernel that behaves most like this one, for the replay: the first
	 * profile whose race fixes match.
	 */
	public KernelProfile nearestProfile() {
		if (this.race3 == Fix.FIXED) {
			return this.clashResolveCounter ? KernelProfile.V6_X : KernelProfile.V5_6;
		}
		if (this.race2 == Fix.FIXED) {
			return KernelProfile.V5_0;
		}
		if (this.race1 == Fix.FIXED) {
			return KernelProfile.V4_19;
		}
		return KernelProfile.V4_17;
	}

}
