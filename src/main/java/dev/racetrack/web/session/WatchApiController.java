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

	private final SessionRegistry sessions;

	private final SessionStreams streams;

	private final SessionApiController sessionApi;

	private final RacetrackProperties properties;

	private final SecureRandom random = new SecureRandom();

	private final StreamLimits streamLimits;

	private final JoinCodes codes;

	WatchApiController(SessionRegistry sessions, SessionStreams streams, SessionApiController sessionApi,
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
	SessionApiController.SessionView get(@PathVariable String code, ServerHttpRequest request) {
		return this.sessionApi.view(find(code, request), false, false);
	}

	/**
	 * A follower's stream. The follower's place and the client's stream slot are taken
	 * when the response is written, and given back when it ends: a HEAD, or a client gone
	 * before the answer, holds nothing.
	 */
	@GetMapping(path = "/api/watch/{code}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Mono<Void> events(@PathVariable String code, ServerWebExchange exchange) {
		LabSession session = find(code, exchange.getRequest());
		String client = Clients.of(exchange.getRequest());
		return Mono.defer(() -> {
			Lease stream = this.streamLimits.open(client);
			String follower = newFollowerId();
			if (!session.join(follower, this.properties.maxFollowersPerSession())) {
				stream.release();
				return Mono.error(new TooManyRequestsException("followers",
						"This session already has " + this.properties.maxFollowersPerSession()
								+ " followers; ask the presenter to share the screen."));
			}
			session.touch(this.sessions.nowMillis());
			Flux<byte[]> hello = Flux
				.just(this.streams.sse("hello", Map.of("follower", follower, "code", session.code())));
			return this.streams.write(exchange.getResponse(), session, false, hello, stream, () -> {
				session.followerGone(follower);
				session.touch(this.sessions.nowMillis());
			});
		});
	}

	@PostMapping(path = "/api/watch/{code}/presence", consumes = MediaType.APPLICATION_JSON_VALUE)
	Map<String, Object> presence(@PathVariable String code, @RequestBody Presence presence, ServerHttpRequest request) {
		LabSession session = find(code, request);
		if (presence.follower() == null || presence.follower().isBlank() || presence.follower().length() > 64) {
			throw new BadParameterException("follower", "The follower id from the stream's hello event is required.",
					"the follower id of a connected follower");
		}
		if (presence.detached() == null) {
			throw new BadParameterException("detached", "Say whether this follower is detached.", "true or false");
		}
		if (!session.knowsFollower(presence.follower())) {
			throw new NotFoundException("follower", "No follower "
					+ BadParameterException.abbreviate(presence.follower()) + " is connected to this session.");
		}
		session.follower(presence.follower(), presence.detached());
		return Map.of("followers", session.followers(), "detached", session.detachedCount());
	}

	private LabSession find(String code, ServerHttpRequest request) {
		return this.codes.find(code, Clients.of(request))
			.orElseThrow(() -> new NotFoundException("session", "No session has the code "
					+ BadParameterException.abbreviate(code) + "; check the code on the presenter's screen."));
	}

	/** Codes are read aloud and typed: ignore case, spaces and dashes. */
	static String normalize(String code) {
		return JoinCodes.normalize(code);
	}

	private String newFollowerId() {
		byte[] b = new byte[9];
		this.random.nextBytes(b);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
	}

}
