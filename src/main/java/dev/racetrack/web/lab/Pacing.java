package dev.racetrack.web.lab;

import java.util.List;
import java.util.Set;

/**
 * How fast a run plays, wherever it plays: a server session ({@code LabSession}) and the
 * browser's own player (local mode, a detached follower, the offline replay) pace each
 * step by these rules, which the browser reads from the catalogue. A step that carries
 * the lesson gets {@link #STEP_MILLIS} of wall time at speed 1; the minor steps (a hop, a
 * timer armed, a routing decision) get {@link #MINOR_WEIGHT} of it.
 */
public final class Pacing {

	/** Wall time of a step at speed 1, in milliseconds. */
	public static final long STEP_MILLIS = 900;

	/** The share of {@link #STEP_MILLIS} that a minor step gets. */
	public static final double MINOR_WEIGHT = 0.35;

	/** The shortest wall time of a step, whatever the speed. */
	public static final long MIN_DELAY_MILLIS = 8;

	/**
	 * The wall time of an idle step of a race replay at speed 1 (the handshake's last
	 * ACK, the teardown: {@code Beats.idle}), so that playing on from a beat reaches the
	 * next one without a minute of steps that tell nothing.
	 */
	public static final long IDLE_MILLIS = 24;

	/** The speeds a client offers, slowest first (the slider's log scale). */
	public static final List<Double> SPEEDS = List.of(0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0);

	public static final double MIN_SPEED = SPEEDS.get(0);

	public static final double MAX_SPEED = SPEEDS.get(SPEEDS.size() - 1);

	/** The event types that pace as minor steps. */
	public static final Set<String> MINOR = Set.of("packet-hop", "timer-set", "timer-clear", "nat-skip", "confirm-skip",
			"route", "cpu-take", "packet-received", "packet-sent", "flow-start");

	private Pacing() {
	}

	/** The wall time before a step of this type is shown, at this speed. */
	public static long delayMillis(String type, double speed) {
		return delayMillis(type, speed, false);
	}

	/**
	 * The wall time before a step of this type is shown, at this speed, when it is idle
	 * or not.
	 */
	public static long delayMillis(String type, double speed, boolean idle) {
		return delayMillis(MINOR.contains(type), speed, idle);
	}

	/** The wall time before a minor (or major) step is shown, at this speed. */
	public static long delayMillis(boolean minor, double speed) {
		return delayMillis(minor, speed, false);
	}

	/**
	 * The wall time before a minor (or major) step is shown, at this speed, when it is
	 * idle (a stretch where nothing the lesson needs happens) or not.
	 */
	public static long delayMillis(boolean minor, double speed, boolean idle) {
		if (idle) {
			return Math.max(MIN_DELAY_MILLIS, Math.round(IDLE_MILLIS / speed));
		}
		double weight = minor ? MINOR_WEIGHT : 1.0;
		return Math.max(MIN_DELAY_MILLIS, Math.round(STEP_MILLIS * weight / speed));
	}

	/** A speed within the bounds. */
	public static double clamp(double speed) {
		return Math.max(MIN_SPEED, Math.min(MAX_SPEED, speed));
	}

	/** The pacing as the catalogue sends it. */
	public record View(long stepMillis, double minorWeight, long minDelayMillis, long idleMillis, List<Double> speeds,
			List<String> minor) {
	}

	static View view() {
		return new View(STEP_MILLIS, MINOR_WEIGHT, MIN_DELAY_MILLIS, IDLE_MILLIS, SPEEDS,
				MINOR.stream().sorted().toList());
	}

}
