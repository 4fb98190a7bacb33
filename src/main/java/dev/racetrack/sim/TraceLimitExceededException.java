package dev.racetrack.sim;

/**
 * A run produced more trace events than its limit allows.
 */
public class TraceLimitExceededException extends RuntimeException {

	private final long limit;

	public TraceLimitExceededException(long limit) {
		super("the run produces more than " + limit + " events");
		this.limit = limit;
	}

	public long limit() {
		return this.limit;
	}

}
