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
	 * proxier_test.go quoted in kubernetes/kubernetes#140362 expects), or, for a service
	 * with one endpoint, with a DNAT of its own and no map (kubernetes/kubernetes#140723,
	 * merged 2026-07-19: {@code meta l4proto tcp dnat ip addr . port to 10.180.0.1 . 80},
	 * rewritten by #140960 a week later because nft could not take its IPv6 form). A
	 * service whose internal traffic policy is Local has its chain named
	 * {@code local-HASH-…} instead, which the map's element for the ClusterIP names
	 * (proxier.go, {@code internalPolicyChain = localPolicyChain}); with an external
	 * traffic policy Local the {@code local-} chain is only the external addresses'
	 * (their {@code external-HASH-…} chain goes to it), and the ClusterIP's is the
	 * {@code service-} chain. A chain the map names but the paste left out is a service
	 * all the same, its endpoints not shown.
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
			if (element.map().equals("service-ips") && isPolicyChain(element.chain())
					&& element.verdict().startsWith("goto ")) {
				clusterIps.putIfAbsent(element.chain(), element);
			}
		}
		java.util.Set<String> mappedBases = new java.util.HashSet<>();
		clusterIps.keySet().forEach((chain) -> mappedBases.add(chainBase(chain)));
		java.util.Set<String> pastedServiceBases = new java.util.HashSet<>();
		for (NatRule rule : rules) {
			if (rule.chain().startsWith("service-") && selectsEndpoints(rule)) {
				pastedServiceBases.add(chainBase(rule.chain()));
			}
		}
		List<KubeService> services = new ArrayList<>();
		java.util.Set<String> chainsRead = new java.util.HashSet<>();
		for (NatRule rule : rules) {
			if (!isPolicyChain(rule.chain()) || !selectsEndpoints(rule) || chainsRead.contains(rule.chain())) {
				continue;
			}
			String base = chainBase(rule.chain());
			// The ClusterIP's chain: the one the map sends it to, else service- before
			// local-.
			boolean clusterIpChain = mappedBases.contains(base) ? clusterIps.containsKey(rule.chain())
					: rule.chain().startsWith("service-") || !pastedServiceBases.contains(base);
			if (!clusterIpChain) {
				continue;
			}
			chainsRead.add(rule.chain());
			String name = nftServiceName(rule.chain());
			String protocol = nftServiceProtocol(rule.chain(), rule.protocol());
			List<String> endpoints;
			List<String> chains;
			if ("DNAT".equals(rule.target())) {
				endpoints = List.of(rule.toDestination());
				chains = endpoints;
			}
			else {
				endpoints = NftParser.numgenEndpoints(rule.text());
				chains = endpoints.isEmpty() ? NftParser.numgenChains(rule.text()) : endpoints;
			}
			if (endpoints.isEmpty()) {
				endpoints = chains.stream()
					.map(dnatByChain::get)
					.filter((dnat) -> dnat != null && !dnat.toDestination().isEmpty())
					.map(NatRule::toDestination)
					.toList();
			}
			NftParser.MapElement entry = clusterIps.get(rule.chain());
			// Without the map's element, the chain's own masquerade rule names the
			// ClusterIP (and, since 2024, the port): ip daddr 10.96.0.10 udp dport 53
			// ip saddr != … jump mark-for-masquerade. The endpoints' port is theirs, not
			// the service's.
			NatRule own = ownClusterIpRule(rules, rule.chain());
			String port = (entry != null) ? entry.port() : ((own != null) ? own.destinationPort() : "");
			String address = (entry != null) ? entry.address() : ((own != null) ? own.destinationAddress() : "");
			services.add(
					new KubeService(rule.chain(), rule.line(), name, protocol, port, chains, endpoints, address, true));
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
	 * A rule of a service's policy chain that picks its endpoints: a {@code numgen} map,
	 * or the one DNAT of a service with one endpoint.
	 */
	private static boolean selectsEndpoints(NatRule rule) {
		return rule.form() == NatRule.Form.NFT && (rule.target().startsWith("NUMGEN:")
				|| ("DNAT".equals(rule.target()) && !rule.toDestination().isEmpty()));
	}

	/**
	 * kube-proxy's chains that pick a service port's endpoints: {@code service-HASH-…}
	 * (traffic policy Cluster) and {@code local-HASH-…} (Local).
	 */
	private static boolean isPolicyChain(String chain) {
		return chain.startsWith("service-") || chain.startsWith("local-");
	}

	/** {@code HASH-ns/name/proto/port}: the part both policy chains share. */
	private static String chainBase(String chain) {
		return chain.substring(chain.indexOf('-') + 1);
	}

	/**
	 * The rule of a chain that matches one destination address and port: kube-proxy's
	 * masquerade rule for the ClusterIP, or {@code null}.
	 */
	private static NatRule ownClusterIpRule(List<NatRule> rules, String chain) {
		for (NatRule rule : rules) {
			if (rule.chain().equals(chain) && !rule.destinationPort().isEmpty()
					&& !rule.destinationAddress().isEmpty()) {
				return rule;
			}
		}
		return null;
	}

	/**
	 * The service port a chain's name gives:
	 * {@code service-FY5PMXPG-kube-system/kube-dns/udp/dns} is
	 * {@code kube-system/kube-dns:dns}.
	 */
	private static String nftServiceName(String chain) {
		String[] parts = chain.split("/", 6);
		return (parts.length >= 4)
				? parts[0].replaceFirst("^(?:service|local)-[A-Z0-9]+-", "") + "/" + parts[1] + ":" + parts[3] : chain;
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
			String name = serviceName(first.comment());
			List<String> endpoints = group.stream().map(NatRule::toDestination).distinct().toList();
			// The service's port and ClusterIP come only from a rule of its ClusterIP
			// (KUBE-SERVICES' "… cluster IP" rules): the DNAT's port is the pods'.
			NatRule clusterIpRule = rules.stream()
				.filter((r) -> r.comment().equals(name + " cluster IP") && r.protocol().equals(first.protocol())
						&& !r.destinationPort().isEmpty() && !r.destinationAddress().isEmpty())
				.findFirst()
				.orElse(null);
			services.add(new KubeService("(DNAT rules of " + name + ")", first.line(), name, first.protocol(),
					(clusterIpRule != null) ? clusterIpRule.destinationPort() : "", endpoints, endpoints,
					(clusterIpRule != null) ? clusterIpRule.destinationAddress() : "", true));
		}
		return services;
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

	/**
	 * What the rules say about one service chain. The service's address, protocol and
	 * port are the ClusterIP's, as kube-proxy matches them
	 * (pkg/proxy/iptables/proxier.go, {@code syncProxyRules}): in {@code KUBE-SERVICES},
	 * {@code -A KUBE-SERVICES -d
	 * 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m
	 * tcp --dport 443 -j KUBE-SVC-…}, and since kube-proxy 1.24 also in the chain's own
	 * masquerade rule, {@code -A KUBE-SVC-… ! -s 10.244.0.0/16 -d 10.96.0.1/32 -p tcp -m
	 * comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j
	 * KUBE-MARK-MASQ}. An external or load-balancer IP's rule carries the same port, not
	 * the ClusterIP; a {@code KUBE-NODEPORTS} rule carries the node port, never the
	 * service's. The endpoints' {@code --to-destination 172.18.0.2:6443} are the pods'
	 * address and port (the service's targetPort), never the service's: a service whose
	 * port no rule pasted shows none.
	 */
	private static final class Builder {

		/** How sure a port read is the service's: the ClusterIP's rule is. */
		private static final int CLUSTER_IP = 2;

		/**
		 * An external or load-balancer IP's rule: the service's port, another address.
		 */
		private static final int SERVICE_PORT = 1;

		private final String chain;

		private final int line;

		private String name = "";

		private String protocol = "";

		private String port = "";

		private String clusterIp = "";

		private int portRank;

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
			// The chain's own masquerade rule matches the ClusterIP and the service port.
			if (!rule.destinationAddress().isEmpty() && !rule.destinationPort().isEmpty()
					&& !rule.destinationPort().startsWith("!")) {
				port(rule, CLUSTER_IP);
			}
			else {
				protocol(rule);
			}
		}

		/**
		 * A rule elsewhere (KUBE-SERVICES, KUBE-NODEPORTS, KUBE-EXT-…) that jumps here.
		 */
		void addEntry(NatRule rule) {
			if (this.name.isEmpty() && !rule.comment().isEmpty()) {
				this.name = serviceName(rule.comment());
			}
			boolean nodePort = rule.chain().equals("KUBE-NODEPORTS");
			boolean clusterIp = rule.comment().endsWith(" cluster IP");
			boolean elsewhere = rule.comment().endsWith(" external IP") || rule.comment().endsWith(" loadbalancer IP");
			if (nodePort || rule.destinationPort().isEmpty() || rule.destinationPort().startsWith("!")) {
				protocol(rule);
			}
			else if (clusterIp || (!elsewhere && !rule.destinationAddress().isEmpty())) {
				port(rule, CLUSTER_IP);
			}
			else if (elsewhere) {
				port(rule, SERVICE_PORT);
			}
			else {
				// No address and no "cluster IP": a node port's rule whose chain was cut
				// (iptables -L rows under a lost "Chain KUBE-NODEPORTS" header).
				protocol(rule);
			}
		}

		private void protocol(NatRule rule) {
			if (this.protocol.isEmpty() && !rule.protocol().isEmpty() && !rule.protocol().startsWith("!")) {
				this.protocol = rule.protocol();
			}
		}

		private void port(NatRule rule, int rank) {
			if (rank <= this.portRank || rule.protocol().isEmpty() || rule.protocol().startsWith("!")) {
				protocol(rule);
				return;
			}
			this.portRank = rank;
			this.protocol = rule.protocol();
			this.port = rule.destinationPort();
			if (rank == CLUSTER_IP) {
				this.clusterIp = rule.destinationAddress();
			}
		}

		KubeService build(Map<String, NatRule> dnats) {
			List<String> endpoints = new ArrayList<>();
			String endpointProtocol = "";
			for (String endpoint : this.endpointChains) {
				NatRule dnat = dnats.get(endpoint);
				if (dnat != null && !dnat.toDestination().isEmpty()) {
					endpoints.add(dnat.toDestination());
					endpointProtocol = endpointProtocol.isEmpty() ? dnat.protocol() : endpointProtocol;
				}
			}
			String proto = this.protocol.isEmpty() ? endpointProtocol : this.protocol;
			return new KubeService(this.chain, this.line, this.name, proto, this.port, this.endpointChains, endpoints,
					this.clusterIp, true);
		}

	}

}
