package dev.racetrack.experiment;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link ExperimentAggregator}.
 */
class ExperimentAggregatorTests {

	static final ExperimentPlan PLAN = ExperimentPlan.of(List.of(Plans.tcp("4.17", "default", 32, 3, 32000),
			Plans.tcp("4.17", "random-fully", 32, 3, 32000), Plans.tcp("6.x", "default", 10, 3, 0)), 40, 3);

	@Test
	void theSamePlanGivesTheSameNumbersOnOneThreadAndOnFour() {
		ExperimentResult one = Plans.run(PLAN, 1);
		ExperimentResult four = Plans.run(PLAN, 4);
		assertThat(four).isEqualTo(one);
		assertThat(Plans.run(PLAN)).as("and on the calling thread").isEqualTo(one);
		assertThat(one.configurations()).hasSize(3);
		assertThat(one.configurations().get(0).attempts()).isEqualTo(40L * 32 * 3);
	}

	@Test
	void acceptWhenAResultComesOutOfOrderRefusesIt() {
		ExperimentAggregator aggregator = new ExperimentAggregator(PLAN);
		TrialResult second = PLAN.trial(1).run();
		assertThatIllegalStateException().isThrownBy(() -> aggregator.accept(second))
			.withMessageContaining("expected the result of trial 0");
		aggregator.accept(PLAN.trial(0).run());
		aggregator.accept(second);
		assertThat(aggregator.done()).isEqualTo(2);
		assertThatIllegalStateException().isThrownBy(aggregator::result).withMessageContaining("2 of 120");
	}

	@Test
	void theRowToReplayIsTheFirstTrialWithAnInsertionFailure() {
		ExperimentPlan plan = ExperimentPlan.of(List.of(Plans.tcp("4.17", "default", 32, 5, 32000)), 20, 1);
		ExperimentResult result = Plans.run(plan);
		ConfigurationResult row = result.configurations().get(0);
		int first = -1;
		for (int i = 0; i < plan.size() && first < 0; i++) {
			if (plan.trial(i).run().insertFailed() > 0) {
				first = i;
			}
		}
		assertThat(first).isNotNegative();
		assertThat(row.representativeSeed()).isEqualTo(plan.trial(first).params().seed());
		LatencyHistogram.Bucket oneSecond = row.histogram()
			.stream()
			.filter((b) -> b.lowNanos() == 1_000_000_000L)
			.findFirst()
			.orElseThrow();
		assertThat(oneSecond.count()).isPositive();
		assertThat(java.util.Arrays.stream(plan.trial(indexOfSeed(plan, oneSecond.seed())).run().latenciesNanos()))
			.as("the bucket's seed replays a run with a latency in the bucket")
			.anyMatch((l) -> l >= oneSecond.lowNanos() && l < oneSecond.highNanos());
	}

	private static int indexOfSeed(ExperimentPlan plan, long seed) {
		for (int i = 0; i < plan.size(); i++) {
			if (plan.trial(i).params().seed() == seed) {
				return i;
			}
		}
		throw new AssertionError("no trial has seed " + seed);
	}

}
