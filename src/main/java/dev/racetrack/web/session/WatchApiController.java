package dev.racetrack.web.session;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;

import reactor.core.publisher.Flux;

import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.racetrack.web.shared.BadParameterException;
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

	WatchApiController(SessionRegistry sessions, SessionStreams streams, SessionApiController sessionApi,
			RacetrackProperties properties) {
		this.sessions = sessions;
		this.streams = streams;
		this.sessionApi = sessionApi;
		this.properties = properties;
	}

	/** A follower's presence report. */
	record Presence(String follower, Boolean detached) {
	}

	@GetMapping("/api/watch/{code}")
	SessionApiController.SessionView get(@PathVariable String code) {
		return this.sessionApi.view(find(code), false);
	}

	@GetMapping(path = "/api/watch/{code}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<String>> events(@PathVariable String code) {
		LabSession session = find(code);
		if (session.followerCount().incrementAndGet() > this.properties.maxFollowersPerSession()) {
			session.followerCount().decrementAndGet();
			throw new TooManyRequestsException("followers", "This session already has "
					+ this.properties.maxFollowersPerSession() + " followers; ask the presenter to share the screen.");
		}
		String follower = newFollowerId();
		session.follower(follower, false);
		session.touch(this.sessions.nowMillis());
		Flux<ServerSentEvent<String>> hello = Flux.just(this.streams.sse("hello",
				Map.of("follower", follower, "code", session.code(), "session", session.id())));
		return this.streams.stream(session, hello, (s) -> {
			s.followerCount().decrementAndGet();
			s.followerGone(follower);
			s.touch(this.sessions.nowMillis());
		});
	}

	@PostMapping(path = "/api/watch/{code}/presence", consumes = MediaType.APPLICATION_JSON_VALUE)
	Map<String, Object> presence(@PathVariable String code, @RequestBody Presence presence) {
		LabSession session = find(code);
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

	private LabSession find(String code) {
		String normal = normalize(code);
		return this.sessions.byCode(normal)
			.orElseThrow(() -> new NotFoundException("session", "No session has the code "
					+ BadParameterException.abbreviate(code) + "; check the code on the presenter's screen."));
	}

	/** Codes are read aloud and typed: ignore case, spaces and dashes. */
	static String normalize(String code) {
		return (code == null) ? "" : code.replaceAll("[\\s-]", "").toUpperCase(Locale.ROOT);
	}

	private String newFollowerId() {
		byte[] b = new byte[9];
		this.random.nextBytes(b);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
	}

}
