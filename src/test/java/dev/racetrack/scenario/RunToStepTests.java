package dev.racetrack.scenario;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.racetrack.export.ConntrackListFormat;
import dev.racetrack.export.ConntrackStatsFormat;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.sim.InvariantChecker;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.sim.Tracer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * {@link ScenarioRunner#runToStep}: a run stopped right after step N is the live model at
 * step N (its table, counters and rover are those a listener sees at event N of the whole
 * run), and its trace is the whole run's first N + 1 events.
 */
class RunToStepTests {

	private static final long MAX_EVENTS = 1_000_000;

	@ParameterizedTest(name = "{0} on {1}: every step")
	@CsvSource({ "snat-port-race, 4.17", "dnat-race-3, 5.6", "dnat-race-1, 6.x" })
	@DisplayName("stopped at any step, the run is exactly the whole run's state at that event")
	void everyStepIsTheLiveStateOfTheWholeRun(String scenario, String kernel) {
		RunParams params = params(scenario, kernel);
		List<String> seen = new ArrayList<>();
		NodeRun[] whole = new NodeRun[1];
		Tracer tracer = Tracer.recording(MAX_EVENTS).onEvent((e) -> seen.add(snapshot(whole[0], e)));
		ScenarioRunner.run(params, dev.racetrack.sim.TimingModel.calibrated(), tracer, (r) -> whole[0] = r);
		List<TraceEvent> all = tracer.events();
		assertThat(all).hasSizeGreaterThan(50);
		for (int step = 0; step < all.size(); step++) {
			NodeRun frozen = ScenarioRunner.runToStep(params, Tracer.recording(MAX_EVENTS), step);
			List<TraceEvent> events = frozen.trace().events();
			assertThat(events).as("events of step %d", step).isEqualTo(all.subList(0, step + 1));
			assertThat(snapshot(frozen, events.get(step))).as("state at step %d", step).isEqualTo(seen.get(step));
			assertThat(frozen.sim().now()).as("time at step %d", step).isEqualTo(events.get(step).t());
		}
	}

	@Test
	@DisplayName("the last step is the end of the run: its counters are the run's")
	void theLastStepIsTheEnd() {
		RunParams params = params("snat-port-race", "4.17");
		NodeRun whole = ScenarioRunner.run(params, Tracer.recording(MAX_EVENTS));
		int last = whole.trace().size() - 1;
		NodeRun frozen = ScenarioRunner.runToStep(params, Tracer.recording(MAX_EVENTS), last);
		assertThat(frozen.trace().events()).isEqualTo(whole.trace().events());
		assertThat(frozen.summary().counters()).isEqualTo(whole.summary().counters());
		assertThat(frozen.summary().counters().get("insert_failed")).isEqualTo(1L);
	}

	@Test
	@DisplayName("a stop composes with other listeners: an invariant checker sees every step up to the stop")
	void composesWithAnInvariantChecker() {
		InvariantChecker checker = new InvariantChecker();
		Tracer tracer = checker.tracer(MAX_EVENTS);
		RunParams params = params("dnat-race-3", "5.6");
		NodeRun frozen = ScenarioRunner.runToStep(params, dev.racetrack.sim.TimingModel.calibrated(), tracer, 28,
				checker::bind);
		assertThat(checker.checked()).isEqualTo(29);
		assertThat(frozen.trace().size()).isEqualTo(29);
		assertThat(frozen.trace().events().get(28).type()).isEqualTo("ct-clash");
	}

	@Test
	@DisplayName("a step past the end, a negative step or an untraced run is refused")
	void outOfRangeStepsAreRefused() {
		RunParams params = params("dnat-race-3", "5.6");
		int total = ScenarioRunner.run(params, Tracer.recording(MAX_EVENTS)).trace().size();
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ScenarioRunner.runToStep(params, Tracer.recording(MAX_EVENTS), total))
			.withMessageContaining("steps 0 to " + (total - 1));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> ScenarioRunner.runToStep(params, Tracer.recording(MAX_EVENTS), -1));
		assertThatIllegalArgumentException().isThrownBy(() -> ScenarioRunner.runToStep(params, Tracer.off(), 3));
	}

	private static RunParams params(String scenario, String kernel) {
		return Scenarios.byId(scenario).orElseThrow().defaults().withKernel(KernelProfile.fromId(kernel).orElseThrow());
	}

	/** What the node shows at an event: conntrack -L, -S, the entry count, the rovers. */
	private static String snapshot(NodeRun run, TraceEvent e) {
		var netfilter = run.node().netfilter();
		return ConntrackListFormat.format(netfilter.table(), e.t()) + "--\n"
				+ ConntrackStatsFormat.format(netfilter.profile(), netfilter.stats()) + "--\ncount="
				+ netfilter.table().count() + " tcp rover=" + netfilter.nat().rover(L4Proto.TCP) + " udp rover="
				+ netfilter.nat().rover(L4Proto.UDP);
	}

}
