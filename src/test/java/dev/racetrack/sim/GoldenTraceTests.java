package dev.racetrack.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Collectors;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.ScenarioRunner;
import dev.racetrack.scenario.Scenarios;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Golden traces (ns-3's reflog habit): the same seed must give the same trace, line for
 * line. After an intended model change, regenerate with
 * {@code ./mvnw test -Dtest=GoldenTraceTests
 * -Dgolden.update=true} and review the diff like code.
 */
class GoldenTraceTests {

	static final Path DIR = Path.of("src/test/resources/golden");

	@ParameterizedTest(name = "{0} on {1}, seed {2}")
	@CsvSource({ "snat-port-race, 4.17, 1", "snat-port-race, 6.x, 1", "dnat-race-1, 4.19, 1", "dnat-race-2, 4.17, 1",
			"dnat-race-3, 5.6, 2", "dnat-race-3, 6.x, 2" })
	void theTraceOfASeedNeverChangesUnnoticed(String scenario, String kernel, long seed) throws IOException {
		RunParams p = Scenarios.byId(scenario)
			.orElseThrow()
			.defaults()
			.withKernel(KernelProfile.fromId(kernel).orElseThrow())
			.withSeed(seed);
		String trace = render(ScenarioRunner.run(p, Tracer.recording(100_000)));
		assertThat(render(ScenarioRunner.run(p, Tracer.recording(100_000)))).as("a second run of the same seed")
			.isEqualTo(trace);
		Path file = DIR.resolve(scenario + "-" + kernel + "-seed-" + seed + ".trace");
		if (Boolean.getBoolean("golden.update")) {
			Files.writeString(file, trace, StandardCharsets.UTF_8);
		}
		assertThat(file).as("golden trace (create it with -Dgolden.update=true)").exists();
		assertThat(trace).as("%s (regenerate with -Dgolden.update=true if the change is intended)", file)
			.isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
	}

	static String render(NodeRun run) {
		return run.trace()
			.events()
			.stream()
			.map((e) -> String.format(Locale.ROOT, "%4d %13d cpu%-2d %-16s %s%s", e.seq(), e.t(), e.cpu(), e.type(),
					e.text(), (e.counters() != null) ? "  " + e.counters() : ""))
			.collect(Collectors.joining("\n", "", "\n"));
	}

}
