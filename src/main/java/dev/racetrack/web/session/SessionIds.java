package dev.racetrack.web.session;

import java.security.SecureRandom;
import java.util.Base64;

/**
 * The random names of a session: its id, its control token, its join code and its
 * followers' ids, from a {@link SecureRandom}.
 */
final class SessionIds {

	/** Join codes avoid look-alikes (0/O, 1/I/L): easy to read aloud and to type. */
	static final String CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

	static final int CODE_LENGTH = 6;

	private static final SecureRandom RANDOM = new SecureRandom();

	private SessionIds() {
	}

	static String id() {
		return token(12);
	}

	static String controlToken() {
		return token(24);
	}

	static String follower() {
		return token(9);
	}

	static String code() {
		StringBuilder sb = new StringBuilder(CODE_LENGTH);
		for (int i = 0; i < CODE_LENGTH; i++) {
			sb.append(CODE_ALPHABET.charAt(RANDOM.nextInt(CODE_ALPHABET.length())));
		}
		return sb.toString();
	}

	private static String token(int bytes) {
		byte[] b = new byte[bytes];
		RANDOM.nextBytes(b);
		return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
	}

}
