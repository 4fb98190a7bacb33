package dev.racetrack.diagnose;

import java.util.Objects;

import dev.racetrack.kernel.KernelProfile;

/**
 * The kernel a node runs, as read: the modelled kernel it is replayed as, which clash
 * fixes it has once its distribution's backports are counted, and why.
 *
 * @param profile the nearest modelled kernel (for the replay)
 * @param basis what the choice rests on
 * @param uname the release as pasted, or {@code ""}
 * @param explanation why, in a few sentences, with the sources of the backports
 * @param olderThanModelled whether the real kernel is older than 4.17
 * @param fixes which clash fixes it has
 * @param distribution who built it, or {@code ""}
 */
public record KernelMatch(KernelProfile profile, Basis basis, String uname, String explanation,
		boolean olderThanModelled, KernelFixes fixes, String distribution) {

	/** What a profile choice rests on. */
	public enum Basis {

		/** The pasted {@code uname -r} (or -a, /proc/version, kubectl get nodes). */
		UNAME,

		/** The counter names (only 5.10 and later print {@code clash_resolve}). */
		COUNTERS,

		/**
		 * The datapath: kube-proxy's own nftables table (kube-proxy 1.33 and later runs
		 * it only on 5.13 or later), or Cilium's BPF host routing (5.10 or later).
		 */
		DATAPATH,

		/** Nothing: the oldest modelled kernel is assumed. */
		ASSUMED

	}

	public KernelMatch {
		Objects.requireNonNull(profile, "profile");
		Objects.requireNonNull(basis, "basis");
		Objects.requireNonNull(uname, "uname");
		Objects.requireNonNull(explanation, "explanation");
		Objects.requireNonNull(fixes, "fixes");
		Objects.requireNonNull(distribution, "distribution");
	}

	/** A match whose fixes are the modelled profile's own. */
	public KernelMatch(KernelProfile profile, Basis basis, String uname, String explanation,
			boolean olderThanModelled) {
		this(profile, basis, uname, explanation, olderThanModelled, KernelFixes.of(profile), "");
	}

}
