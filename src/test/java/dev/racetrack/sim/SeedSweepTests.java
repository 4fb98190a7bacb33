package dev.racetrack.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.ScenarioRunner;
import dev.racetrack.scenario.Scenarios;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A bounded sweep of seeds over every scenario, kernel and mode, with the invariant
 * checker after every event (TigerBeetle's VOPR habit): any failure names the seed and
 * the parameters that reproduce it.
 */
class SeedSweepTests {

	static final int SEEDS = 4;

	static Stream<Arguments> configurations() {
		List<Arguments> all = new ArrayList<>();
		for (String scenario : Scenarios.ids()) {
			for (KernelProfile kernel : KernelProfile.values()) {
				for (SnatMode mode : SnatMode.values()) {
					all.add(Arguments.of(scenario, kernel, mode));
				}
			}
		}
		return all.stream();
	}

	@ParameterizedTest(name = "{0} on {1}, {2}")
	@MethodSource("configurations")
	@DisplayName("invariants hold after every event")
	void invariantsHoldAfterEveryEvent(String scenario, KernelProfile kernel, SnatMode mode) {
		RunParams base = Scenarios.byId(scenario).orElseThrow().defaults().withKernel(kernel).withMode(mode);
		if (base.pods() > 6) {
			base = base.toBuilder().pods(6).rounds(3).build();
		}
		for (long seed = 1; seed <= SEEDS; seed++) {
			RunParams p = base.withSeed(seed);
			InvariantChecker checker = new InvariantChecker();
			try {
				NodeRun run = ScenarioRunner.run(p, TimingModel.calibrated(), checker.tracer(200_000), checker::bind);
				assertThat(checker.checked()).isPositive();
				assertThat(run.flows()).allMatch(Flow::done);
			}
			catch (AssertionError | RuntimeException ex) {
				throw new AssertionError("seed " + seed + " fails: " + p + "\n" + ex.getMessage(), ex);
			}
		}
	}

}
