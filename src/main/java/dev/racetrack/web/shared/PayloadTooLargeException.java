package dev.racetrack.web.shared;

/**
 * A request body over its limit: HTTP 413 with {@code application/problem+json} naming
 * the limit.
 */
public class PayloadTooLargeException extends RuntimeException {

	private final long limitBytes;

	public PayloadTooLargeException(long limitBytes, String detail) {
		super(detail);
		this.limitBytes = limitBytes;
	}

	public long limitBytes() {
		return this.limitBytes;
	}

}
