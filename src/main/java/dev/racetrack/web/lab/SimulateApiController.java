package dev.racetrack.web.lab;

import java.util.List;
import java.util.Map;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.racetrack.scenario.Beats;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.Scenario;
import dev.racetrack.scenario.Scenarios;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.RunSummary;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.web.shared.ParamsView;
import dev.racetrack.web.shared.RunParamsBinder;
import dev.racetrack.web.shared.Runs;

/**
 * The run API: the catalogue (knobs, scenarios, event types, pacing), the scenarios, and
 * whole runs as JSON with their guided beats. The same query always gives a
 * byte-identical body.
 */
@RestController
class SimulateApiController {

	private final Runs runs;

	SimulateApiController(Runs runs) {
		this.runs = runs;
	}

	/** One entry of {@code GET /api/scenarios}. */
	record ScenarioView(String id, String title, String summary, boolean replay, ParamsView defaults) {

		static ScenarioView of(Scenario s) {
			return new ScenarioView(s.id(), s.title(), s.summary(), s.replay(), ParamsView.of(s.defaults()));
		}

	}

	/**
	 * The body of {@code GET /api/simulate}: the events (unless {@code events=false}),
	 * the guided beats {@link Beats} reads off them (race replays only), and the summary.
	 */
	record SimulationView(ParamsView params, List<TraceEvent> events, List<Beats.Beat> beats, RunSummary summary) {
	}

	@GetMapping("/api/catalogue")
	LabCatalogue catalogue() {
		return LabCatalogue.get();
	}

	@GetMapping("/api/scenarios")
	List<ScenarioView> scenarios() {
		return Scenarios.all().stream().map(ScenarioView::of).toList();
	}

	@GetMapping("/api/simulate")
	Mono<SimulationView> simulate(@RequestParam Map<String, String> query) {
		RunParams params = RunParamsBinder.bind(query);
		boolean events = RunParamsBinder.flag(query, "events", true);
		return Mono.fromCallable(() -> {
			NodeRun run = events ? this.runs.traced(params) : this.runs.untraced(params);
			List<TraceEvent> trace = events ? run.trace().events() : null;
			boolean replay = Scenarios.byId(params.scenario()).map(Scenario::replay).orElse(false);
			List<Beats.Beat> beats = (trace != null && replay) ? Beats.of(trace) : (trace != null) ? List.of() : null;
			return new SimulationView(ParamsView.of(params), trace, beats, run.summary());
		}).subscribeOn(Schedulers.boundedElastic());
	}

}
