package dev.racetrack.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.Scenarios;

/**
 * Fixtures for the experiment tests: free-play configurations, and a runner that runs a
 * plan's trials on a pool of threads and folds them in index order, as the web layer
 * does.
 */
final class Plans {

	private Plans() {
	}

	/**
	 * {@code tcp-free-play} on a kernel and mode, with pods, rounds and a source port.
	 */
	static RunParams tcp(String kernel, String mode, int pods, int rounds, int sourcePort) {
		RunParams d = Scenarios.byId("tcp-free-play").orElseThrow().defaults();
		return d.toBuilder()
			.kernel(KernelProfile.fromId(kernel).orElseThrow())
			.mode(SnatMode.fromId(mode).orElseThrow())
			.pods(pods)
			.rounds(rounds)
			.sourcePort(sourcePort)
			.build();
	}

	/** {@code dns-free-play} on a kernel, with its defaults otherwise. */
	static RunParams dns(String kernel) {
		return Scenarios.byId("dns-free-play")
			.orElseThrow()
			.defaults()
			.withKernel(KernelProfile.fromId(kernel).orElseThrow());
	}

	/** Runs every trial on {@code threads} threads and folds the results in order. */
	static ExperimentResult run(ExperimentPlan plan, int threads) {
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<TrialResult>> futures = new ArrayList<>(plan.size());
			for (int i = 0; i < plan.size(); i++) {
				Trial trial = plan.trial(i);
				futures.add(pool.submit(trial::run));
			}
			ExperimentAggregator aggregator = new ExperimentAggregator(plan);
			for (Future<TrialResult> future : futures) {
				aggregator.accept(future.get(300, TimeUnit.SECONDS));
			}
			return aggregator.result();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
		finally {
			pool.shutdownNow();
		}
	}

	/** Runs every trial on the calling thread. */
	static ExperimentResult run(ExperimentPlan plan) {
		ExperimentAggregator aggregator = new ExperimentAggregator(plan);
		for (int i = 0; i < plan.size(); i++) {
			aggregator.accept(plan.trial(i).run());
		}
		return aggregator.result();
	}

}
