package dev.racetrack.web.experiment;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import dev.racetrack.experiment.ExperimentAggregator;
import dev.racetrack.experiment.ExperimentPlan;
import dev.racetrack.experiment.ExperimentResult;
import dev.racetrack.experiment.TrialResult;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.web.shared.RacetrackProperties;
import dev.racetrack.web.shared.Runs;
import dev.racetrack.web.shared.RunParamsBinder;
import dev.racetrack.web.shared.TooManyRequestsException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link ExperimentRunner}: results come in trial order whatever the number of
 * threads, so that the aggregates are the same to the last bit; the slots are bounded.
 */
class ExperimentRunnerTests {

	static final RacetrackProperties LIMITS = dev.racetrack.web.shared.Settings
		.racetrack(java.util.Map.of("racetrack.max-concurrent-experiments", "2"));

	@Test
	void resultsAreTheSameOnOneThreadAndOnFour() {
		RunParams tcp = RunParamsBinder
			.bind(java.util.Map.of("scenario", "tcp-free-play", "pods", "16", "rounds", "3", "sourcePort", "32000"));
		ExperimentPlan plan = ExperimentPlan
			.of(List.of(tcp, tcp.withMode(dev.racetrack.kernel.nat.SnatMode.RANDOM_FULLY)), 50, 9);
		ExperimentRunner runner = new ExperimentRunner(LIMITS,
				new Runs(LIMITS, new dev.racetrack.web.shared.HeapWatch(),
						new dev.racetrack.web.shared.RejectionMetrics(
								new io.micrometer.core.instrument.simple.SimpleMeterRegistry())));
		Scheduler one = Schedulers.newParallel("test-1", 1);
		Scheduler four = Schedulers.newParallel("test-4", 4);
		try {
			ExperimentResult a = fold(plan, runner.results(plan, one, 1).collectList().block(Duration.ofSeconds(60)));
			ExperimentResult b = fold(plan, runner.results(plan, four, 4).collectList().block(Duration.ofSeconds(60)));
			assertThat(b).isEqualTo(a);
			assertThat(runner.trialsStarted()).isEqualTo(2L * plan.size());
		}
		finally {
			one.dispose();
			four.dispose();
			runner.destroy();
		}
	}

	@Test
	void reserveWhenEverySlotIsTakenThrowsAndAReleaseGivesOneBack() {
		ExperimentRunner runner = new ExperimentRunner(LIMITS,
				new Runs(LIMITS, new dev.racetrack.web.shared.HeapWatch(),
						new dev.racetrack.web.shared.RejectionMetrics(
								new io.micrometer.core.instrument.simple.SimpleMeterRegistry())));
		Runnable a = runner.reserve();
		runner.reserve();
		assertThatExceptionOfType(TooManyRequestsException.class).isThrownBy(runner::reserve);
		a.run();
		a.run();
		assertThat(runner.running()).isEqualTo(1);
		runner.reserve();
		assertThat(runner.running()).isEqualTo(2);
		runner.destroy();
	}

	private static ExperimentResult fold(ExperimentPlan plan, List<TrialResult> results) {
		ExperimentAggregator aggregator = new ExperimentAggregator(plan);
		results.forEach(aggregator::accept);
		return aggregator.result();
	}

}
