package dev.racetrack.scenario;

/**
 * The client activity of a run: tells when every flow it started has ended.
 */
public interface Workload {

	boolean complete();

}
