package dev.racetrack.web;

import java.util.ArrayList;
import java.util.List;

import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.Scenario;
import dev.racetrack.scenario.Scenarios;
import dev.racetrack.sim.NodeConfig;
import dev.racetrack.sim.NodeRules;
import dev.racetrack.sim.Topology;

/**
 * What the Lab page needs to open a run before any session exists: the parameters with
 * every default resolved, the node's topology, the {@code iptables -t nat -S} lines in
 * force, and whether the scenario is a guided replay. The page carries it as a data
 * attribute; the session API returns the same {@code topology} and {@code rules}.
 *
 * @param params the run's parameters
 * @param topology the node as the Lab draws it
 * @param rules the nat table, as {@code iptables -t nat -S} prints it
 * @param replay whether the scenario has guided beats
 * @param title the scenario's title
 */
record LabRun(ParamsView params, TopologyData topology, List<String> rules, boolean replay, String title) {

	/** The node: pods with their veths, the bridge, eth0, the server and kube-dns. */
	record TopologyData(String nodeIp, Iface bridge, Iface eth0, int cpus, List<PodData> pods, HostData server,
			DnsData dns) {
	}

	record Iface(String name, String ip) {
	}

	record PodData(String name, String ip, String veth) {
	}

	record HostData(String name, String ip, int port) {
	}

	record DnsData(String clusterIp, int port, List<HostData> endpoints) {
	}

	static LabRun of(RunParams p) {
		Topology t = Topology.standard(p.endpoints());
		List<PodData> pods = new ArrayList<>();
		for (int i = 0; i < p.pods(); i++) {
			pods.add(new PodData(Topology.podName(i), Ipv4.format(t.podIp(i)), Topology.vethName(i)));
		}
		List<HostData> endpoints = new ArrayList<>();
		for (int i = 0; i < t.dnsEndpoints().size(); i++) {
			endpoints.add(new HostData(Topology.endpointName(i), Ipv4.format(t.dnsEndpoints().get(i)), 53));
		}
		TopologyData topology = new TopologyData(Ipv4.format(t.nodeIp()), new Iface("cni0", Ipv4.format(t.bridgeIp())),
				new Iface("eth0", Ipv4.format(t.nodeIp())), p.cpus(), pods,
				new HostData("server", Ipv4.format(t.serverIp()), t.serverPort()),
				new DnsData(Ipv4.format(t.clusterDnsIp()), 53, endpoints));
		NodeConfig config = NodeConfig.of(p.kernel(), p.mode(), p.cpus(), p.endpoints(), p.mitigation());
		List<String> rules = NodeRules.nat(config, t).save();
		Scenario scenario = Scenarios.byId(p.scenario()).orElseThrow();
		return new LabRun(ParamsView.of(p), topology, rules, scenario.replay(), scenario.title());
	}

}
