package dev.racetrack.sim;

import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import dev.racetrack.experiment.Trial;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.ScenarioRunner;
import dev.racetrack.scenario.Scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A run can be stopped from outside within a bounded number of actions, and a run that is
 * not stopped is the same as one without a stop condition.
 */
class StopWhenTests {

	@Test
	void aStoppedRunEndsWithinOneCheckInterval() {
		Simulation sim = new Simulation();
		long[] ran = { 0 };
		Runnable[] forever = new Runnable[1];
		forever[0] = () -> {
			ran[0]++;
			sim.scheduleAfter(1, forever[0]);
		};
		sim.schedule(0, forever[0]);
		AtomicBoolean stop = new AtomicBoolean();
		sim.stopWhen(stop::get);
		for (int i = 0; i < 10_000; i++) {
			sim.step();
		}
		stop.set(true);
		long before = ran[0];
		assertThatThrownBy(() -> {
			while (true) {
				sim.step();
			}
		}).isInstanceOf(RunStoppedException.class);
		assertThat(ran[0] - before).isLessThanOrEqualTo(Simulation.STOP_CHECK_INTERVAL);
	}

	@Test
	void aRunThatIsNotStoppedIsUnchanged() {
		RunParams params = Scenarios.byId("dns-free-play").orElseThrow().defaults();
		NodeRun plain = ScenarioRunner.run(params, Tracer.recording(1_000_000));
		NodeRun watched = ScenarioRunner.run(params, TimingModel.calibrated(), Tracer.recording(1_000_000),
				(r) -> r.sim().stopWhen(() -> false));
		assertThat(watched.trace().events()).isEqualTo(plain.trace().events());
	}

	@Test
	void aTrialStopsWhenAsked() {
		RunParams params = Scenarios.byId("tcp-free-play").orElseThrow().defaults();
		Trial trial = new Trial(0, 0, 0, params);
		assertThatThrownBy(() -> trial.runOrStop(() -> true)).isInstanceOf(RunStoppedException.class);
		assertThat(trial.runOrStop(() -> false)).usingRecursiveComparison().isEqualTo(trial.run());
	}

}
