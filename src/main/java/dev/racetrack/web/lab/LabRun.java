package dev.racetrack.web.lab;

import java.util.List;

import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.Scenario;
import dev.racetrack.scenario.Scenarios;
import dev.racetrack.sim.NodeConfig;
import dev.racetrack.sim.NodeRules;
import dev.racetrack.sim.Topology;
import dev.racetrack.web.shared.ParamsView;

/**
 * What the Lab page needs to open a run before any session exists: the parameters with
 * every default resolved, the node's topology, the {@code iptables -t nat -S} lines in
 * force, and whether the scenario is a guided replay. The page carries it as a data
 * attribute; the session API returns the same {@code topology} and {@code rules}.
 *
 * @param params the run's parameters
 * @param topology the node as the Lab draws it
 * @param rules the nat table, as {@code iptables -t nat -S} prints it
 * @param rawRules the raw table, as {@code iptables -t raw -S} prints it, when it has
 * rules
 * @param replay whether the scenario has guided beats
 * @param title the scenario's title
 */
public record LabRun(ParamsView params, TopologyView topology, List<String> rules, List<String> rawRules,
		boolean replay, String title) {

	public static LabRun of(RunParams p) {
		Topology t = Topology.standard(p.endpoints());
		NodeConfig config = NodeConfig.of(p.kernel(), p.mode(), p.cpus(), p.endpoints(), p.mitigation());
		Scenario scenario = Scenarios.byId(p.scenario()).orElseThrow();
		return new LabRun(ParamsView.of(p), TopologyView.of(p), NodeRules.nat(config, t).save(),
				rawRules(NodeRules.raw(config, t)), scenario.replay(), scenario.title());
	}

	/**
	 * The raw table's rules, or none when it has none (the Lab then shows no raw table).
	 */
	public static List<String> rawRules(dev.racetrack.kernel.iptables.Table raw) {
		List<String> lines = raw.save().stream().filter((l) -> l.startsWith("-A ")).toList();
		return lines.isEmpty() ? List.of() : raw.save();
	}

}
