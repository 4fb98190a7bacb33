package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.racetrack.diagnose.KernelFixes.Fix;

/**
 * The three UDP races of a DNS lookup through a ClusterIP (Weave 2018), by the version
 * table of {@code src/docs/netfilter-races.md} §4 and the distribution backports of
 * {@link DistroKernels}. Two packets of one socket (glibc's parallel A and AAAA) are
 * processed by two CPUs at once; the later confirm clashes:
 * <ol>
 * <li>race 1, identical tuples: resolved from 4.19 (ed07d9a021df);</li>
 * <li>race 2, the reply port changed by the SRC null binding: resolved from 5.0
 * (4e35c1cb9460);</li>
 * <li>race 3, different DNAT endpoints (a UDP service with more than one endpoint):
 * resolved from 5.6 by reply-only clash entries (6a757c07e51f). A TCP service is no race
 * 3 exposure.</li>
 * </ol>
 * Critical only when clash drops rose between two samples and the pods' glibc is not told
 * to avoid the race; a race this kernel resolves is info.
 */
final class DnatRaceRules {

	/** One race: its scenario id, what it is, and the commit that resolves it. */
	record Race(String id, String name, String fixedIn, String fix) {
	}

	static final Race RACE_1 = new Race("dnat-race-1", "DNS race 1 (identical tuples)", "4.19",
			"ed07d9a021df \"resolve clash for matching conntracks\"");

	static final Race RACE_2 = new Race("dnat-race-2", "DNS race 2 (reply port changed)", "5.0",
			"4e35c1cb9460 \"skip nat clash resolution for same-origin entries\"");

	static final Race RACE_3 = new Race("dnat-race-3", "DNS race 3 (different DNAT endpoints)", "5.6",
			"6a757c07e51f \"allow insertion of clashing entries\"");

	private DnatRaceRules() {
	}

	static List<Finding> assess(Facts facts) {
		List<Finding> findings = new ArrayList<>();
		if (!relevant(facts)) {
			return findings;
		}
		findings.add(finding(facts, RACE_1, List.of()));
		findings.add(finding(facts, RACE_2, List.of()));
		race3(facts).ifPresent(findings::add);
		race3RuledOut(facts).ifPresent(findings::add);
		return findings;
	}

	/** The id of {@link #race3RuledOut}. */
	static final String RACE_3_RULED_OUT = "dns-single-endpoint";

	/**
	 * Says so when the paste shows the cluster DNS with one endpoint, so that race 3
	 * cannot happen: at 3 a.m. the absence of a finding reads as "not checked". One
	 * address in {@code kubectl get endpoints} or one cluster DNS pod, when no nat rules
	 * were read; kube-dns's service chain with one endpoint chain and no other UDP
	 * service with two or more, when they were.
	 */
	private static Optional<Finding> race3RuledOut(Facts facts) {
		String evidence;
		if (!facts.natRead()) {
			if (!facts.extras().singleDnsEndpoint()) {
				return Optional.empty();
			}
			evidence = facts.extras().dnsEndpoints().get().evidence();
		}
		else {
			Optional<KubeService> dns = facts.nat().dnsService();
			if (dns.isEmpty() || dns.get().endpointCount() != 1 || !facts.nat().multiEndpointUdpServices().isEmpty()) {
				return Optional.empty();
			}
			evidence = dns.get().describe();
		}
		return Optional.of(new Finding(RACE_3_RULED_OUT, Severity.INFO,
				"DNS race 3 cannot happen here: the cluster DNS has one endpoint",
				List.of(evidence,
						"Race 3 needs two endpoints: with one, both packets of a lookup are DNATed to the "
								+ "same address. Races 1 and 2 need none and are judged above. This holds for what was "
								+ "pasted: a paste cut short, or a second CoreDNS replica (scaling, an autoscaler), "
								+ "brings race 3 back."),
				List.of()));
	}

	/**
	 * Whether a DNS race can be judged at all: the paste shows the kernel, the counters,
	 * the resolver or the services.
	 */
	private static boolean relevant(Facts facts) {
		return facts.kernel().basis() != KernelMatch.Basis.ASSUMED || facts.resolver().present()
				|| facts.nat().dnsService().isPresent() || facts.total(Counter.INSERT_FAILED) > 0
				|| facts.extras().dnsEndpoints().isPresent() || facts.extras().dnsService().isPresent();
	}

	/** Whether this kernel drops (or may drop) a UDP race this node is exposed to. */
	static boolean anyDropsHere(Facts facts) {
		boolean race3Exposed = (!facts.natRead() && !facts.extras().singleDnsEndpoint()
				&& !facts.dnsTranslatedByCilium()) || !facts.nat().multiEndpointUdpServices().isEmpty()
				|| dnsChainNotPasted(facts).isPresent();
		return facts.raceDrops(RACE_1.id()) || facts.raceDrops(RACE_2.id())
				|| (race3Exposed && facts.raceDrops(RACE_3.id()));
	}

	/**
	 * The cluster DNS as nftables kube-proxy's {@code service-ips} map names it, when its
	 * chain was not pasted and no kubectl output gives its endpoints.
	 */
	private static Optional<KubeService> dnsChainNotPasted(Facts facts) {
		return facts.nat().dnsService().filter((dns) -> !dns.chainPasted() && facts.extras().dnsEndpoints().isEmpty());
	}

	private static Optional<Finding> race3(Facts facts) {
		Fix fix = facts.fixes().race3();
		if (facts.dnsTranslatedByCilium()) {
			// Cilium's eBPF picks the DNS endpoint, not a netfilter DNAT (CiliumRule).
			return Optional.empty();
		}
		if (!facts.natRead()) {
			// One DNS address (kubectl get endpoints, or one cluster DNS pod): a lookup's
			// two packets cannot be DNATed to two endpoints.
			if (facts.extras().singleDnsEndpoint()) {
				return Optional.empty();
			}
			if (facts.extras().severalDnsEndpoints()) {
				return Optional.of(finding(facts, RACE_3, List.of(facts.extras().dnsEndpoints().get().evidence()
						+ " Two packets of one lookup can be DNATed to two of them.")));
			}
			return (fix == Fix.FIXED) ? Optional.empty()
					: Optional.of(finding(facts, RACE_3, List.of("No nat rules were read: race 3 needs a UDP service "
							+ "(cluster DNS) with more than one endpoint; paste the nat table to check.")));
		}
		List<KubeService> services = facts.nat().multiEndpointUdpServices();
		if (services.isEmpty()) {
			// The cluster DNS named by nftables kube-proxy's service-ips map, its chain
			// cut from the paste: how many endpoints it has is not shown.
			return dnsChainNotPasted(facts).filter((dns) -> fix != Fix.FIXED)
				.map((dns) -> finding(facts, RACE_3,
						List.of(dns.describe() + ". Race 3 needs two endpoints or more: nft list chain ip kube-proxy "
								+ dns.chain() + " shows them.")));
		}
		List<String> evidence = services.stream()
			.sorted((a, b) -> Boolean.compare(b.isDns(), a.isDns()))
			.map(KubeService::describe)
			.toList();
		return Optional.of(finding(facts, RACE_3, evidence));
	}

	private static Finding finding(Facts facts, Race race, List<String> exposure) {
		Fix fix = facts.fixes().race(race.id());
		Severity severity = severity(facts, fix);
		List<String> evidence = new ArrayList<>(exposure);
		evidence.add(kernelEvidence(facts, race, fix));
		evidence.addAll(familyEvidence(facts));
		evidence.addAll(counterEvidence(facts, fix));
		evidence.addAll(resolverEvidence(facts));
		return new Finding(race.id(), severity, title(race, fix, severity), evidence, mitigations(facts, race, fix),
				Optional.of(race.id()));
	}

	private static Severity severity(Facts facts, Fix fix) {
		if (fix == Fix.FIXED || facts.dnsProtected()) {
			return Severity.INFO;
		}
		boolean glibcProtected = facts.resolver().present() && !facts.resolver().glibcParallel();
		return (facts.clashDropsNow() > 0 && !glibcProtected) ? Severity.CRITICAL : Severity.WARNING;
	}

	private static String title(Race race, Fix fix, Severity severity) {
		return switch (fix) {
			case FIXED -> race.name() + ": it can happen, and this kernel resolves it";
			case UNKNOWN -> race.name() + ": the release string cannot tell whether this kernel resolves it";
			case DROPS -> race.name() + ": this kernel drops the losing packet"
					+ ((severity == Severity.CRITICAL) ? ", and clashes drop packets now" : "");
		};
	}

	private static String kernelEvidence(Facts facts, Race race, Fix fix) {
		String kernel = facts.kernel().uname().isEmpty() ? "Kernel (" + facts.profile().id() + "): "
				: "Kernel " + facts.kernel().uname() + ": ";
		return switch (fix) {
			case FIXED -> kernel + "resolved (" + race.fix() + ", " + race.fixedIn() + ", or its backport).";
			case UNKNOWN -> kernel + "fixed upstream in " + race.fixedIn() + " (" + race.fix()
					+ "); whether this build has it is not known.";
			case DROPS ->
				kernel + "the losing packet is dropped; fixed in " + race.fixedIn() + " (" + race.fix() + ").";
		};
	}

	/**
	 * A cluster DNS reached over IPv6: the races are the same. nf_conntrack_core.c lets a
	 * clash be resolved by the layer-4 protocol alone ({@code nf_ct_resolve_clash}:
	 * {@code nf_ct_l4proto_find(nf_ct_protonum(ct))->allow_clash}) and compares whole
	 * tuples, whatever their family; nf_nat_core.c picks the DNAT and SNAT tuple the same
	 * way for both ({@code get_unique_tuple}, {@code nf_nat_l4proto_unique_tuple}: only
	 * the spread over an address range looks at the family). The Lab models IPv4
	 * addresses, so it replays the IPv4 equivalent.
	 */
	private static List<String> familyEvidence(Facts facts) {
		return facts.nat()
			.dnsService()
			.map(KubeService::clusterIp)
			.or(() -> facts.extras().dnsService().map(NodeExtras.Service::clusterIp))
			.filter(IpAddress::isV6)
			.map((ip) -> List.of("The cluster DNS is IPv6 (" + ip + "): conntrack and NAT treat IPv6 as IPv4 here "
					+ "(the clash is resolved or dropped by the UDP rule alone, nf_conntrack_core.c; NAT picks "
					+ "tuples the same way, nf_nat_core.c), so the DNS races, the kernels that fix them and the fixes "
					+ "are the same; the replay shows them with IPv4 addresses."))
			.orElse(List.of());
	}

	private static List<String> counterEvidence(Facts facts, Fix fix) {
		if (!facts.statsRead()) {
			return List.of();
		}
		if (fix != Fix.FIXED) {
			return facts.counterEvidence(List.of(Counter.INSERT_FAILED, Counter.DROP));
		}
		if (facts.fixes().clashResolveCounter()) {
			return List.of("clash_resolve=" + facts.total(Counter.CLASH_RESOLVE)
					+ ": UDP clashes the kernel resolved (races 1, 2 and 3 all count here).");
		}
		return List
			.of("insert_failed − drop = " + Math.max(0, facts.total(Counter.INSERT_FAILED) - facts.total(Counter.DROP))
					+ ": clashes the kernel resolved (before 5.10 a resolved clash still counts insert_failed).");
	}

	private static List<String> resolverEvidence(Facts facts) {
		ResolverConfig resolver = facts.resolver();
		List<String> evidence = new ArrayList<>();
		facts.extras()
			.dnsService()
			.filter((svc) -> resolver.nameservers().contains(svc.clusterIp()))
			.ifPresent((svc) -> evidence
				.add("line " + svc.line() + ": " + svc.name() + " is the cluster DNS service " + "at " + svc.clusterIp()
						+ ", the pods' nameserver: each lookup is DNATed to one of its " + "endpoints."));
		if (resolver.usesNodeLocalDns()) {
			evidence.add("nameserver " + resolver.nameservers().get(0) + ": NodeLocal DNSCache, so pod "
					+ "lookups reach a local cache without DNAT or conntrack.");
		}
		else if (facts.nodeLocalDns()) {
			evidence.add(facts.extras().nodeLocalDnsEvidence().orElseThrow()
					+ ": NodeLocal DNSCache serves on the nodes; "
					+ "with kube-proxy in iptables mode it also answers on the cluster DNS service's IP, so pod "
					+ "lookups skip DNAT and conntrack (with IPVS, only pods whose nameserver is its own address).");
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

	/**
	 * What fixes a race here; also said for a lookup lost in a capture
	 * ({@link CaptureRules}).
	 */
	static List<String> mitigations(Facts facts, Race race, Fix fix) {
		if (fix == Fix.FIXED) {
			return List.of("Nothing to do for this race on this kernel: a resolved clash costs no time.");
		}
		List<String> mitigations = new ArrayList<>();
		if (!facts.nodeLocalDns()) {
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
