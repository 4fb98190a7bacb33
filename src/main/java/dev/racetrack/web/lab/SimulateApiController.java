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
	 * the story {@link LabStory} reads off them (race replays only: the guided beats, the
	 * idle stretches, whether the race happened and a warning when the knobs took it
	 * away), and the summary.
	 */
	record SimulationView(ParamsView params, List<TraceEvent> events, List<Beats.Beat> beats, List<Beats.Span> idle,
			Boolean race, String warning, RunSummary summary) {
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
			LabStory story = (trace != null) ? LabStory.of(params, trace) : null;
			return new SimulationView(ParamsView.of(params), trace, (story != null) ? story.beats() : null,
					(story != null) ? story.idle() : null, (story != null) ? story.race() : null,
					(story != null) ? story.warning() : null, run.summary());
		}).subscribeOn(Schedulers.boundedElastic());
	}

}
