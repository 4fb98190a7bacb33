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
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import dev.racetrack.scenario.Beats;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.web.lab.LabLinks;
import dev.racetrack.web.lab.LabRun;
import dev.racetrack.web.lab.Pacing;
import dev.racetrack.web.lab.TopologyView;
import dev.racetrack.web.shared.AccessDeniedException;
import dev.racetrack.web.shared.BadParameterException;
import dev.racetrack.web.shared.Clients;
import dev.racetrack.web.shared.Lease;
import dev.racetrack.web.shared.RacetrackProperties;
import dev.racetrack.web.shared.SameOrigin;
import dev.racetrack.web.shared.StreamLimits;
import dev.racetrack.web.shared.TooManyRequestsException;
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

	private final SessionStore sessions;

	private final SessionStreams streams;

	private final StreamLimits streamLimits;

	private final RacetrackProperties properties;

	SessionApiController(SessionStore sessions, SessionStreams streams, StreamLimits streamLimits,
			RacetrackProperties properties) {
		this.sessions = sessions;
		this.streams = streams;
		this.streamLimits = streamLimits;
		this.properties = properties;
	}

	/** The body of {@code POST /api/sessions} and {@code GET /api/sessions/{id}}. */
	record SessionView(String id, String code, String token, long total, ParamsView params, TopologyView topology,
			List<String> rules, List<String> rawRules, List<Beats.Beat> beats, String url) {
	}

	/** The body of a control request. */
	record Control(String action, Object value) {
	}

	@PostMapping(path = "/api/sessions", consumes = MediaType.APPLICATION_JSON_VALUE)
	Mono<ResponseEntity<SessionView>> createFromJson(@RequestBody Map<String, Object> body,
			ServerWebExchange exchange) {
		return create(Fields.fromJson(body), exchange);
	}

	/**
	 * A form creates a session only from this site's own pages: a plain form POST is what
	 * another site can make a visitor's browser send (a cross-site form needs no CORS
	 * preflight), and each such post would take a session slot.
	 */
	@PostMapping(path = "/api/sessions", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
	Mono<ResponseEntity<SessionView>> createFromForm(ServerWebExchange exchange) {
		return exchange.getFormData().flatMap((form) -> {
			if (!SameOrigin.test(exchange.getRequest())) {
				// Read (and dropped) first, so the client gets the 403, not a reset.
				return Mono.error(new AccessDeniedException(HttpStatus.FORBIDDEN,
						"A form may create a session only from this site's own pages; send JSON instead."));
			}
			return create(form.toSingleValueMap(), exchange);
		});
	}

	private Mono<ResponseEntity<SessionView>> create(Map<String, String> fields, ServerWebExchange exchange) {
		RunParams params = RunParamsBinder.bind(fields);
		String client = Clients.of(exchange.getRequest());
		return this.sessions.create(params, client)
			.map((s) -> ResponseEntity.created(URI.create("/api/sessions/" + s.id())).body(view(s, true, s.token())));
	}

	/**
	 * The presenter opened another run: the session keeps its id, code and token (its
	 * followers stay), and its streams get {@code session-changed} and reconnect.
	 */
	@PutMapping(path = "/api/sessions/{id}", consumes = MediaType.APPLICATION_JSON_VALUE)
	Mono<SessionView> replace(@PathVariable String id,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
			@RequestBody Map<String, Object> body) {
		return find(id).flatMap((session) -> {
			String token = authorize(session, authorization);
			RunParams params = RunParamsBinder.bind(Fields.fromJson(body));
			return this.sessions.replace(session, params).map((s) -> {
				this.sessions.touch(s);
				return view(s, true, token);
			});
		});
	}

	@GetMapping("/api/sessions/{id}")
	Mono<SessionView> get(@PathVariable String id) {
		return find(id).map((s) -> view(s, true, null));
	}

	/**
	 * The presenter's stream. Its slots (a stream slot of the client, one of the
	 * session's presenter streams) are taken when the response is written, not before,
	 * and given back when it ends: a request whose body is never read (HEAD, a client
	 * gone before the answer) holds nothing.
	 */
	@GetMapping(path = "/api/sessions/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Mono<Void> events(@PathVariable String id, ServerWebExchange exchange) {
		String client = Clients.of(exchange.getRequest());
		return find(id).flatMap((session) -> {
			Lease stream = this.streamLimits.open(client);
			if (session.presenterStreams().incrementAndGet() > this.properties.maxPresenterStreams()) {
				session.presenterStreams().decrementAndGet();
				stream.release();
				return Mono.error(new TooManyRequestsException("presenter-streams", "This session already has "
						+ this.properties.maxPresenterStreams() + " presenter streams; close a tab first."));
			}
			Lease slot = stream.and(new Lease(() -> session.presenterStreams().decrementAndGet()));
			this.sessions.touch(session);
			// A presenter's stream opens with the audience when there is one (a reloaded
			// Lab keeps its followers); with none, the client's "0 following" is right
			// until someone joins.
			Flux<byte[]> audience = Flux
				.defer(() -> (session.followers() == 0) ? Flux.empty() : Flux.just(this.streams.audience(session)));
			return this.streams.write(exchange.getResponse(), session, true, audience, slot,
					() -> this.sessions.touch(session));
		});
	}

	@PostMapping(path = "/api/sessions/{id}/control", consumes = MediaType.APPLICATION_JSON_VALUE)
	Mono<ResponseEntity<Map<String, Object>>> control(@PathVariable String id,
			@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
			@RequestBody Control control) {
		return find(id).flatMap((session) -> {
			authorize(session, authorization);
			String name = (control.action() == null) ? "" : control.action().trim().toLowerCase(Locale.ROOT);
			if (!Playback.Action.NAMES.contains(name)) {
				throw BadParameterException.notOneOf("action", name, Playback.Action.NAMES);
			}
			Playback.Action action = Playback.Action.of(name);
			double value = switch (action) {
				case SEEK -> RunParamsBinder.number(Map.of("value", text(control.value())), "value", 0, -1,
						Math.max(0, session.total() - 1));
				case SPEED -> speed(control.value());
				default -> 0;
			};
			this.sessions.touch(session);
			return this.sessions.control(session, action, value).map((p) -> {
				Map<String, Object> state = new LinkedHashMap<>();
				state.put("step", p.cursor());
				state.put("playing", p.playing());
				state.put("speed", p.speed());
				state.put("total", session.total());
				return ResponseEntity.ok(state);
			});
		});
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

	/** Checks the bearer token against the session's; returns the token. */
	private String authorize(LabSession session, String authorization) {
		if (authorization == null || !authorization.startsWith("Bearer ")) {
			throw new AccessDeniedException(HttpStatus.UNAUTHORIZED,
					"Controlling a session needs its token: send Authorization: Bearer <token>.");
		}
		String token = authorization.substring("Bearer ".length()).trim();
		if (!session.authorizes(token)) {
			throw new AccessDeniedException(HttpStatus.FORBIDDEN, "That token does not control this session.");
		}
		return token;
	}

	private Mono<LabSession> find(String id) {
		return this.sessions.byId(id)
			.switchIfEmpty(Mono.error(() -> new NotFoundException("session", "No session "
					+ BadParameterException.abbreviate(id) + " exists here (it may have expired); start a new one.")));
	}

	/**
	 * A session as its clients see it; the node's rules come from its parameters (no run
	 * is needed). Followers get neither the id nor the token: the presenter's stream and
	 * controls are not theirs.
	 */
	SessionView view(LabSession s, boolean presenter, String token) {
		ParamsView params = ParamsView.of(s.params());
		LabRun lab = LabRun.of(s.params());
		return new SessionView(presenter ? s.id() : null, s.code(), token, s.total(), params, lab.topology(),
				lab.rules(), lab.rawRules(), s.beats(), LabLinks.permalink(params, -1));
	}

}
