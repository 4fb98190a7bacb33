package dev.racetrack.sim;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.ScenarioRunner;
import dev.racetrack.scenario.Scenarios;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the Lab's narration says of a port search, against what {@code get_unique_tuple}
 * does: without {@code NF_NAT_RANGE_PROTO_RANDOM_ALL} it tries the original port first
 * and walks only when it is taken; with {@code --random} or {@code --random-fully} it
 * never tries it (src/docs/netfilter-races.md §2).
 */
class NodeNarrationTests {

	@ParameterizedTest(name = "{0} {1}: {2}")
	@CsvSource({ "4.17, default, 'the port is taken, so'",
			"4.17, random, 'with --random the original port is not even tried'",
			"4.17, random-fully, 'with --random-fully the original port is not even tried'",
			"6.x, random-fully, 'with --random-fully the original port is not even tried'" })
	void aWalkSaysWhetherTheOriginalPortWasTried(String kernel, String mode, String says) {
		RunParams params = Scenarios.byId("snat-port-race")
			.orElseThrow()
			.defaults()
			.toBuilder()
			.kernel(KernelProfile.fromId(kernel).orElseThrow())
			.mode(SnatMode.fromId(mode).orElseThrow())
			.pods(6)
			.build();
		List<TraceEvent> walks = ScenarioRunner.run(params, Tracer.recording(50_000))
			.trace()
			.events()
			.stream()
			.filter((e) -> e.change() instanceof Change.PortWalk w && w.port() < 0)
			.toList();
		assertThat(walks).as("port searches").isNotEmpty();
		assertThat(walks).allSatisfy((e) -> assertThat(e.text()).contains(says));
	}

}
