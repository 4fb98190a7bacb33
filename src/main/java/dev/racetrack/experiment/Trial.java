package dev.racetrack.experiment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

	/**
	 * Runs the trial: one {@link ScenarioRunner#run} with tracing off. Of a sustained
	 * workload only what starts after the warm-up counts: the attempts started after
	 * {@code warmupS}, the counters' growth since then, and the windows of
	 * {@link NodeRun#counterSamples()} after it.
	 */
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
		List<long[]> samples = run.counterSamples();
		long warmupEnd = samples.isEmpty() ? Long.MIN_VALUE
				: samples.get(0)[0] + this.params.warmupS() * 1_000_000_000L;
		List<Flow> flows = run.flows();
		long[] latencies = new long[flows.size()];
		int attempts = 0;
		int done = 0;
		int errors = 0;
		for (Flow flow : flows) {
			if (flow.start() < warmupEnd) {
				continue;
			}
			attempts++;
			if (flow.done()) {
				latencies[done++] = flow.latencyNanos();
				if (flow.outcome() == Flow.Outcome.FAILED) {
					errors++;
				}
			}
		}
		Counter[] all = Counter.values();
		ConntrackStats stats = run.node().netfilter().stats();
		long[] end = new long[all.length + 1];
		for (int i = 0; i < all.length; i++) {
			end[i + 1] = stats.total(all[i]);
		}
		long[] base = new long[all.length + 1];
		List<long[]> after = new ArrayList<>();
		for (long[] sample : samples) {
			if (sample[0] <= warmupEnd) {
				base = sample;
			}
			if (sample[0] >= warmupEnd) {
				after.add(sample);
			}
		}
		List<TrialResult.Window> windows = new ArrayList<>();
		for (int w = 0; w + 1 < after.size(); w++) {
			long from = after.get(w)[0];
			long to = after.get(w + 1)[0];
			int n = 0;
			int failed = 0;
			for (Flow flow : flows) {
				if (flow.start() >= from && flow.start() < to) {
					n++;
					if (flow.outcome() == Flow.Outcome.FAILED) {
						failed++;
					}
				}
			}
			windows.add(new TrialResult.Window(from, to, n, failed, delta(after.get(w), after.get(w + 1))));
		}
		Map<String, Long> counters = delta(base, end);
		return new TrialResult(this.index, this.configuration, this.params.seed(), attempts,
				counters.get(Counter.INSERT_FAILED.label()), counters.get(Counter.DROP.label()),
				counters.get(Counter.CLASH_RESOLVE.label()), attempts - done, Arrays.copyOf(latencies, done), errors,
				counters, windows);
	}

	private static Map<String, Long> delta(long[] from, long[] to) {
		Counter[] all = Counter.values();
		Map<String, Long> d = new LinkedHashMap<>();
		for (int i = 0; i < all.length; i++) {
			d.put(all[i].label(), to[i + 1] - from[i + 1]);
		}
		return d;
	}

}
