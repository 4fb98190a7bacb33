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
		found.addAll(nftServices(rules));
		if (found.isEmpty()) {
			found.addAll(byComment(rules));
		}
		return found;
	}

	/**
	 * nftables kube-proxy: {@code chain service-HASH-ns/name/proto/port} holds
	 * {@code numgen random mod N vmap { 0 : goto endpoint-…, … }}, and each endpoint
	 * chain {@code dnat to ip:port}.
	 */
	private static List<KubeService> nftServices(List<NatRule> rules) {
		Map<String, NatRule> dnatByChain = new LinkedHashMap<>();
		for (NatRule rule : rules) {
			if ("DNAT".equals(rule.target()) && rule.form() == NatRule.Form.NFT) {
				dnatByChain.putIfAbsent(rule.chain(), rule);
			}
		}
		List<KubeService> services = new ArrayList<>();
		for (NatRule rule : rules) {
			if (!rule.target().startsWith("NUMGEN:") || !rule.chain().startsWith("service-")) {
				continue;
			}
			String[] parts = rule.chain().split("/");
			String name = (parts.length >= 4)
					? parts[0].replaceFirst("^service-[A-Z0-9]+-", "") + "/" + parts[1] + ":" + parts[3] : rule.chain();
			String protocol = (parts.length >= 4) ? parts[2] : rule.protocol();
			List<String> chains = NftParser.numgenChains(rule.text());
			List<String> endpoints = chains.stream()
				.map(dnatByChain::get)
				.filter((dnat) -> dnat != null && !dnat.toDestination().isEmpty())
				.map(NatRule::toDestination)
				.toList();
			String port = endpoints.isEmpty() ? "" : portOf(endpoints.get(0));
			services.add(new KubeService(rule.chain(), rule.line(), name, protocol, port, chains, endpoints));
		}
		return services;
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
