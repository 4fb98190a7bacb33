package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import dev.racetrack.kernel.KernelBehaviour;
import dev.racetrack.kernel.KernelProfile;

/**
 * The three UDP races of a DNS lookup through a ClusterIP (Weave 2018), by the version
 * table of {@code src/docs/netfilter-races.md} §4. Two packets of one socket (glibc's
 * parallel A and AAAA) are processed by two CPUs at once; the later confirm clashes:
 * <ol>
 * <li>race 1, identical tuples: dropped on 4.17; resolved from 4.19 (ed07d9a021df);</li>
 * <li>race 2, the reply port changed by the SRC null binding: dropped on 4.17 and 4.19;
 * resolved from 5.0 (4e35c1cb9460);</li>
 * <li>race 3, different DNAT endpoints (a service with more than one endpoint): dropped
 * before 5.6; resolved from 5.6 by reply-only clash entries (6a757c07e51f).</li>
 * </ol>
 * Resolved clashes count {@code insert_failed} (without {@code drop}) from 4.19 to 5.9,
 * and {@code clash_resolve} from 5.10.
 */
final class DnatRaceRules {

	/** One race: its scenario id, what it is, and the kernel switch that resolves it. */
	record Race(String id, String name, String fixedIn, String fix, Predicate<KernelProfile> resolved) {
	}

	static final Race RACE_1 = new Race("dnat-race-1", "DNS race 1 (identical tuples)", "4.19",
			"ed07d9a021df \"resolve clash for matching conntracks\"", KernelBehaviour.RESOLVE_MATCHING_CLASH::holdsFor);

	static final Race RACE_2 = new Race("dnat-race-2", "DNS race 2 (reply port changed)", "5.0",
			"4e35c1cb9460 \"skip nat clash resolution for same-origin entries\"",
			KernelBehaviour.SAME_ORIGIN_SKIP::holdsFor);

	static final Race RACE_3 = new Race("dnat-race-3", "DNS race 3 (different DNAT endpoints)", "5.6",
			"6a757c07e51f \"allow insertion of clashing entries\"", KernelBehaviour.CLASH_ENTRIES::holdsFor);

	private DnatRaceRules() {
	}

	static List<Finding> assess(Facts facts) {
		List<Finding> findings = new ArrayList<>();
		findings.add(finding(facts, RACE_1, List.of()));
		findings.add(finding(facts, RACE_2, List.of()));
		race3(facts).ifPresent(findings::add);
		return findings;
	}

	/**
	 * Whether this kernel drops at least one of the UDP races this node is exposed to.
	 */
	static boolean anyDropsHere(Facts facts) {
		boolean race3Exposed = !facts.natRead() || !facts.nat().multiEndpointUdpServices().isEmpty();
		return !RACE_1.resolved().test(facts.profile()) || !RACE_2.resolved().test(facts.profile())
				|| (race3Exposed && !RACE_3.resolved().test(facts.profile()));
	}

	private static Optional<Finding> race3(Facts facts) {
		boolean resolved = RACE_3.resolved().test(facts.profile());
		if (!facts.natRead()) {
			return resolved ? Optional.empty()
					: Optional.of(finding(facts, RACE_3, List.of("No nat table was read: race 3 needs a UDP service "
							+ "(cluster DNS) with more than one endpoint; paste iptables-save -t nat to check.")));
		}
		List<KubeService> services = facts.nat().multiEndpointUdpServices();
		if (services.isEmpty()) {
			return Optional.empty();
		}
		List<String> evidence = services.stream()
			.sorted((a, b) -> Boolean.compare(b.isDns(), a.isDns()))
			.map(KubeService::describe)
			.toList();
		return Optional.of(finding(facts, RACE_3, evidence));
	}

	private static Finding finding(Facts facts, Race race, List<String> exposure) {
		boolean resolved = race.resolved().test(facts.profile());
		Severity severity = severity(facts, resolved);
		List<String> evidence = new ArrayList<>(exposure);
		evidence.add(kernelEvidence(facts, race, resolved));
		evidence.addAll(counterEvidence(facts, resolved));
		evidence.addAll(resolverEvidence(facts));
		return new Finding(race.id(), severity, title(race, resolved, severity), evidence,
				mitigations(facts, race, resolved));
	}

	private static Severity severity(Facts facts, boolean resolved) {
		if (resolved || facts.resolver().usesNodeLocalDns()) {
			return Severity.INFO;
		}
		boolean glibcProtected = facts.resolver().present() && !facts.resolver().glibcParallel();
		return (facts.lossNow() && !glibcProtected) ? Severity.CRITICAL : Severity.WARNING;
	}

	private static String title(Race race, boolean resolved, Severity severity) {
		if (resolved) {
			return race.name() + ": it can happen, and this kernel resolves it";
		}
		return race.name() + ": this kernel drops the losing packet"
				+ ((severity == Severity.CRITICAL) ? ", and the counters show dropped packets" : "");
	}

	private static String kernelEvidence(Facts facts, Race race, boolean resolved) {
		String kernel = "Kernel " + facts.profile().id() + ": ";
		if (resolved) {
			return kernel + "resolved since " + race.fixedIn() + " (" + race.fix() + ").";
		}
		return kernel + "the losing packet is dropped; fixed in " + race.fixedIn() + " (" + race.fix() + ").";
	}

	private static List<String> counterEvidence(Facts facts, boolean resolved) {
		if (!facts.statsRead()) {
			return List.of();
		}
		if (!resolved) {
			return facts.counterEvidence(List.of(Counter.INSERT_FAILED, Counter.DROP));
		}
		if (facts.profile().has(KernelBehaviour.CLASH_RESOLVE_COUNTER)) {
			return List.of("clash_resolve=" + facts.resolvedClashes() + ": UDP clashes the kernel resolved "
					+ "(races 1, 2 and 3 all count here).");
		}
		if (facts.profile().has(KernelBehaviour.RESOLVE_MATCHING_CLASH)) {
			return List.of("insert_failed − drop = " + facts.resolvedClashes() + ": clashes the kernel resolved "
					+ "(before 5.10 a resolved clash still counts insert_failed).");
		}
		return List.of();
	}

	private static List<String> resolverEvidence(Facts facts) {
		ResolverConfig resolver = facts.resolver();
		List<String> evidence = new ArrayList<>();
		if (resolver.usesNodeLocalDns()) {
			evidence.add("nameserver " + ResolverConfig.NODELOCAL_DNS_ADDRESS + ": NodeLocal DNSCache, so pod "
					+ "lookups reach a local cache without DNAT or conntrack.");
		}
		else if (resolver.present() && !resolver.glibcParallel()) {
			evidence.add("resolv.conf sets " + String.join(", ", protectingOptions(resolver))
					+ ": glibc clients avoid the race; musl clients (Alpine images) ignore it and stay exposed.");
		}
		else if (resolver.present()) {
			evidence.add("resolv.conf: glibc sends A and AAAA at once from one socket, the trigger of this race.");
		}
		return evidence;
	}

	static List<String> protectingOptions(ResolverConfig resolver) {
		return List.of("single-request-reopen", "use-vc", "single-request", "no-aaaa")
			.stream()
			.filter(resolver::has)
			.toList();
	}

	private static List<String> mitigations(Facts facts, Race race, boolean resolved) {
		if (resolved) {
			return List.of("Nothing to do for this race on this kernel: a resolved clash costs no time.");
		}
		List<String> mitigations = new ArrayList<>();
		if (!facts.resolver().usesNodeLocalDns()) {
			mitigations.add("NodeLocal DNSCache: pods query a cache on their node, without DNAT and without "
					+ "conntrack, whatever their C library.");
		}
		mitigations.add("Upgrade the kernel to " + race.fixedIn() + " or later (" + race.fix() + ").");
		if (!facts.resolver().present() || facts.resolver().glibcParallel()) {
			mitigations.add("glibc clients: options single-request-reopen (or use-vc) in resolv.conf, e.g. through "
					+ "the pod's dnsConfig; musl ignores these options.");
		}
		return mitigations;
	}

}
