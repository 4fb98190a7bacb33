package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import dev.racetrack.diagnose.KernelFixes.Fix;

/**
 * The TCP SNAT port race (XING 2018): two pods' SYNs to the same ip:port get the same
 * masquerade port, and the later confirm drops its SYN. No kernel resolves a TCP clash
 * ({@code allow_clash} is never set for TCP), so every MASQUERADE or SNAT rule without
 * {@code --random-fully} that connections leaving the node go through is exposed, on
 * every kernel (Docker's hairpin masquerades are said, not counted); a lost SYN counts
 * {@code insert_failed} and {@code drop} together and costs 1 s, a twice-lost one 3 s (2
 * s from 6.5, "tcp: make the first N SYN RTO backoffs linear";
 * {@code src/docs/netfilter-races.md} §6). Critical only when drops that a clash explains
 * rose between two samples; the fix names the exact rule lines and who wrote them
 * ({@link MasqueradeOwners}).
 */
final class SnatPortRaceRule {

	static final String ID = "snat-port-race";

	/** The most rules quoted as evidence. */
	private static final int MAX_RULES = 20;

	/** The most of Docker's hairpin masquerades quoted as evidence. */
	private static final int MAX_HAIRPINS = 5;

	private SnatPortRaceRule() {
	}

	static Optional<Finding> assess(Facts facts) {
		List<NatRule> exposed = facts.nat().sourceNatWithoutRandomFully();
		if (exposed.isEmpty() && facts.hints().contains(PasteHints.LEGACY_TABLES)
				&& !facts.hints().contains(PasteHints.LEGACY_PASTED)) {
			// iptables-nft's save warned that the legacy tables hold rules too:
			// kube-proxy
			// and Docker in legacy mode write their MASQUERADE rules there.
			return Optional.of(finding(Severity.INFO,
					"SNAT port race: the rules that matter may be in the iptables-legacy tables, not pasted",
					List.of("iptables-save warned \"iptables-legacy tables present\": a kube-proxy or Docker in "
							+ "legacy mode keeps its MASQUERADE rules there, where this paste does not show them."),
					List.of("Paste iptables-legacy-save -t nat as well.")));
		}
		if (facts.natRead() && exposed.isEmpty()) {
			List<String> hairpins = hairpinEvidence(facts);
			List<String> fromHost = fromHostEvidence(facts);
			if (facts.nat().cutTable() && facts.nat().outboundSourceNatRules().isEmpty()) {
				// A table cut short before any outbound rule says nothing of them.
				List<String> evidence = new ArrayList<>(List.of("The *nat section pasted ends before its COMMIT "
						+ "(the paste was cut) and no MASQUERADE or SNAT rule for connections leaving the node was read "
						+ "before the cut: the rules the SNAT port race goes through may be in the part not pasted."));
				evidence.addAll(hairpins);
				evidence.addAll(fromHost);
				return Optional.of(finding(Severity.INFO,
						"SNAT port race: the nat table was cut before its MASQUERADE rules, so they cannot be checked",
						evidence,
						List.of("Paste the nat table whole, up to its COMMIT (iptables-save -t nat; "
								+ "ip6tables-save -t nat for IPv6), to see whether each MASQUERADE rule has "
								+ "--random-fully.")));
			}
			if ((hairpins.isEmpty() && fromHost.isEmpty()) || !facts.nat().outboundSourceNatRules().isEmpty()) {
				// nothing to say, or every outbound rule has --random-fully already
				return Optional.empty();
			}
			List<String> evidence = new ArrayList<>(hairpins);
			evidence.addAll(fromHost);
			return Optional.of(finding(Severity.INFO, fromHost.isEmpty()
					? "SNAT port race: the only MASQUERADE rules are Docker's hairpin masquerades, which it does not go "
							+ "through"
					: "SNAT port race: no MASQUERADE rule pasted is on the path of connections leaving the node",
					evidence, List.of()));
		}
		if (!facts.natRead() && facts.clashDropsSinceBoot() == 0 && facts.cilium().bpfMasquerading()) {
			// Cilium masquerades pods in eBPF: no MASQUERADE rule of its own to check
			// (CiliumRule says so).
			return Optional.empty();
		}
		if (!facts.natRead() && facts.clashDropsSinceBoot() == 0 && facts.nat().otherTablesOnly()) {
			return Optional.of(finding(Severity.INFO,
					"SNAT port race: the nat table was not read, so the MASQUERADE rules cannot be checked",
					facts.nat().otherTablesEvidence(),
					List.of(facts.nat().pasteNat() + ", to see whether each MASQUERADE rule has --random-fully.")));
		}
		if (!facts.natRead() && facts.clashDropsSinceBoot() == 0) {
			return Optional.of(finding(Severity.INFO,
					"SNAT port race: no nat rules pasted, so the MASQUERADE rules cannot be checked",
					List.of("Paste iptables-save -t nat (or iptables -t nat -S, iptables -t nat -L -n -v, "
							+ "nft list table ip nat) to see whether each MASQUERADE rule has --random-fully."),
					List.of("Paste the nat table.")));
		}
		boolean now = facts.clashDropsNow() > 0 && !exposed.isEmpty();
		Severity severity = now ? Severity.CRITICAL : Severity.WARNING;
		List<String> evidence = new ArrayList<>(ruleEvidence(facts, exposed));
		if (!facts.natRead()) {
			evidence.addAll(facts.nat().otherTablesEvidence());
		}
		evidence.addAll(counterEvidence(facts));
		evidence.add(kernelEvidence(facts));
		return Optional.of(finding(severity, title(facts, exposed, now), evidence, mitigations(facts, exposed)));
	}

	/** A finding of this rule: whatever it says, the Lab replays the SNAT port race. */
	private static Finding finding(Severity severity, String title, List<String> evidence, List<String> mitigations) {
		return new Finding(ID, severity, title, evidence, mitigations, Optional.of(ID));
	}

	private static String title(Facts facts, List<NatRule> exposed, boolean now) {
		String lost = now ? ", and clashes drop packets now" : "";
		if (!facts.natRead()) {
			return "SNAT port race: the counters show clash drops, and no nat rules were pasted to check";
		}
		int n = exposed.size();
		return "SNAT port race: " + n + " MASQUERADE/SNAT rule" + ((n == 1) ? "" : "s") + " without --random-fully"
				+ lost;
	}

	private static List<String> ruleEvidence(Facts facts, List<NatRule> exposed) {
		List<String> evidence = new ArrayList<>();
		for (NatRule rule : exposed.subList(0, Math.min(MAX_RULES, exposed.size()))) {
			String owner = MasqueradeOwners.owner(rule, facts.nat().rules());
			String why = (rule.form() == NatRule.Form.NFT_XT)
					? " (an iptables-nft rule: nft cannot show whether it has --random-fully)"
					: rule.random() ? " (--random only: a keyed hash of the tuple, which helped little in XING's test)"
							: " (no --random-fully)";
			String packets = (rule.packets() > 0)
					? ", " + String.format(Locale.ROOT, "%,d", rule.packets()) + " packets through it" : "";
			evidence.add(rule.cite() + why + (owner.isEmpty() ? "" : ", written by " + owner) + packets);
		}
		if (exposed.size() > MAX_RULES) {
			evidence.add("… and " + (exposed.size() - MAX_RULES) + " more rules");
		}
		evidence.addAll(hairpinEvidence(facts));
		evidence.addAll(fromHostEvidence(facts));
		long fully = facts.nat().sourceNatRules().stream().filter(NatRule::randomFully).count();
		if (fully > 0) {
			evidence.add(fully + " other MASQUERADE/SNAT rule" + ((fully == 1) ? " has" : "s have")
					+ " --random-fully already.");
		}
		return evidence;
	}

	/**
	 * Docker's hairpin masquerades, each said for what it is and why the race does not go
	 * through it ({@link MasqueradeOwners#hairpin(NatRule)}): only one container's
	 * connections to its own published port match it, and they leave on its bridge. The
	 * race needs two connections from different sources (pods, containers) that keep the
	 * same source port toward one server ({@code src/docs/netfilter-races.md} §1–§3), and
	 * there is one source here.
	 */
	private static List<String> hairpinEvidence(Facts facts) {
		List<String> evidence = new ArrayList<>();
		List<NatRule> hairpins = facts.nat()
			.sourceNatRules()
			.stream()
			.filter((rule) -> MasqueradeOwners.hairpin(rule).isPresent())
			.toList();
		for (NatRule rule : hairpins.subList(0, Math.min(MAX_HAIRPINS, hairpins.size()))) {
			MasqueradeOwners.Hairpin hairpin = MasqueradeOwners.hairpin(rule).get();
			List<String> published = facts.nat()
				.rules()
				.stream()
				.filter((r) -> "DNAT".equals(r.target()) && r.toDestination().equals(hairpin.destination())
						&& !r.destinationPort().isEmpty())
				.map((r) -> r.destinationPort() + " (line " + r.line() + ")")
				.distinct()
				.limit(4)
				.toList();
			String host = published.isEmpty() ? "published on the host (its DNAT is not in the paste)"
					: "published as host port " + String.join(", ", published);
			evidence.add(rule.cite() + ": Docker's hairpin masquerade for the container " + hairpin.container()
					+ "'s port " + hairpin.port() + "/" + hairpin.protocol() + ", " + host + ".");
		}
		if (hairpins.size() > MAX_HAIRPINS) {
			evidence.add("… and " + (hairpins.size() - MAX_HAIRPINS) + " more hairpin masquerades of Docker's.");
		}
		if (!hairpins.isEmpty()) {
			evidence.add("A hairpin masquerade masquerades only its container's own connections back to its "
					+ "published port (Docker's DNAT sends them back into it), so that the replies return through "
					+ "the host: one source address, on the container's bridge, not the node's uplink. The SNAT port "
					+ "race between connections of different pods or containers leaving the node does not go through "
					+ ((hairpins.size() == 1) ? "it; it needs" : "them; they need") + " no --random-fully.");
		}
		return evidence;
	}

	/**
	 * The masquerades of the host's own connections to containers (Docker's, or another
	 * tool's of the same shape), said for what they are
	 * ({@link MasqueradeOwners#fromHost}): the race needs connections from pods or
	 * containers leaving the node, and these are the node's own, entering a bridge.
	 */
	private static List<String> fromHostEvidence(Facts facts) {
		List<NatRule> rules = facts.nat()
			.sourceNatRules()
			.stream()
			.filter((rule) -> MasqueradeOwners.fromHost(rule).isPresent())
			.toList();
		if (rules.isEmpty()) {
			return List.of();
		}
		List<String> evidence = new ArrayList<>();
		for (NatRule rule : rules.subList(0, Math.min(MAX_HAIRPINS, rules.size()))) {
			String bridge = MasqueradeOwners.fromHost(rule).get();
			boolean docker = MasqueradeOwners.owner(rule, facts.nat().rules()).equals("Docker");
			evidence.add(rule.cite() + ": " + (docker ? "Docker's masquerade" : "a masquerade")
					+ " of the host's own connections to the containers" + (bridge.isEmpty() ? "" : " on " + bridge)
					+ (docker ? " (written with the userland proxy off)." : "."));
		}
		if (rules.size() > MAX_HAIRPINS) {
			evidence.add("… and " + (rules.size() - MAX_HAIRPINS) + " more of these.");
		}
		evidence.add("A masquerade from the host (source address type LOCAL, out to a container's bridge) takes "
				+ "the node's own connections to a published port, so that the container answers through the host: "
				+ "not the pods' or containers' connections leaving the node, which the SNAT port race needs; "
				+ ((rules.size() == 1) ? "it needs" : "they need") + " no --random-fully.");
		return evidence;
	}

	private static List<String> counterEvidence(Facts facts) {
		if (!facts.statsRead()) {
			return List.of();
		}
		List<String> evidence = new ArrayList<>(facts.counterEvidence(List.of(Counter.INSERT_FAILED, Counter.DROP)));
		if (tcpSignature(facts)) {
			evidence.add("insert_failed equals drop on every CPU: the signature of TCP clashes, which no kernel "
					+ "resolves (as in XING's and snat-race-conn-test's counters).");
		}
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
		String backoff = facts.fixes().linearSynBackoff() ? "1 s, then 2 s in total (linear back-off, 6.5 and later)"
				: "1 s, then 3 s in total (the linear back-off starts at 6.5)";
		String rover = (facts.fixes().roverRemoved() == Fix.DROPS)
				? " This kernel still has the shared port rover (removed in 5.0, 4.19.228, 4.9.300), which makes "
						+ "same-port picks likelier."
				: "";
		return "No kernel resolves a TCP clash; a lost SYN is retransmitted after " + backoff + "." + rover;
	}

	private static List<String> mitigations(Facts facts, List<NatRule> exposed) {
		List<String> mitigations = new ArrayList<>();
		if (!exposed.isEmpty()) {
			NatRule first = exposed.get(0);
			String owner = MasqueradeOwners.owner(first, facts.nat().rules());
			String others = (exposed.size() > 1) ? " (and the same for line" + ((exposed.size() > 2) ? "s " : " ")
					+ String.join(", ",
							exposed.subList(1, Math.min(exposed.size(), 6)).stream().map((r) -> "" + r.line()).toList())
					+ ((exposed.size() > 6) ? ", …" : "") + ")" : "";
			String advice = MasqueradeOwners.advice(owner, first);
			String brief = (first.form() == NatRule.Form.LIST_BRIEF)
					? " iptables -L without -v does not show a rule's interfaces: take the rule to replace from "
							+ "iptables-save (or iptables -t nat -S"
							+ ("?".equals(first.chain()) ? "" : " " + first.chain()) + "), which may have a -i or -o "
							+ "match this line lacks."
					: "";
			if (first.form() == NatRule.Form.NFT_XT) {
				mitigations.add("Line " + first.line() + others + " is a " + first.target()
						+ " rule of iptables-nft, whose options nft does not print: list it with iptables-nft-save -t nat "
						+ "and add --random-fully to it if it has none."
						+ (advice.isEmpty() ? "" : " " + owner + ": " + advice));
			}
			else {
				// nft's own name for the flag, on a rule nft lists natively.
				String flag = (first.form() == NatRule.Form.NFT) ? "fully-random" : "--random-fully";
				mitigations.add("Add " + flag + " to line " + first.line() + ": " + first.withRandomFully() + others
						+ "." + brief + (advice.isEmpty() ? "" : " " + owner + ": " + advice));
			}
		}
		else if (facts.nat().otherTablesOnly()) {
			mitigations
				.add(facts.nat().pasteNat() + "; then add --random-fully to each MASQUERADE/SNAT rule without it "
						+ "(iptables 1.6.2 or later).");
		}
		else {
			mitigations.add("Paste the nat table, then add --random-fully to each MASQUERADE/SNAT rule without it "
					+ "(iptables 1.6.2 or later).");
		}
		mitigations.add("Do not SNAT pod traffic to in-VPC destinations: routable pod IPs (AWS VPC CNI, "
				+ "ip-masq-agent) remove the race for them.");
		mitigations.add("Reuse connections (HTTP keep-alive, connection pools): fewer new connections, fewer races.");
		return mitigations;
	}

}
