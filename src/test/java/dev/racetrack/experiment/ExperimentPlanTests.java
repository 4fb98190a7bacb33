package dev.racetrack.experiment;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.racetrack.scenario.Scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ExperimentPlan}.
 */
class ExperimentPlanTests {

	@Test
	void trialsGoRepetitionByRepetitionOverTheConfigurations() {
		ExperimentPlan plan = ExperimentPlan
			.of(List.of(Plans.tcp("4.17", "default", 4, 2, 0), Plans.tcp("4.17", "random-fully", 4, 2, 0)), 3, 7);
		assertThat(plan.size()).isEqualTo(6);
		assertThat(plan.attempts()).isEqualTo(3 * (8 + 8));
		Trial t = plan.trial(3);
		assertThat(t.index()).isEqualTo(3);
		assertThat(t.configuration()).isEqualTo(1);
		assertThat(t.repetition()).isEqualTo(1);
		assertThat(t.params().mode().id()).isEqualTo("random-fully");
	}

	@Test
	void everyConfigurationRunsOnTheSameSeedsAndEachRepetitionOnItsOwn() {
		ExperimentPlan plan = ExperimentPlan
			.of(List.of(Plans.tcp("4.17", "default", 4, 2, 0), Plans.tcp("6.x", "default", 4, 2, 0)), 500, 1);
		Set<Long> seeds = new HashSet<>();
		for (int i = 0; i < plan.size(); i += 2) {
			long a = plan.trial(i).params().seed();
			assertThat(plan.trial(i + 1).params().seed()).as("common random numbers").isEqualTo(a);
			assertThat(a).isBetween(0L, ExperimentPlan.MAX_SEED);
			seeds.add(a);
		}
		assertThat(seeds).hasSize(500);
		assertThat(ExperimentPlan.trialSeed(1, 0)).isNotEqualTo(ExperimentPlan.trialSeed(2, 0))
			.isEqualTo(ExperimentPlan.trialSeed(1, 0));
	}

	@Test
	void planWhenScenarioIsARaceReplayIsRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(
					() -> ExperimentPlan.of(List.of(Scenarios.byId("snat-port-race").orElseThrow().defaults()), 1, 1))
			.withMessageContaining("free play");
	}

	@Test
	void planWithoutTrialsOrConfigurationsIsRefused() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ExperimentPlan.of(List.of(Plans.tcp("4.17", "default", 1, 1, 0)), 0, 1));
		assertThatIllegalArgumentException().isThrownBy(() -> ExperimentPlan.of(List.of(), 1, 1));
	}

}
