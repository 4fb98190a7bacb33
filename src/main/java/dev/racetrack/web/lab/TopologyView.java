package dev.racetrack.web.lab;

import java.util.ArrayList;
import java.util.List;

import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.sim.Mitigation;
import dev.racetrack.sim.Topology;

/**
 * What the Lab draws of the node: its pods and their veths, the bridge, eth0, the server
 * and the DNS endpoints behind the ClusterIP, and the number of CPUs.
 */
public record TopologyView(String nodeIp, Iface bridge, Iface eth0, int cpus, List<PodView> pods, HostView server,
		DnsView dns, MitigationView mitigation, HostView cache) {

	/**
	 * The mitigation in force, as the Lab labels the node with it.
	 *
	 * @param id the mitigation id
	 * @param title its name
	 * @param detail what it changes on this node, in a few words
	 */
	public record MitigationView(String id, String title, String detail) {
	}

	public record Iface(String name, String ip) {
	}

	public record PodView(String name, String ip, String veth) {
	}

	public record HostView(String name, String ip, int port) {
	}

	public record DnsView(String clusterIp, int port, List<HostView> endpoints) {
	}

	public static TopologyView of(RunParams p) {
		Topology t = Topology.standard(p.endpoints());
		List<PodView> pods = new ArrayList<>();
		for (int i = 0; i < p.pods(); i++) {
			pods.add(new PodView(Topology.podName(i), Ipv4.format(t.podIp(i)), Topology.vethName(i)));
		}
		List<HostView> endpoints = new ArrayList<>();
		for (int i = 0; i < t.dnsEndpoints().size(); i++) {
			endpoints.add(new HostView(Topology.endpointName(i), Ipv4.format(t.dnsEndpoints().get(i)), 53));
		}
		Mitigation m = p.mitigation();
		HostView cache = (m == Mitigation.NODELOCAL_DNS) ? new HostView("node-local-dns", Topology.NODE_LOCAL_DNS, 53)
				: null;
		return new TopologyView(Ipv4.format(t.nodeIp()), new Iface("cni0", Ipv4.format(t.bridgeIp())),
				new Iface("eth0", Ipv4.format(t.nodeIp())), p.cpus(), pods,
				new HostView("server", Ipv4.format(t.serverIp()), t.serverPort()),
				new DnsView(Ipv4.format(t.clusterDnsIp()), 53, endpoints),
				(m == Mitigation.NONE) ? null : new MitigationView(m.id(), m.title(), detail(m)), cache);
	}

	private static String detail(Mitigation m) {
		return switch (m) {
			case NO_SNAT -> "ip-masq-agent: no MASQUERADE toward 10.0.0.0/8; pods keep their own addresses";
			case KEEP_ALIVE -> "one connection per pod, reused for every request";
			case NODELOCAL_DNS ->
				"pods ask " + Topology.NODE_LOCAL_DNS + ": raw NOTRACK, no DNAT; the cache asks kube-dns over TCP";
			case TC_DELAY ->
				"tc delays the second DNS packet of a pair by " + (Mitigation.TC_DELAY_NANOS / 1000) + " µs";
			case NONE -> "";
		};
	}

}
