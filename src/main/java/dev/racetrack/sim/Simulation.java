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
 * {@code untilNanos} lets {@link #run} take the next live one). To keep the heaps short,
 * a cancelled timer in one of them leaves it once they are half cancelled, and only its
 * key waits, in a third heap, for its time to come; one in a lane stays there, where it
 * costs nothing: the order of everything that runs is the same as if it had stayed.
 *
 * <p>
 * The pending actions wait by how far ahead they were scheduled: the steps of packets on
 * the node's path (nanoseconds to tens of microseconds ahead, each jittered) in a heap,
 * {@link #soon}; everything {@link #LATER_NANOS} or more ahead in {@link Lane lanes}, one
 * per delay: a packet on the wire (100 µs), a connection's hold, a SYN's 1 s
 * retransmission timeout. Entries scheduled the same delay ahead come due in the order
 * they were scheduled, because the clock never goes back, so a lane is a plain FIFO: it
 * takes and gives an entry in constant time where a heap of the dozens of timers a run
 * keeps pending sifted through three levels for each. An entry no lane can take in order
 * (its delay has no free lane, or it would go before a lane's last entry) waits in a
 * second heap, {@link #later}. The next action is the first, by (time, sequence), of the
 * heap's, the lanes' and the second heap's first entries: where an entry waits changes
 * what a step costs, never which action runs next.
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

		/** Waits in a lane: a cancel leaves it there, uncounted, until its time. */
		private boolean inLane;

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
			if (!this.fired && !this.inLane) {
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

	/**
	 * Actions scheduled {@link #LATER_NANOS} or more ahead, one lane per delay while a
	 * lane is free for it.
	 */
	private final Lane[] lanes = new Lane[LANES];

	/** How many lanes: more than the fixed delays of a run's clients and wire. */
	static final int LANES = 8;

	/**
	 * Actions scheduled {@link #LATER_NANOS} or more ahead that no lane took in order.
	 */
	private final Heap later = new Heap(64);

	/**
	 * Which of {@link #later} ({@link #LATER_HEAP}) and the {@link #lanes} (their index)
	 * holds the first of their entries, {@link #NONE} when all are empty, or
	 * {@link #UNKNOWN} until it is looked up again.
	 */
	private int laterFirst = NONE;

	private static final int NONE = -1;

	private static final int UNKNOWN = -2;

	private static final int LATER_HEAP = LANES;

	/**
	 * The keys of cancelled timers moved out of {@link #soon} and {@link #later} (no
	 * payloads).
	 */
	private final Heap cancelled = new Heap(16);

	/**
	 * Cancelled timers still in {@link #soon}, {@link #later} or the head (not those in
	 * lanes, which cost nothing until their time).
	 */
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

	/**
	 * The horizon of the {@link #stepUntil} call whose action runs:
	 * {@link #advanceIfFree} never moves the clock past it, so an action runs nothing its
	 * caller did not ask for.
	 */
	private long limit = Long.MAX_VALUE;

	private long nextSeq;

	private long executed;

	/** Asked every {@link #STOP_CHECK_INTERVAL} actions whether to stop; or none. */
	private java.util.function.BooleanSupplier stopCondition;

	/** How many actions run between two checks of the stop condition. */
	public static final int STOP_CHECK_INTERVAL = 4096;

	public Simulation() {
		for (int i = 0; i < LANES; i++) {
			this.lanes[i] = new Lane();
		}
	}

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
				pend(time, seq, payload);
				return;
			}
			pend(this.headTime, this.headSeq, this.headPayload);
		}
		else if (time >= firstLiveTime()) {
			pend(time, seq, payload);
			return;
		}
		this.hasHead = true;
		this.headTime = time;
		this.headSeq = seq;
		this.headPayload = payload;
	}

	/**
	 * Puts an entry where it waits: {@link #soon}, the lane of its delay, or
	 * {@link #later}.
	 */
	private void pend(long time, long seq, Object payload) {
		long delay = time - this.now;
		if (delay < LATER_NANOS) {
			this.soon.add(time, seq, payload);
			return;
		}
		Lane free = null;
		for (Lane lane : this.lanes) {
			if (lane.size > 0) {
				if (lane.delay == delay) {
					if (lane.takes(time, seq)) {
						free = lane;
					}
					break;
				}
			}
			else if (free == null) {
				free = lane;
			}
		}
		if (free != null) {
			if (free.size == 0) {
				free.delay = delay;
			}
			free.add(time, seq, payload);
			if (payload instanceof Timer timer) {
				if (timer.cancelled) {
					this.cancelledPending--;
				}
				timer.inLane = true;
			}
		}
		else {
			this.later.add(time, seq, payload);
		}
		if (this.laterFirst != UNKNOWN) {
			// The new entry is first of the later ones only if it goes before the first.
			this.laterFirst = (this.laterFirst == NONE
					|| Heap.before(time, seq, laterTime(this.laterFirst), laterSeq(this.laterFirst))) ? UNKNOWN
							: this.laterFirst;
		}
	}

	/** {@link #laterFirst}, looked up again if needed. */
	private int laterFirst() {
		int first = this.laterFirst;
		if (first != UNKNOWN) {
			return first;
		}
		first = (this.later.size > 0) ? LATER_HEAP : NONE;
		long t = (first == NONE) ? Long.MAX_VALUE : this.later.times[0];
		long q = (first == NONE) ? Long.MAX_VALUE : this.later.seqs[0];
		for (int i = 0; i < LANES; i++) {
			Lane lane = this.lanes[i];
			if (lane.size > 0 && Heap.before(lane.firstTime(), lane.firstSeq(), t, q)) {
				first = i;
				t = lane.firstTime();
				q = lane.firstSeq();
			}
		}
		this.laterFirst = first;
		return first;
	}

	private long laterTime(int source) {
		return (source == LATER_HEAP) ? this.later.times[0] : this.lanes[source].firstTime();
	}

	private long laterSeq(int source) {
		return (source == LATER_HEAP) ? this.later.seqs[0] : this.lanes[source].firstSeq();
	}

	/**
	 * The time of the first entry of {@link #soon}, the lanes and {@link #later}, or
	 * {@link Long#MAX_VALUE}.
	 */
	private long firstLiveTime() {
		int first = laterFirst();
		return Math.min(this.soon.firstTime(), (first == NONE) ? Long.MAX_VALUE : laterTime(first));
	}

	/** Moves the keys of cancelled timers out of the heaps once they are half of them. */
	private void compactIfMostlyCancelled() {
		if (this.cancelledPending < 8 || 2 * this.cancelledPending < this.soon.size + this.later.size) {
			return;
		}
		moveCancelled(this.soon);
		moveCancelled(this.later);
		this.laterFirst = UNKNOWN;
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
	 * cost. Returns false, and changes nothing, otherwise, or when {@code time} is past
	 * the horizon of the {@link #stepUntil} running this action.
	 */
	public boolean advanceIfFree(long time) {
		checkNotPast(time);
		if (time > this.limit || nextTime() <= time) {
			return false;
		}
		this.now = time;
		return true;
	}

	/** Whether nothing is pending, not even a cancelled timer. */
	public boolean idle() {
		return !this.hasHead && this.soon.size == 0 && laterFirst() == NONE && this.cancelled.size == 0;
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
		return stepUntil(Long.MAX_VALUE);
	}

	/**
	 * {@link #step()} if an action, cancelled or not, is due at or before {@code horizon}
	 * ({@code nextTime() <= horizon}), in one look at the queue; returns false, and
	 * changes nothing, if none is.
	 */
	public boolean stepUntil(long horizon) {
		Heap dead = this.cancelled;
		boolean looked = false;
		while (true) {
			long time;
			long seq;
			Object payload;
			if (this.hasHead) {
				time = this.headTime;
				seq = this.headSeq;
				if (!looked && Math.min(time, dead.firstTime()) > horizon) {
					return false;
				}
				payload = this.headPayload;
				this.hasHead = false;
				this.headPayload = null;
			}
			else {
				int first = laterFirst();
				Heap heap = this.soon;
				if (heap.size == 0 || (first != NONE
						&& Heap.before(laterTime(first), laterSeq(first), heap.times[0], heap.seqs[0]))) {
					if (first == NONE) {
						if (!looked && dead.firstTime() > horizon) {
							return false;
						}
						break;
					}
					heap = (first == LATER_HEAP) ? this.later : null;
				}
				if (heap != null) {
					time = heap.times[0];
					seq = heap.seqs[0];
				}
				else {
					time = this.lanes[first].firstTime();
					seq = this.lanes[first].firstSeq();
				}
				if (!looked && Math.min(time, dead.firstTime()) > horizon) {
					return false;
				}
				if (heap != this.soon) {
					this.laterFirst = UNKNOWN;
				}
				payload = (heap != null) ? heap.poll() : this.lanes[first].poll();
			}
			looked = true;
			while (dead.size > 0 && Heap.before(dead.times[0], dead.seqs[0], time, seq)) {
				dead.poll();
			}
			Runnable action;
			if (payload instanceof Timer timer) {
				if (timer.cancelled) {
					if (!timer.inLane) {
						this.cancelledPending--;
					}
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
			this.limit = horizon;
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
		for (long budget = maxActions; budget > 0; budget--) {
			if (!stepUntil(untilNanos)) {
				return false;
			}
		}
		return !idle() && nextTime() <= untilNanos;
	}

	private void checkNotPast(long time) {
		if (time < this.now) {
			throw new IllegalArgumentException("cannot schedule in the past: " + time + " < " + this.now);
		}
	}

	/**
	 * Entries scheduled the same delay ahead, in the order they come due: a ring over
	 * parallel arrays.
	 */
	private static final class Lane {

		/** The delay of the entries, while any wait. */
		long delay;

		long[] times = new long[16];

		long[] seqs = new long[16];

		Object[] payloads = new Object[16];

		int first;

		int size;

		long firstTime() {
			return this.times[this.first];
		}

		long firstSeq() {
			return this.seqs[this.first];
		}

		/** Whether an entry goes after the last one, so the lane stays in order. */
		boolean takes(long time, long seq) {
			int last = (this.first + this.size - 1) & (this.times.length - 1);
			return !Heap.before(time, seq, this.times[last], this.seqs[last]);
		}

		void add(long time, long seq, Object payload) {
			if (this.size == this.times.length) {
				grow();
			}
			int i = (this.first + this.size++) & (this.times.length - 1);
			this.times[i] = time;
			this.seqs[i] = seq;
			this.payloads[i] = payload;
		}

		Object poll() {
			int i = this.first;
			Object payload = this.payloads[i];
			this.payloads[i] = null;
			this.first = (i + 1) & (this.times.length - 1);
			this.size--;
			return payload;
		}

		private void grow() {
			int n = this.times.length;
			long[] t = new long[2 * n];
			long[] q = new long[2 * n];
			Object[] p = new Object[2 * n];
			for (int k = 0; k < n; k++) {
				int i = (this.first + k) & (n - 1);
				t[k] = this.times[i];
				q[k] = this.seqs[i];
				p[k] = this.payloads[i];
			}
			this.times = t;
			this.seqs = q;
			this.payloads = p;
			this.first = 0;
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
