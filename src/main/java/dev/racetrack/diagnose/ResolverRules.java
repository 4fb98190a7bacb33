package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Findings from the pod's resolv.conf. glibc sends A and AAAA in parallel from one socket
 * ({@code send_dg}), which is what makes two packets of one 5-tuple race; a lost packet
 * stalls the lookup for {@code timeout} (5 s). {@code single-request-reopen} and
 * {@code use-vc} avoid the races, {@code single-request} too at the cost of serial
 * lookups. musl sends in parallel whatever resolv.conf says, and cannot be told from it.
 * {@code ndots:5} with kubelet's search list turns one lookup of an external name into
 * four or more A+AAAA pairs: more chances to race.
 */
final class ResolverRules {

	private ResolverRules() {
	}

	static List<Finding> assess(Facts facts) {
		List<Finding> findings = new ArrayList<>();
		if (!facts.resolver().present()) {
			return findings;
		}
		findings.add(options(facts));
		ndots(facts).ifPresent(findings::add);
		return findings;
	}

	private static Finding options(Facts facts) {
		ResolverConfig resolver = facts.resolver();
		List<String> evidence = new ArrayList<>();
		evidence.add("timeout:" + resolver.timeoutSeconds() + " attempts:" + resolver.attempts()
				+ ": a lost query stalls a glibc lookup about " + resolver.timeoutSeconds()
				+ " s (musl: about 2.5 s).");
		evidence.add("musl (Alpine images) cannot be told from resolv.conf: it ignores single-request, "
				+ "single-request-reopen and use-vc and always sends in parallel.");
		if (resolver.usesNodeLocalDns()) {
			evidence.add(0, "nameserver " + resolver.nameservers().get(0) + ": NodeLocal DNSCache.");
		}
		if (resolver.glibcParallel()) {
			evidence.add(0, "No single-request, single-request-reopen or use-vc option: glibc sends A and AAAA at "
					+ "once from one socket.");
			Severity severity = DnatRaceRules.anyDropsHere(facts) && !facts.nodeLocalDns() ? Severity.WARNING
					: Severity.INFO;
			return new Finding("resolver-options", severity,
					"glibc sends A and AAAA in parallel from one socket: the trigger of the UDP races", evidence,
					withoutNodeLocal(facts, List.of(
							"options single-request-reopen: the second query goes out after the first answer, "
									+ "from a new socket (glibc 2.9 and later).",
							"options use-vc: lookups over TCP, which has no UDP clash (glibc 2.14 and later).",
							"options single-request: no race either, but every lookup waits for two round trips.",
							"NodeLocal DNSCache: protects musl clients too.")));
		}
		List<String> set = DnatRaceRules.protectingOptions(resolver);
		evidence.add(0, "options " + String.join(" ", set) + ": glibc does not send two queries at once from one "
				+ "socket" + (set.equals(List.of("single-request")) ? ", at the cost of serial lookups." : "."));
		return new Finding("resolver-options", Severity.INFO,
				"glibc clients avoid the UDP races (options " + String.join(" ", set) + "); musl clients do not",
				evidence, withoutNodeLocal(facts, List.of("NodeLocal DNSCache protects musl clients too.")));
	}

	private static Optional<Finding> ndots(Facts facts) {
		ResolverConfig resolver = facts.resolver();
		if (resolver.ndots() < 2 || resolver.search().isEmpty()) {
			return Optional.empty();
		}
		int names = resolver.namesTriedForShortName();
		List<String> evidence = new ArrayList<>();
		evidence.add("search " + String.join(" ", resolver.search()) + " (" + resolver.search().size()
				+ " domains), ndots:" + resolver.ndots() + ".");
		resolver.kubeletNamespace()
			.ifPresent((ns) -> evidence.add("kubelet's pattern for a pod in namespace " + ns + "."));
		evidence.add("A name with fewer than " + resolver.ndots() + " dots (e.g. api.example.com) is tried with each "
				+ "search domain first, then as-is: up to " + names + " names, " + (2 * names)
				+ " queries (A and AAAA), each pair another chance to race.");
		Severity severity = DnatRaceRules.anyDropsHere(facts) && !facts.nodeLocalDns() ? Severity.WARNING
				: Severity.INFO;
		return Optional.of(new Finding("ndots-amplification", severity,
				"ndots:" + resolver.ndots() + " with " + resolver.search().size()
						+ " search domains: one lookup can be " + (2 * names) + " queries",
				evidence,
				withoutNodeLocal(facts,
						List.of("Use fully qualified names with a trailing dot (api.example.com.) for external hosts.",
								"Lower ndots for the pod (dnsConfig options ndots: \"2\").",
								"NodeLocal DNSCache answers the extra queries on the node."))));
	}

	/**
	 * Never recommends what is present: NodeLocal DNSCache when the pod already uses it
	 * or its pods serve.
	 */
	private static List<String> withoutNodeLocal(Facts facts, List<String> mitigations) {
		if (!facts.nodeLocalDns()) {
			return mitigations;
		}
		return mitigations.stream().filter((m) -> !m.contains("NodeLocal DNSCache")).toList();
	}

}
