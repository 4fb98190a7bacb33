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
		String counters = modern.isPresent() ? " The counters look older than 5.10." : "";
		return new KernelMatch(KernelProfile.V4_17, Basis.ASSUMED, "",
				"No kernel release was given: 4.17, the oldest modelled kernel, is assumed, so every race it can show "
						+ "is listed." + counters + " Paste uname -r to narrow this down.",
				false);
	}

	static KernelMatch fromUname(KernelVersion v) {
		KernelProfile profile = profileOf(v);
		List<String> notes = new ArrayList<>();
		notes.add(v.release() + " is Linux " + v.majorMinor() + ": read as the modelled " + profile.id() + " ("
				+ rangeOf(profile) + ").");
		notes.addAll(notes(v, profile));
		String distribution = v.distribution();
		if (!distribution.isEmpty()) {
			notes.add("This kernel is built by " + distribution
					+ ": distributions backport netfilter fixes, so the counters " + "are the ground truth.");
		}
		return new KernelMatch(profile, Basis.UNAME, v.release(), String.join(" ", notes), v.isBefore(4, 17));
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
			case V5_0 -> "5.0 to 5.5";
			case V5_6 -> "5.6 to 5.9";
			case V6_X -> "5.10 and later";
		};
	}

	private static List<String> notes(KernelVersion v, KernelProfile profile) {
		return switch (profile) {
			case V4_17 -> notesBefore419(v);
			case V4_19 -> notes419(v);
			case V5_0 -> List.of("Races 1 and 2 are resolved here; race 3 is not (fixed in 5.6).");
			case V5_6 -> List.of("Resolved clashes count insert_failed here: the clash_resolve counter only "
					+ "exists from 5.10, so insert_failed minus drop is what the kernel resolved.");
			case V6_X -> notesFrom510(v);
		};
	}

	private static List<String> notesBefore419(KernelVersion v) {
		List<String> notes = new ArrayList<>();
		if (v.isBefore(4, 17)) {
			notes.add("Linux " + v.majorMinor() + " is older than any modelled kernel; it has none of the 2018-2020 "
					+ "clash fixes upstream.");
		}
		if (v.major() == 4 && v.minor() == 14) {
			notes.add("4.14 got the race 1 fix as a stable backport in February 2020, and the rover removal and "
					+ "capped port search in February 2022; a recent 4.14 behaves better than 4.17 for those.");
		}
		if (v.major() == 4 && v.minor() == 9 && v.patchIsStableSublevel() && v.patch() >= 300) {
			notes.add("4.9.300 and later got the rover removal and the capped port search (February 2022) but "
					+ "none of the clash fixes.");
		}
		return notes;
	}

	private static List<String> notes419(KernelVersion v) {
		if (v.patchIsStableSublevel() && v.patch() >= 228) {
			return List.of("4.19.228 and later got the February 2022 backports (no shared rover, capped port "
					+ "search): port selection behaves like 5.0, but race 2 is not fixed, as in 4.19.");
		}
		if (!v.patchIsStableSublevel()) {
			return List.of("uname -r does not show the stable sublevel here; from 4.19.228 (February 2022) port "
					+ "selection behaves like 5.0, but race 2 stays unfixed.");
		}
		return List.of("Race 1 is resolved here; races 2 and 3 are not.");
	}

	private static List<String> notesFrom510(KernelVersion v) {
		if (v.isBefore(6, 5)) {
			return List.of("Linux " + v.majorMinor() + " shares the 6.x clash rules and counters (clash_resolve), "
					+ "but not the linear SYN back-off (6.5) or the TIME_WAIT eviction (2023): a twice-lost SYN "
					+ "costs 3 s here, not 2 s.");
		}
		return List.of("All three UDP races are resolved here; the TCP SNAT port race is not.");
	}

}
