package dev.racetrack.experiment;

import java.util.Arrays;
import java.util.List;

import dev.racetrack.kernel.conntrack.ConntrackStats;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.ScenarioRunner;
import dev.racetrack.sim.Flow;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.Tracer;

/**
 * One independent trial of an {@link ExperimentPlan}: one untraced run of a configuration
 * with its own seed. Running it touches nothing shared, so a caller may run any number of
 * trials at once, on any threads, and fold the results in index order.
 *
 * @param index the position in the plan (the fold order)
 * @param configuration the configuration's position in the plan
 * @param repetition the repetition of that configuration (0-based)
 * @param params the run, with the trial's seed
 */
public record Trial(int index, int configuration, int repetition, RunParams params) {

	public Trial {
		if (index < 0 || configuration < 0 || repetition < 0 || params == null) {
			throw new IllegalArgumentException("a trial needs a position and parameters");
		}
	}

	/** Runs the trial: one {@link ScenarioRunner#run} with tracing off. */
	public TrialResult run() {
		return runOrStop(() -> false);
	}

	/**
	 * Runs the trial, stopped with {@link dev.racetrack.sim.RunStoppedException} once
	 * {@code stop} answers true ({@link dev.racetrack.sim.Simulation#stopWhen}).
	 */
	public TrialResult runOrStop(java.util.function.BooleanSupplier stop) {
		NodeRun run = ScenarioRunner.run(this.params, dev.racetrack.sim.TimingModel.calibrated(), Tracer.off(),
				(r) -> r.sim().stopWhen(stop));
		List<Flow> flows = run.flows();
		long[] latencies = new long[flows.size()];
		int done = 0;
		for (Flow flow : flows) {
			if (flow.done()) {
				latencies[done++] = flow.latencyNanos();
			}
		}
		ConntrackStats stats = run.node().netfilter().stats();
		return new TrialResult(this.index, this.configuration, this.params.seed(), flows.size(),
				stats.total(Counter.INSERT_FAILED), stats.total(Counter.DROP), stats.total(Counter.CLASH_RESOLVE),
				flows.size() - done, Arrays.copyOf(latencies, done));
	}

}
