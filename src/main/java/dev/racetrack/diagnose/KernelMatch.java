package dev.racetrack.diagnose;

import java.util.Objects;

import dev.racetrack.kernel.KernelProfile;

/**
 * The modelled kernel a node is read as, and why.
 *
 * @param profile the nearest modelled kernel
 * @param basis what the choice rests on
 * @param uname the release as pasted, or {@code ""}
 * @param explanation why this profile, in a few sentences: what differs between the real
 * kernel and the model, and which backports may matter
 * @param olderThanModelled whether the real kernel is older than 4.17
 */
public record KernelMatch(KernelProfile profile, Basis basis, String uname, String explanation,
		boolean olderThanModelled) {

	/** What a profile choice rests on. */
	public enum Basis {

		/** The pasted {@code uname -r}. */
		UNAME,

		/** The counter names (only 5.10 and later print {@code clash_resolve}). */
		COUNTERS,

		/** Nothing: the oldest modelled kernel is assumed. */
		ASSUMED

	}

	public KernelMatch {
		Objects.requireNonNull(profile, "profile");
		Objects.requireNonNull(basis, "basis");
		Objects.requireNonNull(uname, "uname");
		Objects.requireNonNull(explanation, "explanation");
	}

}
