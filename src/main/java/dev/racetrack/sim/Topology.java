package dev.racetrack.sim;

import java.util.ArrayList;
import java.util.List;

import dev.racetrack.kernel.iptables.Cidr;
import dev.racetrack.kernel.packet.Ipv4;

/**
 * The addresses of the modelled node and its neighbours, taken from the articles: the
 * node {@code 10.0.0.1} and the server {@code 10.0.0.99:80} of XING's example, and Weave
 * Net's pod network {@code 10.32.0.0/12} with the pod {@code 10.40.0.17}, kube-dns at
 * {@code 10.96.0.10} and its endpoints {@code 10.32.0.6}, {@code 10.32.0.7} of the Weave
 * article, so that the kube-proxy chain names come out exactly as printed there.
 *
 * @param nodeIp the node's {@code eth0} address (MASQUERADE's source)
 * @param bridgeIp the {@code cni0} bridge's address (the pods' gateway)
 * @param clusterCidr the cluster's pod CIDR
 * @param localPods this node's pod subnet, behind {@code cni0}
 * @param serverIp the external server
 * @param serverPort its port
 * @param clusterDnsIp kube-dns's ClusterIP
 * @param dnsEndpoints the DNS endpoints (pods on other nodes, reached through
 * {@code eth0})
 */
public record Topology(int nodeIp, int bridgeIp, Cidr clusterCidr, Cidr localPods, int serverIp, int serverPort,
		int clusterDnsIp, List<Integer> dnsEndpoints) {

	/** The largest number of pods a node holds in the model. */
	public static final int MAX_PODS = 128;

	/** The largest number of DNS endpoints. */
	public static final int MAX_ENDPOINTS = 16;

	public Topology {
		dnsEndpoints = List.copyOf(dnsEndpoints);
	}

	/** The standard node with {@code endpoints} kube-dns endpoints. */
	public static Topology standard(int endpoints) {
		if (endpoints < 1 || endpoints > MAX_ENDPOINTS) {
			throw new IllegalArgumentException("endpoints must be 1.." + MAX_ENDPOINTS);
		}
		List<Integer> eps = new ArrayList<>();
		for (int i = 0; i < endpoints; i++) {
			eps.add(Ipv4.parse("10.32.0." + (6 + i)));
		}
		return new Topology(Ipv4.parse("10.0.0.1"), Ipv4.parse("10.40.0.1"), Cidr.parse("10.32.0.0/12"),
				Cidr.parse("10.40.0.0/24"), Ipv4.parse("10.0.0.99"), 80, Ipv4.parse("10.96.0.10"), eps);
	}

	/** NodeLocal DNSCache's link-local listen address. */
	public static final String NODE_LOCAL_DNS = "169.254.20.10";

	/** The address of pod {@code index} (0-based): 10.40.0.17, 10.40.0.18, … */
	public int podIp(int index) {
		if (index < 0 || index >= MAX_PODS) {
			throw new IllegalArgumentException("pod index out of range: " + index);
		}
		return Ipv4.parse("10.40.0." + (17 + index));
	}

	/** The name of pod {@code index}: pod-a … pod-z, then pod-27 … */
	public static String podName(int index) {
		return (index < 26) ? "pod-" + (char) ('a' + index) : "pod-" + (index + 1);
	}

	/** The host side of pod {@code index}'s veth pair. */
	public static String vethName(int index) {
		return (index < 26) ? "veth-" + (char) ('a' + index) : "veth-" + (index + 1);
	}

	/** The host name of DNS endpoint {@code index}: dns-1, dns-2, … */
	public static String endpointName(int index) {
		return "dns-" + (index + 1);
	}

}
