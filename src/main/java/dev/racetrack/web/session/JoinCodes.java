package dev.racetrack.web.session;

import java.util.Locale;
import java.util.Optional;

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

	private final SessionRegistry sessions;

	private final RateLimit guesses;

	JoinCodes(SessionRegistry sessions, RacetrackProperties properties, RejectionMetrics metrics) {
		this.sessions = sessions;
		this.guesses = new RateLimit("join-codes", properties.joinGuessBurst(), properties.joinGuessesPerMinute(),
				100_000, System::nanoTime, metrics);
	}

	/** The session with {@code code}, for {@code client}; a miss counts as a guess. */
	Optional<LabSession> find(String code, String client) {
		this.guesses.check(client);
		String normal = normalize(code);
		Optional<LabSession> session = valid(normal) ? this.sessions.byCode(normal) : Optional.empty();
		if (session.isEmpty()) {
			this.guesses.take(client);
		}
		return session;
	}

	/** Codes are read aloud and typed: ignore case, spaces and dashes. */
	static String normalize(String code) {
		return (code == null) ? "" : code.replaceAll("[\\s-]", "").toUpperCase(Locale.ROOT);
	}

	/** Whether a normalized code is made of the code alphabet, at the code's length. */
	static boolean valid(String code) {
		if (code.length() != SessionRegistry.CODE_LENGTH) {
			return false;
		}
		for (int i = 0; i < code.length(); i++) {
			if (SessionRegistry.CODE_ALPHABET.indexOf(code.charAt(i)) < 0) {
				return false;
			}
		}
		return true;
	}

}
