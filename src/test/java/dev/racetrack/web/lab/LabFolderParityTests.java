package dev.racetrack.web.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.ScenarioRunner;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.sim.TraceFolder;
import dev.racetrack.sim.Tracer;
import dev.racetrack.web.shared.RunParamsBinder;
import dev.racetrack.web.shared.Runs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the browser's reducer ({@code frontend/js/reducer.js}) in step with
 * {@link TraceFolder}: this test owns a golden fixture of runs (their events, and the
 * states TraceFolder folds at chosen steps), which {@code frontend/test/reducer.test.js}
 * replays through the reducer. When the folder or the trace changes on purpose, rerun
 * with {@code -Dracetrack.updateFixtures=true} and commit the new fixture.
 */
class LabFolderParityTests {

	static final Path FIXTURE = Path.of("frontend/test/fixtures/folder-parity.json");

	/**
	 * Runs that cover every branch of the folder: drops, merges, clash entries, expiry.
	 */
	static final List<String> QUERIES = List.of("scenario=snat-port-race", "scenario=snat-port-race&mode=random-fully",
			"scenario=dnat-race-1&kernel=4.19", "scenario=dnat-race-2", "scenario=dnat-race-3&kernel=6.x",
			"scenario=dnat-race-3&kernel=5.6", "scenario=tcp-free-play&pods=3&rounds=1&cpus=4");

	final JsonMapper mapper = JsonMapper.builder().build();

	@Test
	void theCommittedFixtureIsWhatTraceFolderFoldsToday() throws IOException {
		String fresh = this.mapper.writeValueAsString(fixture()) + "\n";
		if (Boolean.getBoolean("racetrack.updateFixtures")) {
			Files.createDirectories(FIXTURE.getParent());
			Files.writeString(FIXTURE, fresh, StandardCharsets.UTF_8);
		}
		assertThat(FIXTURE).as("fixture (create it with -Dracetrack.updateFixtures=true)").exists();
		boolean same = fresh.equals(Files.readString(FIXTURE, StandardCharsets.UTF_8));
		assertThat(same)
			.as("frontend/test/fixtures/folder-parity.json is stale: rerun this test with "
					+ "-Dracetrack.updateFixtures=true, then check frontend's npm test")
			.isTrue();
	}

	private Map<String, Object> fixture() {
		List<Object> runs = new ArrayList<>();
		for (String query : QUERIES) {
			runs.add(run(query));
		}
		Map<String, Object> out = new LinkedHashMap<>();
		out.put("about", "Written by LabFolderParityTests from TraceFolder; read by frontend/test/reducer.test.js");
		out.put("runs", runs);
		return out;
	}

	private Map<String, Object> run(String query) {
		Map<String, String> q = new LinkedHashMap<>();
		for (String pair : query.split("&")) {
			String[] kv = pair.split("=", 2);
			q.put(kv[0], kv[1]);
		}
		RunParams params = RunParamsBinder.bind(q);
		NodeRun run = ScenarioRunner.run(params, Tracer.recording(100_000));
		List<TraceEvent> events = run.trace().events();
		TreeSet<Integer> steps = new TreeSet<>(
				List.of(-1, 0, events.size() / 4, events.size() / 2, 3 * events.size() / 4, events.size() - 1));
		for (int i = 0; i < events.size(); i++) {
			String type = events.get(i).type();
			if (type.equals("ct-clash") || type.equals("packet-drop") || type.equals("ct-destroy")
					|| type.equals("timer-fire") || type.equals("resolver-option")
					|| (type.equals("ct-confirm") && steps.size() < 10)) {
				steps.add(i);
			}
		}
		List<Object> states = new ArrayList<>();
		for (int step : steps) {
			Map<String, Object> s = new LinkedHashMap<>();
			s.put("step", step);
			s.put("state", TraceFolder.fold(events, params.cpus(), step));
			states.add(s);
		}
		Map<String, Object> out = new LinkedHashMap<>();
		out.put("query", query);
		out.put("cpus", params.cpus());
		out.put("events", events);
		out.put("states", states);
		return out;
	}

}
