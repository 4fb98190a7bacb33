package dev.racetrack.web.lab;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import dev.racetrack.scenario.Beats;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.Scenario;
import dev.racetrack.scenario.Scenarios;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.RunSummary;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.web.shared.Downloads;
import dev.racetrack.web.shared.ExchangeCleanup;
import dev.racetrack.web.shared.JsonChunks;
import dev.racetrack.web.shared.ParamsView;
import dev.racetrack.web.shared.RunParamsBinder;
import dev.racetrack.web.shared.Runs;

/**
 * The run API: the catalogue (knobs, scenarios, event types, pacing), the scenarios, and
 * whole runs as JSON with their guided beats. The same query always gives a
 * byte-identical body. A run's events are written as they are sent, in chunks
 * ({@link JsonChunks}): the response holds the run (admitted by {@link Runs}) and one
 * chunk, never the whole body.
 */
@RestController
class SimulateApiController {

	private final Runs runs;

	private final JsonMapper json;

	private final Downloads downloads;

	SimulateApiController(Runs runs, JsonMapper json, Downloads downloads) {
		this.runs = runs;
		this.json = json;
		this.downloads = downloads;
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
	 * away), and the summary. Its events are written in chunks, in this order.
	 */
	record SimulationView(ParamsView params, List<TraceEvent> events, List<Beats.Beat> beats, List<Beats.Span> idle,
			Boolean race, String warning, RunSummary summary) {
	}

	/** Where a summary's flows go: between its brackets. */
	private static final String EMPTY_FLOWS = "\"flows\":[]";

	@GetMapping("/api/catalogue")
	LabCatalogue catalogue() {
		return LabCatalogue.get();
	}

	@GetMapping("/api/scenarios")
	List<ScenarioView> scenarios() {
		return Scenarios.all().stream().map(ScenarioView::of).toList();
	}

	@GetMapping("/api/simulate")
	Mono<ResponseEntity<Flux<DataBuffer>>> simulate(@RequestParam Map<String, String> query,
			ServerWebExchange exchange) {
		RunParams params = RunParamsBinder.bind(query);
		boolean events = RunParamsBinder.flag(query, "events", true);
		if (!events) {
			// The summary lists every flow (up to 128,000: ≈19 MB of JSON). It is
			// written in chunks as the client reads, from the run held meanwhile, and
			// the run is shared with whoever asks the same at once: thirty askers hold
			// one run and a chunk each, never thirty bodies.
			return this.runs.untraced(params).map((held) -> {
				ExchangeCleanup.onEnd(exchange, held.lease());
				NodeRun run = held.run();
				String head = this.json.writeValueAsString(new SimulationView(ParamsView.of(params), null, null, null,
						null, null, RunSummary.withoutFlows(run)));
				int cut = head.indexOf(EMPTY_FLOWS);
				if (cut < 0 || cut != head.lastIndexOf(EMPTY_FLOWS)) {
					throw new IllegalStateException("no single empty flows list in " + head);
				}
				cut += EMPTY_FLOWS.length() - 1;
				Flux<DataBuffer> body = JsonChunks.write(exchange.getResponse(), this.json, head.substring(0, cut),
						RunSummary.flowViews(run), head.substring(cut), Function.identity());
				return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body);
			});
		}
		this.downloads.open(exchange);
		return this.runs.traced(params).map((held) -> {
			ExchangeCleanup.onEnd(exchange, held.lease());
			List<TraceEvent> trace = held.run().trace().events();
			LabStory story = LabStory.of(params, held.story());
			String prefix = "{\"params\":" + this.json.writeValueAsString(ParamsView.of(params)) + ",\"events\":[";
			String suffix = "],\"beats\":" + this.json.writeValueAsString(story.beats()) + ",\"idle\":"
					+ this.json.writeValueAsString(story.idle()) + ",\"race\":"
					+ this.json.writeValueAsString(story.race()) + ",\"warning\":"
					+ this.json.writeValueAsString(story.warning()) + ",\"summary\":"
					+ this.json.writeValueAsString(held.run().summary()) + "}";
			Flux<DataBuffer> body = JsonChunks.write(exchange.getResponse(), this.json, prefix, trace, suffix,
					Function.identity());
			return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(body);
		});
	}

}
