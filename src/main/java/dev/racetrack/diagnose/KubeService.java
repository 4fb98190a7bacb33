package dev.racetrack.diagnose;

import java.util.List;

/**
 * A kube-proxy service as its iptables rules show it: {@code KUBE-SERVICES} jumps to a
 * {@code KUBE-SVC-*} chain, whose rules pick one {@code KUBE-SEP-*} endpoint chain each
 * with {@code -m statistic --mode random}, and each endpoint chain DNATs to one pod.
 *
 * @param chain the {@code KUBE-SVC-*} (or {@code KUBE-SVL-*}) chain
 * @param line the line of the chain's first rule
 * @param name the service, e.g. {@code kube-system/kube-dns:dns}, or {@code ""}
 * @param protocol {@code udp}, {@code tcp}, or {@code ""} when no rule says
 * @param port the service port (the ClusterIP's {@code --dport}), or {@code ""} when no
 * rule pasted shows it; never the endpoints' port, which their {@code endpoints} carry
 * @param endpointChains the distinct {@code KUBE-SEP-*} chains it jumps to
 * @param endpoints the {@code --to-destination} of each endpoint chain that has one
 * @param clusterIp the ClusterIP: the {@code -d} of the rule that sends it to this chain
 * ({@code KUBE-SERVICES}, or the chain's own masquerade rule), or the address nftables
 * kube-proxy's {@code service-ips} map sends to this chain, or {@code ""}
 * @param chainPasted whether the chain's rules were pasted: a service known only from the
 * {@code service-ips} map, whose chain was cut from the paste, has no endpoint chains
 * read, and how many it has is not known
 */
public record KubeService(String chain, int line, String name, String protocol, String port,
		List<String> endpointChains, List<String> endpoints, String clusterIp, boolean chainPasted) {

	public KubeService {
		endpointChains = List.copyOf(endpointChains);
		endpoints = List.copyOf(endpoints);
	}

	/** A service whose chain was pasted, its address not known. */
	public KubeService(String chain, int line, String name, String protocol, String port, List<String> endpointChains,
			List<String> endpoints) {
		this(chain, line, name, protocol, port, endpointChains, endpoints, "", true);
	}

	public int endpointCount() {
		return this.endpointChains.size();
	}

	/** Cluster DNS over UDP: port 53, or kube-dns/CoreDNS's {@code dns} port. */
	public boolean isDns() {
		if ("tcp".equals(this.protocol)) {
			return false;
		}
		boolean dnsName = this.name.endsWith(":dns") || this.name.contains("kube-dns:dns ")
				|| this.name.endsWith("coredns:dns");
		return ("udp".equals(this.protocol) && ("53".equals(this.port) || (this.port.isEmpty() && endpointsOn53())))
				|| dnsName;
	}

	/**
	 * Whether every endpoint listens on port 53: with the service port not pasted, a UDP
	 * service whose pods answer on 53 is taken for DNS.
	 */
	private boolean endpointsOn53() {
		return !this.endpoints.isEmpty() && this.endpoints.stream().allMatch((e) -> e.endsWith(":53"));
	}

	/**
	 * Whether the DNAT races (UDP only) can happen on it: a rule says UDP, or no rule
	 * names the protocol and the service is cluster DNS ({@code …:dns}). A service whose
	 * protocol no rule names and whose name says nothing (e.g.
	 * {@code default/kubernetes:https}) is not counted: kube-proxy writes one chain per
	 * service port and protocol, and such ports are almost always TCP.
	 */
	public boolean mayBeUdp() {
		if (!this.protocol.isEmpty()) {
			return "udp".equals(this.protocol) || "udplite".equals(this.protocol);
		}
		return isDns();
	}

	/**
	 * {@code KUBE-SVC-… (kube-system/kube-dns:dns, udp/53): 2 endpoints}; a service known
	 * only from the {@code service-ips} map says its chain was not pasted.
	 */
	public String describe() {
		String what = this.name.isEmpty() ? "" : this.name;
		String proto = this.protocol.isEmpty() ? "" : this.protocol + (this.port.isEmpty() ? "" : "/" + this.port);
		String address = this.clusterIp.isEmpty() ? "" : "ClusterIP " + this.clusterIp;
		String details = String.join(", ", List.of(what, proto, address).stream().filter((s) -> !s.isEmpty()).toList());
		if (!this.chainPasted) {
			return "line " + this.line + ": " + this.chain + (details.isEmpty() ? "" : " (" + details + ")")
					+ ", in kube-proxy's service-ips map: its chain was not pasted, so its endpoints are not shown";
		}
		String endpointsText = this.endpoints.isEmpty() ? "" : " → " + String.join(", ", this.endpoints);
		return "line " + this.line + ": " + this.chain + (details.isEmpty() ? "" : " (" + details + ")") + ": "
				+ endpointCount() + " endpoint" + ((endpointCount() == 1) ? "" : "s") + endpointsText;
	}

}
