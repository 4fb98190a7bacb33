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
	 * there: the exception leaves {@link Emission#emit} and the engine untouched by
	 * anything after the event.
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

	/**
	 * Starts an event at simulated time {@code t}: name what is known ({@code cpu},
	 * {@code packet}, {@code hook}, {@code iface}, {@code func}, {@code text},
	 * {@code counters}, {@code rover}) and finish with {@link Emission#emit(Change)}.
	 * Unnamed fields stay empty (-1 for the CPU). With tracing off this returns one
	 * shared emission that records nothing, so an untraced run allocates nothing here;
	 * callers still check {@link #on()} before building a caption.
	 */
	public Emission at(long t) {
		return this.on ? new Emission(this, t) : Emission.NONE;
	}

	private void record(Emission e, Change change) {
		if (this.events.size() >= this.maxEvents) {
			throw new TraceLimitExceededException(this.maxEvents);
		}
		TraceEvent event = new TraceEvent(this.events.size(), e.t, e.cpu, change.type(), e.packet, e.hook, e.iface,
				e.func, e.text, e.counters, e.rover, change);
		this.events.add(event);
		if (this.listener != null) {
			this.listener.accept(event);
		}
	}

	/**
	 * One event being described, field by field; {@link #emit(Change)} records it. Throws
	 * {@link TraceLimitExceededException} past the tracer's limit.
	 */
	public static final class Emission {

		/** The emission of a tracer that is off: every call does nothing. */
		static final Emission NONE = new Emission(null, 0);

		private final Tracer tracer;

		private final long t;

		private int cpu = -1;

		private Long packet;

		private String hook;

		private String iface;

		private String func;

		private String text;

		private Map<String, Long> counters;

		private RoverView rover;

		private Emission(Tracer tracer, long t) {
			this.tracer = tracer;
			this.t = t;
		}

		/** The CPU at work (the default -1: clients, wires, timers). */
		public Emission cpu(int cpu) {
			this.cpu = cpu;
			return this;
		}

		/** The packet concerned. */
		public Emission packet(long packet) {
			this.packet = packet;
			return this;
		}

		/** The netfilter hook ({@code PREROUTING}, {@code POSTROUTING}…), or null. */
		public Emission hook(String hook) {
			this.hook = hook;
			return this;
		}

		/** The interface or host. */
		public Emission iface(String iface) {
			this.iface = iface;
			return this;
		}

		/** The kernel or client function at work. */
		public Emission func(String func) {
			this.func = func;
			return this;
		}

		/** The caption: one sentence, kernel functions in backticks. */
		public Emission text(String text) {
			this.text = text;
			return this;
		}

		/** The conntrack statistics of the CPU that this step changed, or null. */
		public Emission counters(Map<String, Long> counters) {
			this.counters = counters;
			return this;
		}

		/** The shared port rover after this step when the step moved it, or null. */
		public Emission rover(RoverView rover) {
			this.rover = rover;
			return this;
		}

		/** Records the event with its state change. */
		public void emit(Change change) {
			if (this.tracer != null) {
				this.tracer.record(this, change);
			}
		}

	}

	public int size() {
		return this.events.size();
	}

	public List<TraceEvent> events() {
		return Collections.unmodifiableList(this.events);
	}

}
