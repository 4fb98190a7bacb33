package dev.racetrack.web.session;

import java.util.Locale;

import reactor.core.publisher.Mono;

import org.springframework.stereotype.Component;

import dev.racetrack.web.shared.RacetrackProperties;
import dev.racetrack.web.shared.RateLimit;
import dev.racetrack.web.shared.RejectionMetrics;

/**
 * Looks sessions up by join code, with guessing rate-limited per client address: a client
 * may get {@code racetrack.join-guess-burst} codes wrong at once, then
 * {@code racetrack.join-guesses-per-minute} a minute; past that every lookup of that
 * client gets 429 for a while, right or wrong (else a right guess would still show). A
 * hall behind one address shares the allowance, which is sized for its typos.
 */
@Component
class JoinCodes {

	private final SessionStore sessions;

	private final RateLimit guesses;

	JoinCodes(SessionStore sessions, RacetrackProperties properties, RejectionMetrics metrics) {
		this.sessions = sessions;
		this.guesses = new RateLimit("join-codes", properties.joinGuessBurst(), properties.joinGuessesPerMinute(),
				100_000, System::nanoTime, metrics);
	}

	/** The session with {@code code}, for {@code client}; a miss counts as a guess. */
	Mono<LabSession> find(String code, String client) {
		return Mono.defer(() -> {
			this.guesses.check(client);
			String normal = normalize(code);
			Mono<LabSession> session = valid(normal) ? this.sessions.byCode(normal) : Mono.empty();
			return session.switchIfEmpty(Mono.fromRunnable(() -> this.guesses.take(client)));
		});
	}

	/** Codes are read aloud and typed: ignore case, spaces and dashes. */
	static String normalize(String code) {
		return (code == null) ? "" : code.replaceAll("[\\s-]", "").toUpperCase(Locale.ROOT);
	}

	/** Whether a normalized code is made of the code alphabet, at the code's length. */
	static boolean valid(String code) {
		if (code.length() != SessionIds.CODE_LENGTH) {
			return false;
		}
		for (int i = 0; i < code.length(); i++) {
			if (SessionIds.CODE_ALPHABET.indexOf(code.charAt(i)) < 0) {
				return false;
			}
		}
		return true;
	}

}
