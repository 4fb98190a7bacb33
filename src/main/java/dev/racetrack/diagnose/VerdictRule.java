package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The first line of the answer, from the facts and the sorted findings: losses now (two
 * samples, or the kernel log), with delayed connections or lookups per minute when two
 * samples give a rate; a cluster DNS with no ready endpoint (no race is why lookups
 * fail); drops since boot in one sample (asks for a second); exposure without loss; or
 * nothing. The first fix is the first change of the worst finding that has one: an exact
 * rule line, a sysctl, a resolver option, a kernel.
 */
final class VerdictRule {

	/** Findings whose advice is to look again, not to change something. */
	private static final Set<String> NOT_A_FIX = Set.of(CounterRules.RATES, "drops-since-boot", "second-sample",
			"conntrack-entries", KernelRule.ID);

	private VerdictRule() {
	}

	static Verdict of(Facts facts, List<Finding> findings) {
		String fix = firstFix(facts, findings);
		long dropsNow = facts.dropsNow();
		Optional<Double> rate = (facts.twoSamples() && dropsNow > 0) ? Optional.of(facts.perMinute(dropsNow))
				: Optional.empty();
		String exposures = exposures(facts, findings);
		String unknown = unknownRaces(facts, findings);
		String text;
		if (facts.tableFullLogged() || facts.otherDropsNow() > 0) {
			text = rate.map((r) -> "About " + CounterRules.perMinute(r) + " connections or lookups delayed a minute: ")
				.orElse("Packets are being dropped: ")
					+ "the conntrack table is full"
					+ (facts.tableFullLogged() ? " (the kernel logged it " + facts.extras().tableFull().size() + " time"
							+ ((facts.extras().tableFull().size() == 1) ? "" : "s")
							+ ((facts.extras().suppressed() > 0) ? " and suppressed "
									+ String.format(java.util.Locale.ROOT, "%,d", facts.extras().suppressed())
									+ " more rate-limited messages" : "")
							+ ")" : "")
					+ ".";
		}
		else if (facts.extras().noReadyDnsEndpoint()) {
			text = "The cluster DNS has no ready endpoint (" + facts.extras().dnsEndpoints().get().readiness()
					+ "): every lookup through it fails now, and no conntrack race is why"
					+ (exposures.isEmpty() ? "." : "; once it is back, exposed to " + exposures + ".");
		}
		else if (facts.extras().rejectedDespiteEndpoints().isPresent()) {
			text = "kube-proxy on this node rejects the cluster DNS, though "
					+ ((facts.extras().dnsEndpoints().get().source() == NodeExtras.DnsEndpoints.Source.DESCRIBE)
							? facts.extras().describedEndpoints().get().output() : "kubectl get endpoints")
					+ " lists addresses: if "
					+ "both are from now, every lookup from this node fails, and no conntrack race is why"
					+ (exposures.isEmpty() ? "." : "; exposed to " + exposures + ".");
		}
		else if (!facts.extras().dnsLocalDrops().isEmpty()) {
			text = "kube-proxy on this node drops lookups to the cluster DNS at "
					+ facts.extras().dnsLocalDrops().get(0).address()
					+ " (traffic policy Local, none of its pods on this node): lookups from here to that address time "
					+ "out, and no conntrack race is why"
					+ (exposures.isEmpty() ? "." : "; exposed to " + exposures + ".");
		}
		else if (facts.clashDropsNow() > 0) {
			text = "About " + CounterRules.perMinute(rate.orElse(0.0))
					+ " connections or lookups delayed a minute by conntrack insert clashes"
					+ (exposures.isEmpty() ? "." : ": " + exposures + ".");
		}
		else if (facts.twoSamples()) {
			text = "No packet lost between the two samples"
					+ (exposures.isEmpty() ? "." : "; still exposed to " + exposures + ".");
		}
		else if (facts.clashDropsSinceBoot() > 0) {
			text = facts.clashDropsSinceBoot() + " clash drop" + ((facts.clashDropsSinceBoot() == 1) ? "" : "s")
					+ " since the counters started, and one sample cannot say whether it is still happening (paste a "
					+ "second conntrack -S a minute later)"
					+ (exposures.isEmpty() ? "." : "; exposed to " + exposures + ".");
		}
		else if (facts.unsplitDropsSinceBoot() > 0) {
			text = "drop=" + facts.total(Counter.DROP) + " since the counters started, and insert_failed is not in "
					+ "the paste: lost insert races or a full table; one sample cannot say whether it is still "
					+ "happening (paste conntrack -S, twice a minute apart)"
					+ (exposures.isEmpty() ? "." : "; exposed to " + exposures + ".");
		}
		else if (facts.otherDropsSinceBoot() > 0) {
			text = "drop=" + facts.total(Counter.DROP) + " with insert_failed=" + facts.total(Counter.INSERT_FAILED)
					+ " since the counters started: drops that no insert race explains (a full table); one sample "
					+ "cannot say whether it is still happening.";
		}
		else if (facts.total(Counter.INSERT_FAILED) > 0 && facts.total(Counter.DROP) == 0) {
			text = "insert_failed=" + facts.total(Counter.INSERT_FAILED) + " with drop=0: clashes that the kernel "
					+ "resolved, no packet lost"
					+ (unknownKernel(facts) ? " — unless the kernel is older than 4.7, which counted lost clashes in "
							+ "insert_failed only: paste uname -r" : "")
					+ (exposures.isEmpty() ? "." : "; exposed to " + exposures + ".");
		}
		else if (capture(findings).isPresent()) {
			text = capture(findings).get().title() + (exposures.isEmpty() ? "." : "; exposed to " + exposures + ".");
		}
		else if (!exposures.isEmpty()) {
			text = "No packet lost in what was pasted, but exposed to " + exposures + ".";
		}
		else {
			// Timings that show no retry say so rather than nothing.
			Optional<Finding> timed = findings.stream().filter((f) -> f.id().equals(SymptomRules.TIMED)).findFirst();
			text = facts.statsRead() ? "No packet lost in these counters"
					+ (unknownKernel(facts) ? " (kernel unknown: paste uname -r to see which races it resolves)." : ".")
					: timed.map((f) -> f.title() + ".")
						.orElse("Nothing pasted shows these races costing this node connections.");
		}
		if (!facts.twoSamples()) {
			text += findings.stream()
				.filter((f) -> f.id().equals(SustainedEstimate.ID))
				.findFirst()
				.map((f) -> " " + f.title()
					.replace("The model's estimate", "The model's estimate (no rate can be read " + "from one sample)")
						+ ", for the load named below.")
				.orElse("");
		}
		if (!unknown.isEmpty() && !facts.extras().noReadyDnsEndpoint()) {
			text = text.substring(0, text.length() - 1) + "; whether this kernel resolves " + unknown
					+ " is not known (paste uname -r).";
		}
		if (facts.nat().otherTablesOnly() && !facts.lossNow() && !facts.extras().noReadyDnsEndpoint()) {
			// Short: the SNAT finding below says what the listing was and why it says
			// nothing.
			text += " The " + facts.nat().tool() + " paste is the " + facts.nat().otherTables().get(0).table()
					+ " table, not nat: paste " + facts.nat().tool() + " -t nat -S.";
		}
		Severity severity = (capture(findings).isPresent() && severity(facts, exposures) == Severity.INFO)
				? Severity.WARNING : severity(facts, exposures);
		return new Verdict(severity, text, (severity == Severity.INFO) ? "" : fix, rate);
	}

	/**
	 * The worst finding of a tcpdump capture ({@link CaptureRules}), else of the
	 * symptom's timings ({@link SymptomRules}), that is not info.
	 */
	private static Optional<Finding> capture(List<Finding> findings) {
		return findings.stream()
			.filter((f) -> (f.id().startsWith("capture-") || SymptomRules.IDS.contains(f.id()))
					&& f.severity() != Severity.INFO)
			.findFirst();
	}

	private static boolean unknownKernel(Facts facts) {
		return facts.kernel().basis() == KernelMatch.Basis.ASSUMED;
	}

	/**
	 * Critical for losses now, warning for exposure or drops in one sample, info when
	 * nothing is lost and nothing exposed.
	 */
	private static Severity severity(Facts facts, String exposures) {
		if (facts.lossNow() || facts.extras().noReadyDnsEndpoint()) {
			return Severity.CRITICAL;
		}
		if (!exposures.isEmpty() || facts.extras().rejectedDespiteEndpoints().isPresent()
				|| facts.clashDropsSinceBoot() > 0 || facts.otherDropsSinceBoot() > 0
				|| facts.unsplitDropsSinceBoot() > 0 || facts.total(Counter.EARLY_DROP) > 0) {
			return Severity.WARNING;
		}
		boolean insertFailedOnOldKernel = facts.total(Counter.INSERT_FAILED) > 0 && unknownKernel(facts);
		return insertFailedOnOldKernel ? Severity.WARNING : Severity.INFO;
	}

	/**
	 * The first change of the worst finding that has one; else the first thing to look at
	 * (a second sample, uname -r). A race whose fix cannot be told from an unknown kernel
	 * gives no fix: first the kernel.
	 */
	private static String firstFix(Facts facts, List<Finding> findings) {
		for (Finding finding : findings) {
			if (finding.severity() == Severity.INFO || NOT_A_FIX.contains(finding.id())
					|| finding.mitigations().isEmpty() || finding.mitigations().get(0).startsWith("Paste ")
					|| unknownRace(facts, finding)) {
				continue;
			}
			return finding.mitigations().get(0);
		}
		for (Finding finding : findings) {
			if (finding.severity() != Severity.INFO && !finding.mitigations().isEmpty()
					&& !unknownRace(facts, finding)) {
				return finding.mitigations().get(0);
			}
		}
		return "";
	}

	private static boolean unknownRace(Facts facts, Finding finding) {
		return finding.id().startsWith("dnat-race-") && facts.fixes().race(finding.id()) == KernelFixes.Fix.UNKNOWN;
	}

	/**
	 * "DNS races 1 and 2", for the races exposed whose fix the kernel string cannot tell.
	 */
	private static String unknownRaces(Facts facts, List<Finding> findings) {
		List<String> races = findings.stream()
			.filter((f) -> f.severity() != Severity.INFO && unknownRace(facts, f))
			.map((f) -> f.id().substring("dnat-race-".length()))
			.toList();
		return races.isEmpty() ? "" : "DNS race" + ((races.size() == 1) ? " " : "s ") + String.join(" and ", races);
	}

	/** "the SNAT port race (2 rules) and DNS races 2 and 3". */
	private static String exposures(Facts facts, List<Finding> findings) {
		List<String> parts = new ArrayList<>();
		List<String> dns = new ArrayList<>();
		for (Finding finding : findings) {
			if (finding.severity() == Severity.INFO) {
				continue;
			}
			if (finding.id().equals(SnatPortRaceRule.ID)) {
				int rules = facts.nat().sourceNatWithoutRandomFully().size();
				parts.add("the SNAT port race" + ((rules > 0) ? " (" + rules + " MASQUERADE/SNAT rule"
						+ ((rules == 1) ? "" : "s") + " without --random-fully)" : ""));
			}
			else if (finding.id().startsWith("dnat-race-")
					&& facts.fixes().race(finding.id()) == KernelFixes.Fix.DROPS) {
				dns.add(finding.id().substring("dnat-race-".length()));
			}
		}
		if (!dns.isEmpty()) {
			parts.add("DNS race" + ((dns.size() == 1) ? " " : "s ") + String.join(" and ", dns));
		}
		return String.join(" and ", parts);
	}

}
