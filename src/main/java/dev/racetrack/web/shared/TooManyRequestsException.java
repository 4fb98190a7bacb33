package dev.racetrack.web.shared;

/**
 * A limit of the server was reached (runs, sessions, followers, experiments): HTTP 429
 * with {@code application/problem+json}.
 */
public class TooManyRequestsException extends RuntimeException {

	private final String limit;

	public TooManyRequestsException(String limit, String detail) {
		super(detail);
		this.limit = limit;
	}

	public String limit() {
		return this.limit;
	}

}
