package dev.racetrack.sim;

import dev.racetrack.kernel.iptables.Cidr;
import dev.racetrack.kernel.iptables.KubeProxy;
import dev.racetrack.kernel.iptables.Match;
import dev.racetrack.kernel.iptables.Rule;
import dev.racetrack.kernel.iptables.Table;
import dev.racetrack.kernel.iptables.Target;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.kernel.packet.L4Proto;

/**
 * The iptables rules of the modelled node: kube-proxy's (v1.11 format, as in the Weave
 * article) for kube-dns over UDP and TCP, and the CNI's masquerade of pod traffic leaving
 * the cluster network (flannel's {@code -s <cluster> ! -d 224.0.0.0/4 -j MASQUERADE}
 * after a RETURN for pod-to-pod traffic). The SNAT mode is the flag of every MASQUERADE
 * rule.
 */
public final class NodeRules {

	/**
	 * The tables already built, by what they are built from: a run's rules never change
	 * (nothing appends to a node's tables once it runs), so runs with the same SNAT mode,
	 * mitigation and topology share one frozen pair instead of building ≈50 rules, and
	 * their {@code iptables-save} texts, per trial. The knobs' ranges give
	 * {@link SnatMode} × {@link Mitigation} × {@link Topology#MAX_ENDPOINTS} standard
	 * topologies; past {@link #MAX_BUILT} pairs (other topologies), a pair is built and
	 * not kept.
	 */
	private static final java.util.Map<Key, Table[]> BUILT = new java.util.HashMap<>();

	/** The most pairs kept: a few KB each. */
	static final int MAX_BUILT = 512;

	private record Key(SnatMode mode, Mitigation mitigation, Topology topology) {
	}

	private NodeRules() {
	}

	/**
	 * The node's nat and raw tables, frozen: built once for each mode, mitigation and
	 * standard topology, and shared.
	 */
	public static Table[] tables(NodeConfig config, Topology topology) {
		Key key = new Key(config.mode(), config.mitigation(), topology);
		Table[] built;
		synchronized (BUILT) {
			built = BUILT.get(key);
		}
		if (built == null) {
			// Built outside the lock; two threads building the same pair keep the first.
			built = new Table[] { nat(config, topology).freeze(), raw(config, topology).freeze() };
			synchronized (BUILT) {
				if (BUILT.size() < MAX_BUILT) {
					Table[] first = BUILT.putIfAbsent(key, built);
					built = (first != null) ? first : built;
				}
			}
		}
		return built.clone();
	}

	/** The nat table. */
	public static Table nat(NodeConfig config, Topology topology) {
		Table nat = Table.nat();
		SnatMode mode = config.mode();
		KubeProxy.addBase(nat, mode);
		Cidr cluster = topology.clusterCidr();
		if (config.mitigation() == Mitigation.NO_SNAT) {
			ipMasqAgent(nat, cluster, mode);
		}
		else {
			nat.append("POSTROUTING", Rule.of(new Target.Return(), new Match.Source(cluster, false),
					new Match.Destination(cluster, false)));
			nat.append("POSTROUTING", Rule.of(new Target.Masquerade(mode), new Match.Source(cluster, false),
					new Match.Destination(Cidr.parse("224.0.0.0/4"), true)));
		}
		KubeProxy.addService(nat, "kube-system/kube-dns:dns", L4Proto.UDP, topology.clusterDnsIp(), 53,
				topology.dnsEndpoints(), cluster);
		KubeProxy.addService(nat, "kube-system/kube-dns:dns-tcp", L4Proto.TCP, topology.clusterDnsIp(), 53,
				topology.dnsEndpoints(), cluster);
		return nat;
	}

	/**
	 * ip-masq-agent (the {@code no-snat} mitigation): destinations inside the VPC, here
	 * 10.0.0.0/8, are reached with the pod's own, routable address; only the rest is
	 * masqueraded.
	 */
	private static void ipMasqAgent(Table nat, Cidr cluster, SnatMode mode) {
		nat.append("POSTROUTING", Rule.of(new Target.Jump("IP-MASQ-AGENT"), new Match.Comment(
				"ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom IP-MASQ-AGENT chain")));
		nat.append("IP-MASQ-AGENT", Rule.of(new Target.Return(), new Match.Destination(Cidr.parse("10.0.0.0/8"), false),
				new Match.Comment("ip-masq-agent: local traffic is not subject to MASQUERADE")));
		nat.append("IP-MASQ-AGENT", Rule.of(new Target.Return(), new Match.Destination(cluster, false),
				new Match.Comment("ip-masq-agent: local traffic is not subject to MASQUERADE")));
		nat.append("IP-MASQ-AGENT", Rule.of(new Target.Masquerade(mode),
				new Match.Comment("ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)")));
	}

	/**
	 * The raw table. With NodeLocal DNSCache, its NOTRACK rules (the DaemonSet's iptables
	 * mode) exempt every packet to and from the cache's address from conntrack.
	 */
	public static Table raw(NodeConfig config, Topology topology) {
		Table raw = Table.raw();
		if (config.mitigation() == Mitigation.NODELOCAL_DNS) {
			Cidr cache = Cidr.parse(Topology.NODE_LOCAL_DNS + "/32");
			for (L4Proto proto : new L4Proto[] { L4Proto.UDP, L4Proto.TCP }) {
				raw.append("PREROUTING", Rule.of(new Target.Notrack(), new Match.Destination(cache, false),
						new Match.Protocol(proto), new Match.Port(proto, 53)));
			}
			for (L4Proto proto : new L4Proto[] { L4Proto.UDP, L4Proto.TCP }) {
				raw.append("OUTPUT", Rule.of(new Target.Notrack(), new Match.Source(cache, false),
						new Match.Protocol(proto), new Match.SourcePort(proto, 53)));
			}
		}
		return raw;
	}

}
