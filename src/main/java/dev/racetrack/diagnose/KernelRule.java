package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.racetrack.diagnose.KernelMatch.Basis;

/**
 * A finding about the kernel itself, when the profile is a guess or the real kernel is
 * older than any modelled one. Otherwise the profile's explanation says it all.
 */
final class KernelRule {

	static final String ID = "kernel-profile";

	private KernelRule() {
	}

	static Optional<Finding> assess(Facts facts, boolean unameGiven) {
		KernelMatch kernel = facts.kernel();
		List<String> evidence = new ArrayList<>();
		evidence.add(kernel.explanation());
		if (kernel.basis() == Basis.ASSUMED) {
			if (unameGiven) {
				evidence.add(0, "No kernel release could be read from the uname text.");
			}
			return Optional.of(new Finding(ID, Severity.WARNING, "Kernel unknown: 4.17 assumed", evidence,
					List.of("Paste the output of uname -r.")));
		}
		if (kernel.basis() == Basis.COUNTERS) {
			return Optional.of(new Finding(ID, Severity.INFO, "Kernel read from the counters as 6.x", evidence,
					List.of("Paste the output of uname -r.")));
		}
		if (kernel.basis() == Basis.DATAPATH) {
			return Optional.of(new Finding(ID, Severity.INFO, "Kernel read from the datapath as 6.x", evidence,
					List.of("Paste the output of uname -r.")));
		}
		if (kernel.olderThanModelled()) {
			return Optional.of(new Finding(ID, Severity.WARNING,
					"Kernel " + kernel.uname() + " is older than any modelled kernel: read as 4.17", evidence,
					List.of("Upgrade to a kernel of 5.6 or later: all three UDP races are resolved there.")));
		}
		return Optional.empty();
	}

}
