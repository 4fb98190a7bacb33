package dev.racetrack.scenario;

import java.util.List;
import java.util.Optional;

import dev.racetrack.kernel.Identified;

/**
 * How free play's clients generate load (the {@code workload} knob). Only {@link #ROUNDS}
 * and {@link #BARRIER} wait for flows to end before the next arrivals; the sustained
 * workloads never let one flow's outcome move another worker's arrival.
 */
public enum WorkloadKind implements Identified {

	/**
	 * The Lab's short runs: in each of {@code rounds} rounds every pod starts one flow,
	 * the pods a Poisson stream apart; the next round starts once the last flow of this
	 * one ended.
	 */
	ROUNDS("rounds"),

	/**
	 * A lab harness: in each of {@code rounds} rounds all {@code workers} of every pod
	 * are released together by a barrier and each starts one flow after its own start
	 * jitter; the next round starts once every flow of this one ended.
	 */
	BARRIER("barrier"),

	/**
	 * Each worker dials every {@code periodMs} ({@code time.NewTicker}), for
	 * {@code durationS}; a tick that comes while the worker's dial is still pending waits
	 * (one at most, as Go's ticker channel holds one), the rest are dropped.
	 */
	TICKER("ticker"),

	/**
	 * Each worker dials again {@code periodMs} after its previous connection ended (a
	 * closed loop), for {@code durationS}.
	 */
	CLOSED("closed");

	private final String id;

	WorkloadKind(String id) {
		this.id = id;
	}

	@Override
	public String id() {
		return this.id;
	}

	/** Whether it runs for a duration rather than a number of rounds. */
	public boolean sustained() {
		return this == TICKER || this == CLOSED;
	}

	public static List<String> ids() {
		return Identified.ids(WorkloadKind.class);
	}

	public static Optional<WorkloadKind> fromId(String id) {
		return Identified.fromId(WorkloadKind.class, id);
	}

}
