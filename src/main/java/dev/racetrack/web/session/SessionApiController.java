package dev.racetrack.web.session;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import dev.racetrack.export.IptablesSave;
import dev.racetrack.scenario.Beats;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.web.lab.LabLinks;
import dev.racetrack.web.lab.LabRun;
import dev.racetrack.web.lab.Pacing;
import dev.racetrack.web.lab.TopologyView;
import dev.racetrack.web.shared.AccessDeniedException;
import dev.racetrack.web.shared.BadParameterException;
import dev.racetrack.web.shared.Fields;
import dev.racetrack.web.shared.NotFoundException;
import dev.racetrack.web.shared.ParamsView;
import dev.racetrack.web.shared.RunParamsBinder;

/**
 * Lab sessions: create one from the run parameters, watch it as server-sent events, and
 * drive it with the control token.
 */
@RestController
class SessionApiController {

	private final SessionRegistry sessions;

	private final SessionStreams streams;

	SessionApiController(SessionRegistry sessions, SessionStreams streams) {
		this.sessions = sessions;
		this.streams = streams;
	}

	/** The body of {@code POST /api/sessions} and {@code GET /api/sessions/{id}}. */
	record SessionView(String id, String code, String token, long total, ParamsView params, TopologyView topology,
			List<String> rules, List<String> rawRules, List<Beats.Beat> beats, String url) {
	}

	/** The body of a control request. */
	record Control(String action, Object value) {
	}

	@PostMapping(path = "/api/sessions", consumes = MediaType.APPLICATION_JSON_VALUE)
	Mono<ResponseEntity<SessionView>> createFromJson(@RequestBody Map<String, Object> body) {
		return create(Fields.fromJson(body));
	}

	@PostMapping(path = "/api/sessions", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
	Mono<ResponseEntity<SessionView>> createFromForm(ServerWebExchange exchange) {
		return exchange.getFormData().flatMap((form) -> create(form.toSingleValueMap()));
	}

	private Mono<ResponseEntity<SessionView>> create(Map<String, String> fields) {
		RunParams params = RunParamsBinder.bind(fields);
		return Mono.fromCallable(() -> this.sessions.create(params))
			.subscribeOn(Schedulers.boundedElastic())
			.map((s) -> ResponseEntity.created(URI.create("/api/sessions/" + s.id())).body(view(s, true)));
	}

	/**
	 * The presenter opened another run: the session keeps its id, code and token (its
	 * followers stay), and its streams get {@code session-changed} and reconnect.
	 */
	@PutMapping(path = "/api/sessions/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
	Mono<SessionView> replace(@PathVariable String id,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
			@RequestBody Map<String, Object> body) {
		LabSession session = find(id);
		authorize(session, authorization);
		RunParams params = RunParamsBinder.bind(Fields.fromJson(body));
		return Mono.fromCallable(() -> this.sessions.replace(session, params))
			.subscribeOn(Schedulers.boundedElastic())
			.map((s) -> {
				s.touch(this.sessions.nowMillis());
				return view(s, true);
			});
	}

	@GetMapping("/api/sessions/{id}")
	SessionView get(@PathVariable String id) {
		return view(find(id), false);
	}

	@GetMapping(path = "/api/sessions/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<String>> events(@PathVariable String id) {
		LabSession session = find(id);
		session.touch(this.sessions.nowMillis());
		// A presenter's stream opens with the audience when there is one (a reloaded Lab
		// keeps its
		// followers); with none, the client's "0 following" is right until someone joins.
		Flux<ServerSentEvent<String>> audience = Flux
			.defer(() -> (session.followers() == 0) ? Flux.empty() : Flux.just(this.streams.sse("audience",
					new SessionStreams.AudienceView(session.followers(), session.detachedCount()))));
		return this.streams.stream(session, audience, (s) -> s.touch(this.sessions.nowMillis()));
	}

	@PostMapping(path = "/api/sessions/{id}/control", consumes = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<Map<String, Object>> control(@PathVariable String id,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
			@RequestBody Control control) {
		LabSession session = find(id);
		authorize(session, authorization);
		session.touch(this.sessions.nowMillis());
		String action = (control.action() == null) ? "" : control.action().trim().toLowerCase(Locale.ROOT);
		switch (action) {
			case "play" -> session.play();
			case "pause" -> session.pause();
			case "step" -> session.step();
			case "back" -> session.back();
			case "seek" -> session.seek(RunParamsBinder.number(Map.of("value", text(control.value())), "value", 0, -1,
					Math.max(0, session.total() - 1)));
			case "speed" -> session.speed(speed(control.value()));
			default -> throw BadParameterException.notOneOf("action", action,
					List.of("play", "pause", "step", "back", "seek", "speed"));
		}
		Map<String, Object> state = new LinkedHashMap<>();
		state.put("step", session.cursor());
		state.put("playing", session.playing());
		state.put("speed", session.speed());
		state.put("total", session.total());
		return ResponseEntity.ok(state);
	}

	private static String text(Object value) {
		return (value == null) ? "" : String.valueOf(value);
	}

	private static double speed(Object value) {
		String v = text(value).trim();
		double factor;
		try {
			factor = Double.parseDouble(v);
		}
		catch (NumberFormatException ex) {
			factor = Double.NaN;
		}
		if (!(factor >= Pacing.MIN_SPEED && factor <= Pacing.MAX_SPEED)) {
			throw new BadParameterException("value",
					"'" + BadParameterException.abbreviate(v) + "' is not a valid speed; use a factor from 0.25 to 64.",
					"a number from 0.25 to 64");
		}
		return factor;
	}

	private void authorize(LabSession session, String authorization) {
		if (authorization == null || !authorization.startsWith("Bearer ")) {
			throw new AccessDeniedException(HttpStatus.UNAUTHORIZED,
					"Controlling a session needs its token: send Authorization: Bearer <token>.");
		}
		String token = authorization.substring("Bearer ".length()).trim();
		if (!java.security.MessageDigest.isEqual(token.getBytes(java.nio.charset.StandardCharsets.UTF_8),
				session.token().getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
			throw new AccessDeniedException(HttpStatus.FORBIDDEN, "That token does not control this session.");
		}
	}

	private LabSession find(String id) {
		return this.sessions.byId(id)
			.orElseThrow(() -> new NotFoundException("session", "No session " + BadParameterException.abbreviate(id)
					+ " exists here (it may have expired); start a new one."));
	}

	SessionView view(LabSession s, boolean withToken) {
		ParamsView params = ParamsView.of(s.params());
		return new SessionView(s.id(), s.code(), withToken ? s.token() : null, s.total(), params,
				TopologyView.of(s.params()), IptablesSave.nat(s.run().node().netfilter().natTable()),
				LabRun.rawRules(s.run().node().netfilter().rawTable()), s.beats(), LabLinks.permalink(params, -1));
	}

}
