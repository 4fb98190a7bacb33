package dev.racetrack.sim;

/**
 * A run was stopped from outside before it finished ({@link Simulation#stopWhen}): its
 * client went away or the server is shutting down. The run is left as it was and must not
 * be used.
 */
public class RunStoppedException extends RuntimeException {

	private final long executed;

	public RunStoppedException(long executed) {
		super("the run was stopped after " + executed + " actions", null, false, false);
		this.executed = executed;
	}

	/** How many actions had run. */
	public long executed() {
		return this.executed;
	}

}
