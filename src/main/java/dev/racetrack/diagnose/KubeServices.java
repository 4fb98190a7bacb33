package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds kube-proxy's services in the nat rules (iptables mode, {@code proxier.go}):
 * {@code KUBE-SERVICES -d <clusterIP> -p udp --dport 53 -j KUBE-SVC-X}, then
 * {@code KUBE-SVC-X … -m statistic --mode random --probability p -j KUBE-SEP-Y} (one rule
 * per endpoint; session affinity adds {@code -m recent} rules to the same chains), then
 * {@code KUBE-SEP-Y -p udp … -j DNAT --to-destination 10.32.0.6:53}. {@code KUBE-SVL-*}
 * (local traffic policy) chains count as services too.
 */
final class KubeServices {

	private KubeServices() {
	}

	static List<KubeService> find(List<NatRule> rules) {
		return find(rules, List.of());
	}

	/**
	 * The services of the nat rules and, for nftables kube-proxy, of its
	 * {@code service-ips} map's elements.
	 */
	static List<KubeService> find(List<NatRule> rules, List<NftParser.MapElement> elements) {
		Map<String, Builder> services = new LinkedHashMap<>();
		Map<String, NatRule> dnats = new LinkedHashMap<>();
		for (NatRule rule : rules) {
			if (isServiceChain(rule.chain())) {
				services.computeIfAbsent(rule.chain(), (chain) -> new Builder(chain, rule.line())).addRule(rule);
			}
			if (rule.chain().startsWith("KUBE-SEP-") && "DNAT".equals(rule.target())) {
				dnats.putIfAbsent(rule.chain(), rule);
			}
		}
		for (NatRule rule : rules) {
			Builder service = services.get(rule.target());
			if (service != null && !isServiceChain(rule.chain())) {
				service.addEntry(rule);
			}
		}
		List<KubeService> found = new ArrayList<>(services.values().stream().map((s) -> s.build(dnats)).toList());
		found.addAll(nftServices(rules, elements));
		if (found.isEmpty()) {
			found.addAll(byComment(rules));
		}
		return found;
	}

	/**
	 * nftables kube-proxy ({@code pkg/proxy/nftables/proxier.go}): the
	 * {@code service-ips} map sends each ClusterIP, protocol and port to its chain
	 * ({@code 10.96.0.10 . udp . 53 : goto service-HASH-ns/name/proto/port}); the chain
	 * holds {@code numgen random mod N vmap { 0 : goto endpoint-…, … }}, and each
	 * endpoint chain {@code dnat to ip:port} (kube-proxy since nftables mode came, 1.29),
	 * or the chain DNATs itself with {@code dnat ip addr . port to numgen random mod N
	 * map { 0 : 10.180.0.1 . 53, … }} (kube-proxy's master in July 2026, as its
	 * proxier_test.go quoted in kubernetes/kubernetes#140362 expects). A chain the map
	 * names but the paste left out is a service all the same, its endpoints not shown.
	 */
	private static List<KubeService> nftServices(List<NatRule> rules, List<NftParser.MapElement> elements) {
		Map<String, NatRule> dnatByChain = new LinkedHashMap<>();
		for (NatRule rule : rules) {
			if ("DNAT".equals(rule.target()) && rule.form() == NatRule.Form.NFT) {
				dnatByChain.putIfAbsent(rule.chain(), rule);
			}
		}
		Map<String, NftParser.MapElement> clusterIps = new LinkedHashMap<>();
		for (NftParser.MapElement element : elements) {
			if (element.map().equals("service-ips") && element.verdict().startsWith("goto service-")) {
				clusterIps.putIfAbsent(element.chain(), element);
			}
		}
		List<KubeService> services = new ArrayList<>();
		java.util.Set<String> chainsRead = new java.util.HashSet<>();
		for (NatRule rule : rules) {
			if (!rule.target().startsWith("NUMGEN:") || !rule.chain().startsWith("service-")
					|| !chainsRead.add(rule.chain())) {
				continue;
			}
			String name = nftServiceName(rule.chain());
			String protocol = nftServiceProtocol(rule.chain(), rule.protocol());
			List<String> endpoints = NftParser.numgenEndpoints(rule.text());
			List<String> chains = endpoints.isEmpty() ? NftParser.numgenChains(rule.text()) : endpoints;
			if (endpoints.isEmpty()) {
				endpoints = chains.stream()
					.map(dnatByChain::get)
					.filter((dnat) -> dnat != null && !dnat.toDestination().isEmpty())
					.map(NatRule::toDestination)
					.toList();
			}
			NftParser.MapElement entry = clusterIps.get(rule.chain());
			String port = (entry != null) ? entry.port() : (endpoints.isEmpty() ? "" : portOf(endpoints.get(0)));
			services.add(new KubeService(rule.chain(), rule.line(), name, protocol, port, chains, endpoints,
					(entry != null) ? entry.address() : "", true));
		}
		for (NftParser.MapElement entry : clusterIps.values()) {
			if (!chainsRead.contains(entry.chain())) {
				services.add(new KubeService(entry.chain(), entry.line(), nftServiceName(entry.chain()),
						entry.protocol(), entry.port(), List.of(), List.of(), entry.address(), false));
			}
		}
		return services;
	}

	/**
	 * The service port a chain's name gives:
	 * {@code service-FY5PMXPG-kube-system/kube-dns/udp/dns} is
	 * {@code kube-system/kube-dns:dns}.
	 */
	private static String nftServiceName(String chain) {
		String[] parts = chain.split("/", 6);
		return (parts.length >= 4) ? parts[0].replaceFirst("^service-[A-Z0-9]+-", "") + "/" + parts[1] + ":" + parts[3]
				: chain;
	}

	private static String nftServiceProtocol(String chain, String fallback) {
		String[] parts = chain.split("/", 6);
		return (parts.length >= 4) ? parts[2] : fallback;
	}

	/**
	 * An excerpt without the service chains ({@code iptables -t nat -L | grep kube-dns}):
	 * the DNAT rules grouped by their comment, one service per comment and protocol.
	 */
	private static List<KubeService> byComment(List<NatRule> rules) {
		Map<String, List<NatRule>> groups = new LinkedHashMap<>();
		for (NatRule rule : rules) {
			if ("DNAT".equals(rule.target()) && !rule.comment().isEmpty() && !rule.toDestination().isEmpty()) {
				groups.computeIfAbsent(serviceName(rule.comment()) + "|" + rule.protocol(), (k) -> new ArrayList<>())
					.add(rule);
			}
		}
		List<KubeService> services = new ArrayList<>();
		for (List<NatRule> group : groups.values()) {
			NatRule first = group.get(0);
			List<String> endpoints = group.stream().map(NatRule::toDestination).distinct().toList();
			services.add(new KubeService("(DNAT rules of " + serviceName(first.comment()) + ")", first.line(),
					serviceName(first.comment()), first.protocol(), portOf(endpoints.get(0)), endpoints, endpoints));
		}
		return services;
	}

	private static String portOf(String destination) {
		int colon = destination.lastIndexOf(':');
		return (colon >= 0) ? destination.substring(colon + 1) : "";
	}

	private static boolean isServiceChain(String chain) {
		return chain.startsWith("KUBE-SVC-") || chain.startsWith("KUBE-SVL-");
	}

	/** Strips kube-proxy's suffixes: {@code " cluster IP"}, {@code " -> 10.0.0.1:53"}. */
	static String serviceName(String comment) {
		String name = comment;
		int arrow = name.indexOf(" -> ");
		if (arrow >= 0) {
			name = name.substring(0, arrow);
		}
		for (String suffix : List.of(" cluster IP", " external IP", " loadbalancer IP")) {
			if (name.endsWith(suffix)) {
				name = name.substring(0, name.length() - suffix.length());
			}
		}
		return name.strip();
	}

	/** What the rules say about one service chain. */
	private static final class Builder {

		private final String chain;

		private final int line;

		private String name = "";

		private String protocol = "";

		private String port = "";

		private final List<String> endpointChains = new ArrayList<>();

		Builder(String chain, int line) {
			this.chain = chain;
			this.line = line;
		}

		void addRule(NatRule rule) {
			if (this.name.isEmpty() && !rule.comment().isEmpty()) {
				this.name = serviceName(rule.comment());
			}
			if (rule.target().startsWith("KUBE-SEP-") && !this.endpointChains.contains(rule.target())) {
				this.endpointChains.add(rule.target());
			}
		}

		/** A rule elsewhere (KUBE-SERVICES, KUBE-EXT-…) that jumps here. */
		void addEntry(NatRule rule) {
			if (this.protocol.isEmpty() && !rule.protocol().isEmpty() && !rule.protocol().startsWith("!")) {
				this.protocol = rule.protocol();
				this.port = rule.destinationPort();
			}
			if (this.name.isEmpty() && !rule.comment().isEmpty()) {
				this.name = serviceName(rule.comment());
			}
		}

		KubeService build(Map<String, NatRule> dnats) {
			List<String> endpoints = new ArrayList<>();
			String endpointProtocol = "";
			String endpointPort = "";
			for (String endpoint : this.endpointChains) {
				NatRule dnat = dnats.get(endpoint);
				if (dnat != null && !dnat.toDestination().isEmpty()) {
					endpoints.add(dnat.toDestination());
					endpointProtocol = endpointProtocol.isEmpty() ? dnat.protocol() : endpointProtocol;
					endpointPort = endpointPort.isEmpty() ? portOf(dnat.toDestination()) : endpointPort;
				}
			}
			String proto = this.protocol.isEmpty() ? endpointProtocol : this.protocol;
			String svcPort = this.port.isEmpty() ? endpointPort : this.port;
			return new KubeService(this.chain, this.line, this.name, proto, svcPort, this.endpointChains, endpoints);
		}

		private static String portOf(String destination) {
			int colon = destination.lastIndexOf(':');
			return (colon >= 0) ? destination.substring(colon + 1) : "";
		}

	}

}
