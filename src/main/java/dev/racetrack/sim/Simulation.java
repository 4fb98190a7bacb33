package dev.racetrack.sim;

import java.util.Arrays;

/**
 * A discrete-event simulator: a clock in long nanoseconds and a queue of actions ordered
 * by (time, sequence), so that actions due at the same instant run in the order they were
 * scheduled (ns-3's {@code EventKey}). Nothing here reads a wall clock or a thread.
 *
 * <p>
 * A cancelled action is skipped when it comes due, as ns-3 does; {@link #nextTime()},
 * {@link #step()} and {@link #run} still see it until then (a cancelled action due before
 * {@code untilNanos} lets {@link #run} take the next live one). To keep the queue short,
 * a cancelled timer leaves the queue of pending actions at once and only its key waits,
 * in a second queue, for its time to come: the order of everything that runs is the same
 * as if it had stayed.
 *
 * <p>
 * The pending actions wait in two heaps by how far ahead they were scheduled: the steps
 * of packets on the node's path (nanoseconds to tens of microseconds ahead) in one, and
 * client timers (a SYN's 1 s retransmission timeout, a connection's hold, the next round)
 * and the conntrack garbage collector in the other ({@link #LATER_NANOS}). A run keeps
 * dozens of such timers pending, most of them cancelled before they come due, but only a
 * few packet steps, so that the heap every packet step goes through stays one or two
 * levels deep. The next action is the earlier of the two heaps' first entries by (time,
 * sequence): the split changes what a step costs, never which action runs next. The price
 * is one more comparison per step and a second set of arrays.
 */
public final class Simulation {

	/** One scheduled action, which may be cancelled before it runs. */
	public static final class Timer {

		private final Simulation sim;

		private final long time;

		private final long seq;

		private final Runnable action;

		private boolean cancelled;

		private boolean fired;

		Timer(Simulation sim, long time, long seq, Runnable action) {
			this.sim = sim;
			this.time = time;
			this.seq = seq;
			this.action = action;
		}

		public long time() {
			return this.time;
		}

		public void cancel() {
			if (this.cancelled) {
				return;
			}
			this.cancelled = true;
			if (!this.fired) {
				this.sim.cancelledPending++;
			}
		}

		public boolean cancelled() {
			return this.cancelled;
		}

		/** Whether the action has run. */
		public boolean fired() {
			return this.fired;
		}

	}

	/**
	 * How far ahead an action must be scheduled to wait in {@link #later} rather than
	 * {@link #soon}: 100 µs, longer than any step of a packet's path and shorter than a
	 * client's timers.
	 */
	static final long LATER_NANOS = 100_000;

	/**
	 * Actions that will run, scheduled less than {@link #LATER_NANOS} ahead: a
	 * {@link Timer} or a bare {@link Runnable} each.
	 */
	private final Heap soon = new Heap(64);

	/** Actions that will run, scheduled {@link #LATER_NANOS} or more ahead. */
	private final Heap later = new Heap(256);

	/**
	 * The keys of cancelled timers moved out of {@link #soon} and {@link #later} (no
	 * payloads).
	 */
	private final Heap cancelled = new Heap(16);

	/** Cancelled timers still in {@link #soon}, {@link #later} or the head. */
	private int cancelledPending;

	/**
	 * The head: the earliest live entry, held outside the heaps when it was the earliest
	 * as it was scheduled. An action that schedules the very next action (a CPU stepping
	 * a packet through its hooks) then costs no heap operation at all.
	 */
	private boolean hasHead;

	private long headTime;

	private long headSeq;

	private Object headPayload;

	private long now;

	private long nextSeq;

	private long executed;

	/** Asked every {@link #STOP_CHECK_INTERVAL} actions whether to stop; or none. */
	private java.util.function.BooleanSupplier stopCondition;

	/** How many actions run between two checks of the stop condition. */
	public static final int STOP_CHECK_INTERVAL = 4096;

	/** The current simulated time. */
	public long now() {
		return this.now;
	}

	/** How many actions have run. */
	public long executed() {
		return this.executed;
	}

	/**
	 * Stops the run from outside the model (a client that went away, a server shutting
	 * down): {@code condition} is asked before every {@link #STOP_CHECK_INTERVAL}th
	 * action, and once it answers true the next {@link #step()} throws
	 * {@link RunStoppedException} instead of running anything. The condition never
	 * changes what a run that is not stopped does, so a run stays a pure function of its
	 * parameters.
	 */
	public void stopWhen(java.util.function.BooleanSupplier condition) {
		this.stopCondition = condition;
	}

	/** Schedules an action at an absolute time (not before now). */
	public Timer at(long time, Runnable action) {
		checkNotPast(time);
		Timer timer = new Timer(this, time, this.nextSeq, action);
		enqueue(time, this.nextSeq++, timer);
		return timer;
	}

	/** Schedules an action after a delay. */
	public Timer after(long delay, Runnable action) {
		return at(this.now + Math.max(0, delay), action);
	}

	/**
	 * Schedules an action that is never cancelled at an absolute time (not before now):
	 * the same order as {@link #at}, without a {@link Timer}.
	 */
	public void schedule(long time, Runnable action) {
		checkNotPast(time);
		enqueue(time, this.nextSeq++, action);
	}

	/**
	 * Queues an entry; its sequence number is the largest yet, so it goes before another
	 * entry exactly when its time is earlier.
	 */
	private void enqueue(long time, long seq, Object payload) {
		if (this.hasHead) {
			if (time >= this.headTime) {
				heapFor(time).add(time, seq, payload);
				return;
			}
			heapFor(this.headTime).add(this.headTime, this.headSeq, this.headPayload);
		}
		else if (time >= firstLiveTime()) {
			heapFor(time).add(time, seq, payload);
			return;
		}
		this.hasHead = true;
		this.headTime = time;
		this.headSeq = seq;
		this.headPayload = payload;
	}

	/** The heap an entry due at {@code time} waits in. */
	private Heap heapFor(long time) {
		return (time - this.now < LATER_NANOS) ? this.soon : this.later;
	}

	/** The time of the first entry of the two heaps, or {@link Long#MAX_VALUE}. */
	private long firstLiveTime() {
		return Math.min(this.soon.firstTime(), this.later.firstTime());
	}

	/**
	 * The heap whose first entry comes first by (time, sequence), or {@code null} when
	 * both are empty.
	 */
	private Heap firstHeap() {
		Heap a = this.soon;
		Heap b = this.later;
		if (b.size == 0) {
			return (a.size == 0) ? null : a;
		}
		if (a.size == 0) {
			return b;
		}
		return Heap.before(a.times[0], a.seqs[0], b.times[0], b.seqs[0]) ? a : b;
	}

	/** Moves the keys of cancelled timers out of the heaps once they are half of them. */
	private void compactIfMostlyCancelled() {
		if (this.cancelledPending < 8 || 2 * this.cancelledPending < this.soon.size + this.later.size) {
			return;
		}
		moveCancelled(this.soon);
		moveCancelled(this.later);
		this.cancelledPending = (this.hasHead && this.headPayload instanceof Timer timer && timer.cancelled) ? 1 : 0;
	}

	private void moveCancelled(Heap live) {
		int kept = 0;
		for (int i = 0; i < live.size; i++) {
			Object payload = live.payloads[i];
			if (payload instanceof Timer timer && timer.cancelled) {
				this.cancelled.add(live.times[i], live.seqs[i], null);
				continue;
			}
			live.times[kept] = live.times[i];
			live.seqs[kept] = live.seqs[i];
			live.payloads[kept++] = payload;
		}
		Arrays.fill(live.payloads, kept, live.size, null);
		live.size = kept;
		live.heapify();
	}

	/** {@link #schedule} after a delay. */
	public void scheduleAfter(long delay, Runnable action) {
		schedule(this.now + Math.max(0, delay), action);
	}

	/**
	 * Moves the clock forward to {@code time} inside the running action, when nothing is
	 * due until then (no pending action, live or cancelled, at or before {@code time}):
	 * the same order as ending this action and scheduling the rest at {@code time}, at no
	 * cost. Returns false, and changes nothing, otherwise.
	 */
	public boolean advanceIfFree(long time) {
		checkNotPast(time);
		if (nextTime() <= time) {
			return false;
		}
		this.now = time;
		return true;
	}

	/** Whether nothing is pending, not even a cancelled timer. */
	public boolean idle() {
		return !this.hasHead && this.soon.size == 0 && this.later.size == 0 && this.cancelled.size == 0;
	}

	/**
	 * The time of the next pending action, cancelled or not, or {@link Long#MAX_VALUE}.
	 */
	public long nextTime() {
		long live = this.hasHead ? this.headTime : firstLiveTime();
		return Math.min(live, this.cancelled.firstTime());
	}

	/**
	 * Runs the next action that is not cancelled, dropping the cancelled ones due before
	 * it; returns false when nothing is pending.
	 */
	public boolean step() {
		Heap dead = this.cancelled;
		while (true) {
			long time;
			long seq;
			Object payload;
			if (this.hasHead) {
				time = this.headTime;
				seq = this.headSeq;
				payload = this.headPayload;
				this.hasHead = false;
				this.headPayload = null;
			}
			else {
				Heap live = firstHeap();
				if (live == null) {
					break;
				}
				time = live.times[0];
				seq = live.seqs[0];
				payload = live.poll();
			}
			while (dead.size > 0 && Heap.before(dead.times[0], dead.seqs[0], time, seq)) {
				dead.poll();
			}
			Runnable action;
			if (payload instanceof Timer timer) {
				if (timer.cancelled) {
					this.cancelledPending--;
					continue;
				}
				timer.fired = true;
				action = timer.action;
			}
			else {
				action = (Runnable) payload;
			}
			if ((this.executed & (STOP_CHECK_INTERVAL - 1)) == 0 && this.stopCondition != null
					&& this.stopCondition.getAsBoolean()) {
				throw new RunStoppedException(this.executed);
			}
			this.now = time;
			this.executed++;
			action.run();
			compactIfMostlyCancelled();
			return true;
		}
		dead.size = 0;
		return false;
	}

	/**
	 * Runs actions until nothing is pending, the next one is later than
	 * {@code untilNanos}, or {@code maxActions} have run in this call. Returns whether it
	 * stopped because of the bound.
	 */
	public boolean run(long untilNanos, long maxActions) {
		long budget = maxActions;
		while (!idle() && nextTime() <= untilNanos) {
			if (budget-- <= 0) {
				return true;
			}
			step();
		}
		return false;
	}

	private void checkNotPast(long time) {
		if (time < this.now) {
			throw new IllegalArgumentException("cannot schedule in the past: " + time + " < " + this.now);
		}
	}

	/**
	 * A 4-ary min-heap ordered by (time, sequence) over parallel arrays: the keys sit in
	 * primitive arrays, so that sifting compares longs without following references, and
	 * the four children of a node share a cache line.
	 */
	private static final class Heap {

		long[] times;

		long[] seqs;

		Object[] payloads;

		int size;

		Heap(int capacity) {
			this.times = new long[capacity];
			this.seqs = new long[capacity];
			this.payloads = new Object[capacity];
		}

		/** The time of the first entry, or {@link Long#MAX_VALUE} when empty. */
		long firstTime() {
			return (this.size == 0) ? Long.MAX_VALUE : this.times[0];
		}

		static boolean before(long time, long seq, long otherTime, long otherSeq) {
			return (time != otherTime) ? time < otherTime : seq < otherSeq;
		}

		void add(long time, long seq, Object payload) {
			if (this.size == this.times.length) {
				int capacity = this.size * 2;
				this.times = Arrays.copyOf(this.times, capacity);
				this.seqs = Arrays.copyOf(this.seqs, capacity);
				this.payloads = Arrays.copyOf(this.payloads, capacity);
			}
			siftUp(this.size++, time, seq, payload);
		}

		/** Removes the first entry and returns its payload. */
		Object poll() {
			Object top = this.payloads[0];
			int n = --this.size;
			Object payload = this.payloads[n];
			this.payloads[n] = null;
			if (n > 0) {
				siftDown(0, this.times[n], this.seqs[n], payload);
			}
			return top;
		}

		/** Restores the heap order of the whole array (Floyd). */
		void heapify() {
			for (int i = (this.size - 2) >>> 2; i >= 0 && this.size > 1; i--) {
				siftDown(i, this.times[i], this.seqs[i], this.payloads[i]);
			}
		}

		private void siftUp(int from, long time, long seq, Object payload) {
			long[] t = this.times;
			long[] q = this.seqs;
			Object[] p = this.payloads;
			int i = from;
			while (i > 0) {
				int parent = (i - 1) >>> 2;
				long pt = t[parent];
				if (pt < time || (pt == time && q[parent] < seq)) {
					break;
				}
				place(i, pt, q[parent], p[parent]);
				i = parent;
			}
			place(i, time, seq, payload);
		}

		private void siftDown(int from, long time, long seq, Object payload) {
			long[] t = this.times;
			long[] q = this.seqs;
			int n = this.size;
			int i = from;
			while (true) {
				int first = 4 * i + 1;
				if (first >= n) {
					break;
				}
				int best = first;
				long bt = t[first];
				long bq = q[first];
				int last = Math.min(first + 4, n);
				for (int c = first + 1; c < last; c++) {
					long ct = t[c];
					if (ct < bt || (ct == bt && q[c] < bq)) {
						best = c;
						bt = ct;
						bq = q[c];
					}
				}
				if (time < bt || (time == bt && seq < bq)) {
					break;
				}
				place(i, bt, bq, this.payloads[best]);
				i = best;
			}
			place(i, time, seq, payload);
		}

		private void place(int i, long time, long seq, Object payload) {
			this.times[i] = time;
			this.seqs[i] = seq;
			this.payloads[i] = payload;
		}

	}

}
