package dev.racetrack.scenario;

import dev.racetrack.sim.NodeConfig;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.Simulation;
import dev.racetrack.sim.TimingModel;
import dev.racetrack.sim.Tracer;

/**
 * Runs a scenario: builds the node from the knobs, starts the workload, and runs the
 * engine until the workload is complete (plus the scenario's tail) or its horizon.
 */
public final class ScenarioRunner {

	private ScenarioRunner() {
	}

	/** Runs with the calibrated timing model. */
	public static NodeRun run(RunParams params, Tracer tracer) {
		return run(params, TimingModel.calibrated(), tracer);
	}

	public static NodeRun run(RunParams params, TimingModel timing, Tracer tracer) {
		return run(params, timing, tracer, (run) -> {
		});
	}

	/**
	 * Runs, handing the fresh run to {@code beforeStart} first (invariant checkers bind
	 * to it).
	 */
	public static NodeRun run(RunParams params, TimingModel timing, Tracer tracer,
			java.util.function.Consumer<NodeRun> beforeStart) {
		Scenario scenario = Scenarios.byId(params.scenario())
			.orElseThrow(() -> new IllegalArgumentException("unknown scenario " + params.scenario()));
		NodeConfig config = NodeConfig.of(params.kernel(), params.mode(), params.cpus(), params.endpoints(),
				params.mitigation());
		NodeRun run = new NodeRun(config, timing, params.seed(), tracer);
		beforeStart.accept(run);
		Workload workload = scenario.start(run, params);
		long horizon = scenario.horizonNanos(params);
		Simulation sim = run.sim();
		long budget = NodeRun.MAX_ACTIONS;
		while (!workload.complete() && sim.nextTime() <= horizon && budget-- > 0) {
			sim.step();
		}
		run.run(Math.min(horizon, sim.now() + scenario.tailNanos()));
		return run;
	}

}
