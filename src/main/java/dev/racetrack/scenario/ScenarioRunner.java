package dev.racetrack.scenario;

import dev.racetrack.sim.NodeConfig;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.Simulation;
import dev.racetrack.sim.TimingModel;
import dev.racetrack.sim.Tracer;

/**
 * Runs a scenario: builds the node from the knobs, starts the workload, and runs the
 * engine until the workload is complete (plus the scenario's tail) or its horizon; or
 * stops it right after one trace event, so that the node can be inspected at that step.
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
		NodeConfig config = NodeConfig
			.of(params.kernel(), params.mode(), params.cpus(), params.endpoints(), params.mitigation())
			.withClientPathJitter(!scenario.replay());
		NodeRun run = new NodeRun(config, timing, params.seed(), tracer);
		beforeStart.accept(run);
		Workload workload = scenario.start(run, params);
		long horizon = scenario.horizonNanos(params);
		Simulation sim = run.sim();
		long budget = NodeRun.MAX_ACTIONS;
		while (!workload.complete() && budget-- > 0 && sim.stepUntil(horizon)) {
			// one action at a time, asking the workload in between
		}
		run.run(Math.min(horizon, sim.now() + scenario.tailNanos()));
		return run;
	}

	/**
	 * Runs with the calibrated timing model and stops right after trace event
	 * {@code step}; see {@link #runToStep(RunParams, TimingModel, Tracer, long)}.
	 */
	public static NodeRun runToStep(RunParams params, Tracer tracer, long step) {
		return runToStep(params, TimingModel.calibrated(), tracer, step);
	}

	/**
	 * Runs until trace event {@code step} is recorded and stops right there: the engine
	 * action that emitted the event goes no further, and nothing else runs, so the
	 * returned run's conntrack table, counters, rovers and timers are exactly those the
	 * event describes, and its tracer holds events 0 to {@code step}. The run is left
	 * frozen; it must not be run further.
	 * @param tracer a fresh recording tracer
	 * @param step the last event to run, from 0
	 * @throws IllegalArgumentException if the tracer records nothing, or the run ends
	 * before event {@code step}
	 */
	public static NodeRun runToStep(RunParams params, TimingModel timing, Tracer tracer, long step) {
		return runToStep(params, timing, tracer, step, (run) -> {
		});
	}

	/**
	 * Runs to step {@code step}, handing the fresh run to {@code beforeStart} first
	 * (invariant checkers bind to it).
	 */
	public static NodeRun runToStep(RunParams params, TimingModel timing, Tracer tracer, long step,
			java.util.function.Consumer<NodeRun> beforeStart) {
		if (!tracer.on()) {
			throw new IllegalArgumentException("a run stops at a step only when it is traced");
		}
		if (step < 0) {
			throw new IllegalArgumentException("step must be at least 0: " + step);
		}
		StopAtStep stop = new StopAtStep();
		tracer.onEvent((event) -> {
			if (event.seq() == step) {
				throw stop;
			}
		});
		NodeRun[] started = new NodeRun[1];
		try {
			run(params, timing, tracer, (run) -> {
				started[0] = run;
				beforeStart.accept(run);
			});
		}
		catch (StopAtStep signal) {
			if (signal != stop) {
				throw signal;
			}
			return started[0];
		}
		throw new IllegalArgumentException("the run ends after " + tracer.size() + " events, before step " + step
				+ " (steps 0 to " + (tracer.size() - 1) + ")");
	}

	/** The signal that stops a run at its step: no stack trace, never seen outside. */
	private static final class StopAtStep extends RuntimeException {

		StopAtStep() {
			super("stop at step", null, false, false);
		}

	}

}
