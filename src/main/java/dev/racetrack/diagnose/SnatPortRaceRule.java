package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.racetrack.kernel.KernelBehaviour;

/**
 * The TCP SNAT port race (XING 2018): two pods' SYNs to the same ip:port get the same
 * masquerade port, and the later confirm drops its SYN. No kernel resolves a TCP clash
 * ({@code allow_clash} is never set for TCP), so every MASQUERADE or SNAT rule without
 * {@code --random-fully} is exposed, on every kernel; {@code insert_failed} and
 * {@code drop} rise together.
 */
final class SnatPortRaceRule {

	static final String ID = "snat-port-race";

	/** The most rules quoted as evidence. */
	private static final int MAX_RULES = 20;

	private SnatPortRaceRule() {
	}

	static Optional<Finding> assess(Facts facts) {
		List<NatRule> exposed = facts.nat().sourceNatWithoutRandomFully();
		if (facts.natRead() && exposed.isEmpty()) {
			return Optional.empty();
		}
		Severity severity = facts.lossNow() ? Severity.CRITICAL : Severity.WARNING;
		List<String> evidence = new ArrayList<>(ruleEvidence(facts, exposed));
		evidence.addAll(counterEvidence(facts));
		evidence.add(kernelEvidence(facts));
		return Optional.of(new Finding(ID, severity, title(facts, exposed), evidence, mitigations(facts, exposed)));
	}

	private static String title(Facts facts, List<NatRule> exposed) {
		String lost = facts.lossNow() ? ", and the counters show dropped packets" : "";
		if (!facts.natRead()) {
			return "SNAT port race: likely exposed (default Docker and kube-proxy MASQUERADE rules lack "
					+ "--random-fully)" + lost;
		}
		int n = exposed.size();
		return "SNAT port race: " + n + " MASQUERADE/SNAT rule" + ((n == 1) ? "" : "s") + " without --random-fully"
				+ lost;
	}

	private static List<String> ruleEvidence(Facts facts, List<NatRule> exposed) {
		List<String> evidence = new ArrayList<>();
		if (!facts.natRead()) {
			evidence.add("No nat table was read: paste iptables-save -t nat to see each rule.");
			return evidence;
		}
		for (NatRule rule : exposed.subList(0, Math.min(MAX_RULES, exposed.size()))) {
			String why = rule.random()
					? " (--random only: a keyed hash of the tuple, which helped little in XING's " + "test)"
					: " (no --random-fully)";
			evidence.add(rule.cite() + why);
		}
		if (exposed.size() > MAX_RULES) {
			evidence.add("… and " + (exposed.size() - MAX_RULES) + " more rules");
		}
		return evidence;
	}

	private static List<String> counterEvidence(Facts facts) {
		if (!facts.statsRead()) {
			return List
				.of("No conntrack statistics were read: paste conntrack -S to see whether packets are lost now.");
		}
		List<String> evidence = new ArrayList<>(facts.counterEvidence(List.of(Counter.INSERT_FAILED, Counter.DROP)));
		if (tcpSignature(facts)) {
			evidence.add("insert_failed equals drop on every CPU: the signature of TCP clashes, which no kernel "
					+ "resolves (as in XING's and snat-race-conn-test's counters).");
		}
		if (facts.lostOnlyBefore()) {
			evidence.add("drop did not rise between the two samples: the drops counted happened earlier.");
		}
		evidence.add("A TCP clash always counts insert_failed and drop together; drops can also come from the UDP "
				+ "races below or a full table.");
		return evidence;
	}

	/** Every CPU lost as many packets as it failed to insert, and some did. */
	static boolean tcpSignature(Facts facts) {
		List<CpuCounters> cpus = facts.stats().cpus();
		return facts.total(Counter.DROP) > 0 && !cpus.isEmpty() && cpus.stream()
			.allMatch(
					(cpu) -> cpu.has(Counter.INSERT_FAILED) && cpu.get(Counter.INSERT_FAILED) == cpu.get(Counter.DROP));
	}

	private static String kernelEvidence(Facts facts) {
		String backoff = facts.profile().has(KernelBehaviour.LINEAR_SYN_BACKOFF)
				? "1 s, then 2 s in total (linear back-off, 6.5)" : "1 s, then 3 s in total";
		return "Kernel " + facts.profile().id() + ": no kernel resolves a TCP clash; the lost SYN is retransmitted "
				+ "after " + backoff + ".";
	}

	private static List<String> mitigations(Facts facts, List<NatRule> exposed) {
		List<String> mitigations = new ArrayList<>();
		String example = exposed.isEmpty() ? "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE --random-fully"
				: exposed.get(0).withRandomFully();
		mitigations.add("Add --random-fully to each MASQUERADE/SNAT rule listed (iptables 1.6.2 or later; kube-proxy "
				+ "1.16 and later does it on KUBE-POSTROUTING when iptables supports it), e.g. " + example);
		mitigations.add("Do not SNAT pod traffic to in-VPC destinations: routable pod IPs (AWS VPC CNI, "
				+ "ip-masq-agent) remove the race for them.");
		mitigations.add("Reuse connections (HTTP keep-alive, connection pools): fewer new connections, fewer races.");
		if (facts.profile().has(KernelBehaviour.PORT_ROVER)) {
			mitigations.add("A kernel upgrade (5.0, or 4.19.228 and later) removes the shared port rover, which makes "
					+ "same-port picks rarer, but does not fix the race: only --random-fully does.");
		}
		return mitigations;
	}

}
