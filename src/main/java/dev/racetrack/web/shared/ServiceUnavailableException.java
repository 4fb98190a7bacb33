package dev.racetrack.web.shared;

/**
 * The server cannot take this work now (its heap is nearly full, or it is stopping): HTTP
 * 503 with {@code application/problem+json} and {@code Retry-After}.
 */
public class ServiceUnavailableException extends RuntimeException {

	private final String limit;

	public ServiceUnavailableException(String limit, String detail) {
		super(detail);
		this.limit = limit;
	}

	public String limit() {
		return this.limit;
	}

}
