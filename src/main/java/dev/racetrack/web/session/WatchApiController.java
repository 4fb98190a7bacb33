package dev.racetrack.web.session;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import dev.racetrack.web.shared.BadParameterException;
import dev.racetrack.web.shared.Clients;
import dev.racetrack.web.shared.Lease;
import dev.racetrack.web.shared.StreamLimits;
import dev.racetrack.web.shared.NotFoundException;
import dev.racetrack.web.shared.RacetrackProperties;
import dev.racetrack.web.shared.TooManyRequestsException;

/**
 * Followers of a presenter session, joined by its short code: the same stream as the
 * presenter's (same event names, same steps, same play state), no control, and a presence
 * report so the presenter sees how many follow and how many have detached.
 */
@RestController
class WatchApiController {

	private final SessionStore sessions;

	private final SessionStreams streams;

	private final SessionApiController sessionApi;

	private final RacetrackProperties properties;

	private final StreamLimits streamLimits;

	private final JoinCodes codes;

	WatchApiController(SessionStore sessions, SessionStreams streams, SessionApiController sessionApi,
			RacetrackProperties properties, StreamLimits streamLimits, JoinCodes codes) {
		this.sessions = sessions;
		this.streams = streams;
		this.sessionApi = sessionApi;
		this.properties = properties;
		this.streamLimits = streamLimits;
		this.codes = codes;
	}

	/** A follower's presence report. */
	record Presence(String follower, Boolean detached) {
	}

	@GetMapping("/api/watch/{code}")
	Mono<SessionApiController.SessionView> get(@PathVariable String code, ServerHttpRequest request) {
		return find(code, request).map((s) -> this.sessionApi.view(s, false, null));
	}

	/**
	 * A follower's stream. The follower's place and the client's stream slot are taken
	 * when the response is written, and given back when it ends: a HEAD, or a client gone
	 * before the answer, holds nothing.
	 */
	@GetMapping(path = "/api/watch/{code}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Mono<Void> events(@PathVariable String code, ServerWebExchange exchange) {
		String client = Clients.of(exchange.getRequest());
		return find(code, exchange.getRequest()).flatMap((session) -> {
			Lease stream = this.streamLimits.open(client);
			String follower = SessionIds.follower();
			return this.sessions.join(session, follower, this.properties.maxFollowersPerSession())
				.doOnError((ex) -> stream.release())
				.flatMap((joined) -> {
					if (!joined) {
						stream.release();
						return Mono.error(new TooManyRequestsException("followers",
								"This session already has " + this.properties.maxFollowersPerSession()
										+ " followers here; ask the presenter to share the screen."));
					}
					this.sessions.touch(session);
					Flux<byte[]> hello = Flux
						.just(this.streams.sse("hello", Map.of("follower", follower, "code", session.code())));
					return this.streams.write(exchange.getResponse(), session, false, hello, stream,
							() -> this.sessions.left(session, follower));
				});
		});
	}

	@PostMapping(path = "/api/watch/{code}/presence", consumes = MediaType.APPLICATION_JSON_VALUE)
	Mono<Map<String, Object>> presence(@PathVariable String code, @RequestBody Presence presence,
			ServerHttpRequest request) {
		if (presence.follower() == null || presence.follower().isBlank() || presence.follower().length() > 64) {
			throw new BadParameterException("follower", "The follower id from the stream's hello event is required.",
					"the follower id of a connected follower");
		}
		if (presence.detached() == null) {
			throw new BadParameterException("detached", "Say whether this follower is detached.", "true or false");
		}
		return find(code, request)
			.flatMap((session) -> this.sessions.presence(session, presence.follower(), presence.detached()))
			.switchIfEmpty(Mono.error(() -> new NotFoundException("follower",
					"No follower " + BadParameterException.abbreviate(presence.follower())
							+ " is connected to this session.")))
			.map((a) -> Map.<String, Object>of("followers", a.followers(), "detached", a.detached()));
	}

	private Mono<LabSession> find(String code, ServerHttpRequest request) {
		return this.codes.find(code, Clients.of(request))
			.switchIfEmpty(Mono.error(() -> new NotFoundException("session", "No session has the code "
					+ BadParameterException.abbreviate(code) + "; check the code on the presenter's screen.")));
	}

	/** Codes are read aloud and typed: ignore case, spaces and dashes. */
	static String normalize(String code) {
		return JoinCodes.normalize(code);
	}

}
