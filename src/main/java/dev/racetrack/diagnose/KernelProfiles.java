package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.racetrack.diagnose.KernelMatch.Basis;
import dev.racetrack.kernel.KernelProfile;

/**
 * Maps a real kernel to the nearest modelled {@link KernelProfile}, by the version table
 * of {@code src/docs/netfilter-races.md} §4: before 4.19 → 4.17; 4.19 → 4.19; 5.0–5.5 →
 * 5.0; 5.6–5.9 → 5.6; 5.10 and later → 6.x. The explanation names what the model does not
 * capture: kernels older than 4.17, the February 2022 LTS backports of the rover removal
 * and the capped port search (4.9.300, 4.14.y, 4.19.228), the race 1 backport to 4.14
 * (February 2020), the counters that differ before 5.10, and the 6.x features that 5.10
 * to 6.4 lack (linear SYN back-off in 6.5, TIME_WAIT eviction in 2023).
 */
public final class KernelProfiles {

	private KernelProfiles() {
	}

	/**
	 * The profile for a kernel release, or, when none was read, the one the counters
	 * imply.
	 */
	public static KernelMatch match(Optional<KernelVersion> version, ConntrackStats stats) {
		return match(version, stats, "", "");
	}

	/**
	 * As {@link #match(Optional, ConntrackStats)}, with where the paste shows
	 * kube-proxy's own nftables table ({@code line 3: table ip kube-proxy}), or
	 * {@code ""}. Since 1.33 (GA) kube-proxy refuses to run its nftables mode on a kernel
	 * older than 5.13 unless told to skip the check (kubernetes/kubernetes#124152, which
	 * asked for 5.13 from 1.31, and #130401, which made the check run by default), so the
	 * table is read as 6.x (5.10 and later), as the counters are. Its alpha and beta
	 * (1.29–1.32) could run on older kernels (5.6.9 and later in 1.29,
	 * kubernetes/kubernetes#122572), which the explanation says. And with where
	 * {@code cilium status} shows {@code Host Routing: BPF}, or {@code ""}: Cilium turns
	 * BPF host routing on only on a kernel of 5.10 or later, whose BPF helpers
	 * ({@code bpf_redirect_neigh}, {@code bpf_redirect_peer}) it needs, and falls back to
	 * Legacy otherwise (Cilium's upgrade notes for 1.9, cilium/cilium commit 9153a87, and
	 * {@link CiliumStatus#HOST_ROUTING_DOC}): read as 6.x.
	 */
	static KernelMatch match(Optional<KernelVersion> version, ConntrackStats stats, String kubeProxyNftables,
			String ciliumBpfHostRouting) {
		if (version.isPresent()) {
			return fromUname(version.get());
		}
		Optional<Boolean> modern = stats.fromKernel510OrLater();
		if (modern.orElse(false)) {
			return new KernelMatch(KernelProfile.V6_X, Basis.COUNTERS, "",
					"No kernel release was given, but the counters include clash_resolve, which only 5.10 and later "
							+ "print: read as 6.x. Paste uname -r to be sure.",
					false);
		}
		if (!kubeProxyNftables.isEmpty()) {
			return new KernelMatch(KernelProfile.V6_X, Basis.DATAPATH, "", "No kernel release was given, but the "
					+ "paste holds kube-proxy's own nftables table (" + kubeProxyNftables
					+ "), which kube-proxy 1.33 and later "
					+ "writes only on a kernel of 5.13 or later unless its kernel check is skipped: read as 6.x. Its "
					+ "alpha and beta (1.29–1.32) also ran on older kernels. Paste uname -r to be sure.", false);
		}
		if (!ciliumBpfHostRouting.isEmpty()) {
			return new KernelMatch(KernelProfile.V6_X, Basis.DATAPATH, "", "No kernel release was given, but cilium "
					+ "status shows BPF host routing (" + ciliumBpfHostRouting + "), which Cilium turns on only on a "
					+ "kernel of 5.10 or later (it falls back to Legacy otherwise): read as 6.x. Paste uname -r to be "
					+ "sure.", false);
		}
		String counters = modern.isPresent() ? " The counters look older than 5.10." : "";
		KernelFixes unknown = new KernelFixes(KernelFixes.Fix.UNKNOWN, KernelFixes.Fix.UNKNOWN, KernelFixes.Fix.UNKNOWN,
				KernelFixes.Fix.UNKNOWN, false, true, false, List.of());
		return new KernelMatch(KernelProfile.V4_17, Basis.ASSUMED, "",
				"No kernel release was given, so whether the kernel resolves the UDP races is unknown; the replay "
						+ "uses 4.17, the oldest modelled kernel." + counters + " Paste uname -r to narrow this down.",
				false, unknown, "");
	}

	static KernelMatch fromUname(KernelVersion v) {
		KernelFixes fixes = DistroKernels.fixes(v);
		KernelProfile profile = profileOf(v);
		String distribution = v.distribution();
		List<String> notes = new ArrayList<>();
		notes.add(v.release() + " is Linux " + v.majorMinor()
				+ (distribution.isEmpty() ? "" : " built by " + distribution) + ": replayed as the modelled "
				+ profile.id() + " (" + rangeOf(profile) + ").");
		if (v.isBefore(4, 17)) {
			notes.add("Linux " + v.majorMinor() + " is older than any modelled kernel; upstream it has none of the "
					+ "2018-2020 clash fixes.");
		}
		notes.addAll(fixes.notes());
		notes.addAll(upstreamNotes(v));
		notes.add(racesSentence(fixes));
		if (fixes.nearestProfile() != profile && !v.isBefore(4, 17)) {
			notes.add("Its clash fixes are those of the modelled " + fixes.nearestProfile().id()
					+ ", which the findings follow.");
		}
		return new KernelMatch(profile, Basis.UNAME, v.release(), String.join(" ", notes), v.isBefore(4, 17), fixes,
				distribution);
	}

	/**
	 * What an upstream stable release carries beyond the modelled kernel it is read as.
	 */
	private static List<String> upstreamNotes(KernelVersion v) {
		List<String> notes = new ArrayList<>();
		int sublevel = v.upstreamSublevel();
		if (v.major() == 4 && v.minor() == 19 && sublevel >= 228) {
			notes.add("4.19.228 and later got the February 2022 backports (no shared rover, capped port search): port "
					+ "selection behaves like 5.0.");
		}
		if (v.major() == 4 && v.minor() == 9 && sublevel >= 300) {
			notes.add("4.9.300 and later got the rover removal and the capped port search (February 2022).");
		}
		if (v.major() == 4 && v.minor() == 14) {
			notes.add("4.14 got the race 1 fix as a stable backport in February 2020, and the rover removal and capped "
					+ "port search in February 2022; which 4.14.y has them is not read from the release.");
		}
		if (!v.isBefore(5, 6) && v.isBefore(5, 10)) {
			notes.add("Resolved clashes count insert_failed here: the clash_resolve counter only exists from 5.10, so "
					+ "insert_failed minus drop is what the kernel resolved.");
		}
		if (!v.isBefore(5, 10) && v.isBefore(6, 5)) {
			notes.add("Linux " + v.majorMinor() + " has the 6.x clash rules and counters (clash_resolve) but not the "
					+ "linear SYN back-off (6.5) or the TIME_WAIT eviction (2023): a twice-lost SYN costs 3 s here, "
					+ "not 2 s.");
		}
		return notes;
	}

	/** "Races 1 and 2 are resolved here; race 3 drops." */
	static String racesSentence(KernelFixes fixes) {
		List<String> fixed = new ArrayList<>();
		List<String> drops = new ArrayList<>();
		List<String> unknown = new ArrayList<>();
		for (int race = 1; race <= 3; race++) {
			KernelFixes.Fix fix = fixes.race("dnat-race-" + race);
			(fix == KernelFixes.Fix.FIXED ? fixed : fix == KernelFixes.Fix.DROPS ? drops : unknown).add("" + race);
		}
		List<String> parts = new ArrayList<>();
		if (!fixed.isEmpty()) {
			parts.add("UDP race" + plural(fixed) + " " + String.join(" and ", fixed) + " resolved");
		}
		if (!drops.isEmpty()) {
			parts.add("race" + plural(drops) + " " + String.join(" and ", drops) + " dropping the losing packet");
		}
		if (!unknown.isEmpty()) {
			parts.add("race" + plural(unknown) + " " + String.join(" and ", unknown) + " unknown from the release");
		}
		String sentence = String.join("; ", parts) + "; the TCP SNAT port race is never resolved by any kernel.";
		return Character.toUpperCase(sentence.charAt(0)) + sentence.substring(1);
	}

	private static String plural(List<String> races) {
		return (races.size() == 1) ? "" : "s";
	}

	static KernelProfile profileOf(KernelVersion v) {
		if (v.isBefore(4, 19)) {
			return KernelProfile.V4_17;
		}
		if (v.isBefore(5, 0)) {
			return KernelProfile.V4_19;
		}
		if (v.isBefore(5, 6)) {
			return KernelProfile.V5_0;
		}
		if (v.isBefore(5, 10)) {
			return KernelProfile.V5_6;
		}
		return KernelProfile.V6_X;
	}

	private static String rangeOf(KernelProfile profile) {
		return switch (profile) {
			case V4_17 -> "kernels before 4.19";
			case V4_19 -> "4.19 and 4.20";
			case V4_19_STABLE -> "the 4.x stables of February 2022 (4.9.300+, 4.14.y, 4.19.228+)";
			case V5_0 -> "5.0 to 5.5";
			case V5_6 -> "5.6 to 5.9";
			case V6_X -> "5.10 and later";
		};
	}

}
