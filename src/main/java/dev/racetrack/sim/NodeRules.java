package dev.racetrack.sim;

import dev.racetrack.kernel.iptables.Cidr;
import dev.racetrack.kernel.iptables.KubeProxy;
import dev.racetrack.kernel.iptables.Match;
import dev.racetrack.kernel.iptables.Rule;
import dev.racetrack.kernel.iptables.Table;
import dev.racetrack.kernel.iptables.Target;
import dev.racetrack.kernel.packet.L4Proto;

/**
 * The iptables rules of the modelled node: kube-proxy's (v1.11 format, as in the Weave
 * article) for kube-dns over UDP and TCP, and the CNI's masquerade of pod traffic leaving
 * the cluster network (flannel's {@code -s <cluster> ! -d 224.0.0.0/4 -j MASQUERADE}
 * after a RETURN for pod-to-pod traffic). The SNAT mode sets the flags of both MASQUERADE
 * rules.
 */
public final class NodeRules {

	private NodeRules() {
	}

	/** The nat table. */
	public static Table nat(NodeConfig config, Topology topology) {
		Table nat = Table.nat();
		int flags = config.mode().flags();
		KubeProxy.addBase(nat, flags);
		Cidr cluster = topology.clusterCidr();
		nat.append("POSTROUTING",
				Rule.of(new Target.Return(), new Match.Source(cluster, false), new Match.Destination(cluster, false)));
		nat.append("POSTROUTING", Rule.of(new Target.Masquerade(flags), new Match.Source(cluster, false),
				new Match.Destination(Cidr.parse("224.0.0.0/4"), true)));
		KubeProxy.addService(nat, "kube-system/kube-dns:dns", L4Proto.UDP, topology.clusterDnsIp(), 53,
				topology.dnsEndpoints(), cluster);
		KubeProxy.addService(nat, "kube-system/kube-dns:dns-tcp", L4Proto.TCP, topology.clusterDnsIp(), 53,
				topology.dnsEndpoints(), cluster);
		return nat;
	}

	/** The raw table (empty without a mitigation that needs it). */
	public static Table raw(NodeConfig config, Topology topology) {
		return Table.raw();
	}

}
