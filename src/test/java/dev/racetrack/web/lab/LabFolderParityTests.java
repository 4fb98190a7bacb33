package dev.racetrack.web.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.ScenarioRunner;
import dev.racetrack.sim.Change;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.sim.TraceFolder;
import dev.racetrack.sim.Tracer;
import dev.racetrack.web.shared.RunParamsBinder;
import dev.racetrack.web.shared.Runs;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the browser's reducer ({@code frontend/js/lab/reducer.js}) in step with
 * {@link TraceFolder}: this test owns a golden fixture of runs (their events, and the
 * states TraceFolder folds at chosen steps), which
 * {@code frontend/test/lab/reducer.test.js} replays through the reducer. When the folder
 * or the trace changes on purpose, rerun with {@code -Dracetrack.updateFixtures=true} and
 * commit the new fixture.
 */
class LabFolderParityTests {

	static final Path FIXTURE = Path.of("frontend/test/lab/fixtures/folder-parity.json");

	/**
	 * Runs that cover every branch of the folder: drops, merges, clash entries, expiry.
	 */
	static final List<String> QUERIES = List.of("scenario=snat-port-race", "scenario=snat-port-race&mode=random-fully",
			"scenario=dnat-race-1&kernel=4.19", "scenario=dnat-race-2", "scenario=dnat-race-3&kernel=6.x",
			"scenario=dnat-race-3&kernel=5.6", "scenario=tcp-free-play&pods=3&rounds=1&cpus=4",
			"scenario=dnat-race-1&mitigation=nodelocal-dns", "scenario=tcp-free-play&pods=1&rounds=2&sourcePort=32000");

	/** The steps a scripted run is in the fixture for. */
	static final Set<String> RARE = Set.of("nat-setup evicts a TIME_WAIT entry", "ct-new evicts by early_drop",
			"packet-drop table full", "ct-invalid", "ct-chaintoolong", "ct-none", "raw-notrack");

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
			.as("frontend/test/lab/fixtures/folder-parity.json is stale: rerun this test with "
					+ "-Dracetrack.updateFixtures=true, then check frontend's npm test")
			.isTrue();
	}

	@Test
	void theFixtureHoldsEveryKindOfChangeAndEveryBranchOfTheFolder() throws IOException {
		Map<?, ?> fixture = this.mapper.readValue(FIXTURE.toFile(), Map.class);
		Set<String> seen = new TreeSet<>();
		for (Object r : (List<?>) fixture.get("runs")) {
			for (Object e : (List<?>) ((Map<?, ?>) r).get("events")) {
				seen.addAll(variants((Map<?, ?>) e));
			}
		}
		assertThat(seen).as("event types in the parity fixture").containsAll(LabCatalogue.allEventTypes());
		assertThat(seen).as("branches of the folder in the parity fixture")
			.contains("nat-setup evicts a TIME_WAIT entry", "ct-new evicts by early_drop", "ct-new reopens",
					"ct-found deletes", "ct-clash DROP", "ct-clash MERGED", "ct-clash CLASH_ENTRY",
					"packet-drop table full");
	}

	private static List<String> variants(Map<?, ?> e) {
		List<String> out = new ArrayList<>();
		String type = (String) e.get("type");
		out.add(type);
		Map<?, ?> c = (Map<?, ?>) e.get("change");
		if (c == null) {
			return out;
		}
		if ("nat-setup".equals(type) && c.get("search") instanceof Map<?, ?> s
				&& ((Number) s.get("evicted")).longValue() >= 0) {
			out.add("nat-setup evicts a TIME_WAIT entry");
		}
		if ("ct-new".equals(type) && c.get("earlyDropped") != null) {
			out.add("ct-new evicts by early_drop");
		}
		if ("ct-new".equals(type) && c.get("reopened") != null) {
			out.add("ct-new reopens");
		}
		if ("ct-found".equals(type) && Boolean.TRUE.equals(c.get("deleted"))) {
			out.add("ct-found deletes");
		}
		if ("ct-clash".equals(type)) {
			out.add("ct-clash " + c.get("resolution"));
		}
		if ("packet-drop".equals(type) && String.valueOf(e.get("text")).contains("full")) {
			out.add("packet-drop table full");
		}
		return out;
	}

	private Map<String, Object> fixture() {
		List<Object> runs = new ArrayList<>();
		for (String query : QUERIES) {
			runs.add(run(query));
		}
		runs.add(scripted("scripted: 6.x, pod-a holds every port 600-1023 in TIME_WAIT, then pod-b connects",
				EngineRuns.timeWaitEviction(), "nat-setup evicts a TIME_WAIT entry"));
		runs.add(scripted("scripted: nf_conntrack_max 6, twelve pods at once", EngineRuns.smallTable(), null));
		runs.add(scripted("scripted: 6.x, one pod's connections in one hash bucket", EngineRuns.chainTooLong(),
				"ct-chaintoolong"));
		Map<String, Object> out = new LinkedHashMap<>();
		out.put("about", "Written by LabFolderParityTests from TraceFolder; read by frontend/test/lab/reducer.test.js");
		out.put("runs", runs);
		return out;
	}

	/**
	 * A scripted engine run; when {@code around} names a variant, only a window of events
	 * around its first occurrence is kept (with the state before the window).
	 */
	private Map<String, Object> scripted(String name, NodeRun run, String around) {
		List<TraceEvent> events = run.trace().events();
		int cpus = run.config().cpus();
		int from = 0;
		int to = events.size() - 1;
		if (around != null) {
			int at = -1;
			for (int i = 0; i < events.size() && at < 0; i++) {
				if (variants(this.mapper.convertValue(events.get(i), Map.class)).contains(around)) {
					at = i;
				}
			}
			assertThat(at).as(name + ": the run has " + around).isNotNegative();
			from = Math.max(0, at - 60);
			to = Math.min(events.size() - 1, at + 60);
		}
		List<TraceEvent> window = events.subList(from, to + 1);
		// The states are large (every entry and flow of the table): the window's last
		// one,
		// and the first step of each kind the run is here for.
		TreeSet<Integer> steps = new TreeSet<>(List.of(to));
		Set<String> firsts = new TreeSet<>();
		for (int i = from; i <= to; i++) {
			for (String v : variants(this.mapper.convertValue(events.get(i), Map.class))) {
				if (RARE.contains(v) && firsts.add(v)) {
					steps.add(i);
				}
			}
		}
		List<Object> states = new ArrayList<>();
		for (int step : steps) {
			Map<String, Object> s = new LinkedHashMap<>();
			s.put("step", step);
			s.put("state", TraceFolder.fold(events, cpus, step));
			states.add(s);
		}
		Map<String, Object> out = new LinkedHashMap<>();
		out.put("query", name);
		out.put("cpus", cpus);
		if (from > 0) {
			out.put("first", from);
			out.put("start", TraceFolder.fold(events, cpus, from - 1));
		}
		out.put("events", window);
		out.put("states", states);
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
