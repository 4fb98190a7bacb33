package dev.racetrack.sim;

import java.util.Arrays;

/**
 * A discrete-event simulator: a clock in long nanoseconds and a queue of actions ordered
 * by (time, sequence), so that actions due at the same instant run in the order they were
 * scheduled (ns-3's {@code EventKey}). Nothing here reads a wall clock or a thread.
 */
public final class Simulation {

	/** One scheduled action, which may be cancelled before it runs. */
	public static final class Timer {

		private final long time;

		private final long seq;

		private final Runnable action;

		private boolean cancelled;

		private boolean fired;

		Timer(long time, long seq, Runnable action) {
			this.time = time;
			this.seq = seq;
			this.action = action;
		}

		public long time() {
			return this.time;
		}

		public void cancel() {
			this.cancelled = true;
		}

		public boolean cancelled() {
			return this.cancelled;
		}

		/** Whether the action has run. */
		public boolean fired() {
			return this.fired;
		}

	}

	private Timer[] heap = new Timer[256];

	private int size;

	private long now;

	private long nextSeq;

	private long executed;

	/** The current simulated time. */
	public long now() {
		return this.now;
	}

	/** How many actions have run. */
	public long executed() {
		return this.executed;
	}

	/** Schedules an action at an absolute time (not before now). */
	public Timer at(long time, Runnable action) {
		if (time < this.now) {
			throw new IllegalArgumentException("cannot schedule in the past: " + time + " < " + this.now);
		}
		Timer timer = new Timer(time, this.nextSeq++, action);
		push(timer);
		return timer;
	}

	/** Schedules an action after a delay. */
	public Timer after(long delay, Runnable action) {
		return at(this.now + Math.max(0, delay), action);
	}

	public boolean idle() {
		return this.size == 0;
	}

	/** The time of the next pending action, or {@link Long#MAX_VALUE}. */
	public long nextTime() {
		return (this.size == 0) ? Long.MAX_VALUE : this.heap[0].time;
	}

	/** Runs the next action; returns false when nothing is pending. */
	public boolean step() {
		while (this.size > 0) {
			Timer next = pop();
			if (next.cancelled) {
				continue;
			}
			this.now = next.time;
			this.executed++;
			next.fired = true;
			next.action.run();
			return true;
		}
		return false;
	}

	/**
	 * Runs actions until nothing is pending, the next one is later than
	 * {@code untilNanos}, or {@code maxActions} have run in this call. Returns whether it
	 * stopped because of the bound.
	 */
	public boolean run(long untilNanos, long maxActions) {
		long budget = maxActions;
		while (this.size > 0 && this.heap[0].time <= untilNanos) {
			if (budget-- <= 0) {
				return true;
			}
			step();
		}
		return false;
	}

	private void push(Timer timer) {
		if (this.size == this.heap.length) {
			this.heap = Arrays.copyOf(this.heap, this.size * 2);
		}
		int i = this.size++;
		while (i > 0) {
			int parent = (i - 1) >>> 1;
			if (!before(timer, this.heap[parent])) {
				break;
			}
			this.heap[i] = this.heap[parent];
			i = parent;
		}
		this.heap[i] = timer;
	}

	private Timer pop() {
		Timer top = this.heap[0];
		Timer last = this.heap[--this.size];
		this.heap[this.size] = null;
		if (this.size > 0) {
			int i = 0;
			while (true) {
				int child = 2 * i + 1;
				if (child >= this.size) {
					break;
				}
				if (child + 1 < this.size && before(this.heap[child + 1], this.heap[child])) {
					child++;
				}
				if (!before(this.heap[child], last)) {
					break;
				}
				this.heap[i] = this.heap[child];
				i = child;
			}
			this.heap[i] = last;
		}
		return top;
	}

	private static boolean before(Timer a, Timer b) {
		return (a.time != b.time) ? a.time < b.time : a.seq < b.seq;
	}

}
