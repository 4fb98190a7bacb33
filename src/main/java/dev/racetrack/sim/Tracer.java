package dev.racetrack.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import dev.racetrack.sim.Views.RoverView;

/**
 * Collects the trace of a run, or nothing at all: experiments run with tracing off, and
 * callers check {@link #on()} before building a caption, so an untraced run pays nothing
 * for it. A recording tracer holds at most {@code maxEvents} events and fails the run
 * past that, so that no request can make the server build an unbounded trace.
 */
public final class Tracer {

	private final boolean on;

	private final long maxEvents;

	private final List<TraceEvent> events;

	private java.util.function.Consumer<TraceEvent> listener;

	private Tracer(boolean on, long maxEvents) {
		this.on = on;
		this.maxEvents = maxEvents;
		this.events = on ? new ArrayList<>() : List.of();
	}

	/** A tracer that records nothing. */
	public static Tracer off() {
		return new Tracer(false, 0);
	}

	/** A tracer that records up to {@code maxEvents} events. */
	public static Tracer recording(long maxEvents) {
		return new Tracer(true, maxEvents);
	}

	/**
	 * Calls {@code listener} after each recorded event, while the model is in the state
	 * that event describes (invariant checkers in tests; a run stopped at a step). A
	 * second listener runs after the first. A listener may throw to stop the run right
	 * there: the exception leaves {@link #emit} and the engine untouched by anything
	 * after the event.
	 */
	public Tracer onEvent(java.util.function.Consumer<TraceEvent> listener) {
		this.listener = (this.listener != null) ? this.listener.andThen(listener) : listener;
		return this;
	}

	public boolean on() {
		return this.on;
	}

	public long maxEvents() {
		return this.maxEvents;
	}

	/** Records one event. Throws {@link TraceLimitExceededException} past the limit. */
	public void emit(long t, int cpu, Long packet, String hook, String iface, String func, String text,
			Map<String, Long> counters, RoverView rover, Change change) {
		if (!this.on) {
			return;
		}
		if (this.events.size() >= this.maxEvents) {
			throw new TraceLimitExceededException(this.maxEvents);
		}
		TraceEvent event = new TraceEvent(this.events.size(), t, cpu, change.type(), packet, hook, iface, func, text,
				counters, rover, change);
		this.events.add(event);
		if (this.listener != null) {
			this.listener.accept(event);
		}
	}

	public int size() {
		return this.events.size();
	}

	public List<TraceEvent> events() {
		return Collections.unmodifiableList(this.events);
	}

}
