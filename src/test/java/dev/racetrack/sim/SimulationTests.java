package dev.racetrack.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Simulation}: its queue (4-ary heaps, lanes of one delay each, head
 * slot, cancelled keys moved aside) must run exactly what a plain sorted list with lazy
 * cancellation runs, in the same order, with the same clock, and see cancelled timers in
 * {@link Simulation#nextTime()} and {@link Simulation#run} the same way.
 */
class SimulationTests {

	@Test
	void actionsDueAtTheSameInstantRunInTheOrderTheyWereScheduled() {
		Simulation sim = new Simulation();
		List<String> log = new ArrayList<>();
		sim.schedule(10, () -> log.add("a"));
		sim.at(10, () -> log.add("b"));
		sim.schedule(5, () -> {
			log.add("first");
			sim.schedule(10, () -> log.add("c"));
			sim.scheduleAfter(0, () -> log.add("now"));
		});
		sim.run(Long.MAX_VALUE, 100);
		assertThat(log).containsExactly("first", "now", "a", "b", "c");
		assertThat(sim.now()).isEqualTo(10);
		assertThat(sim.executed()).isEqualTo(5);
	}

	@Test
	void aCancelledTimerIsSkippedButStillCountsAsPendingUntilItsTime() {
		Simulation sim = new Simulation();
		List<String> log = new ArrayList<>();
		Simulation.Timer timer = sim.at(5, () -> log.add("cancelled"));
		sim.schedule(20, () -> log.add("late"));
		timer.cancel();
		assertThat(sim.nextTime()).isEqualTo(5);
		assertThat(sim.idle()).isFalse();
		// Run until 10: the cancelled timer at 5 is due, so run takes the next live
		// action.
		assertThat(sim.run(10, 100)).isFalse();
		assertThat(log).containsExactly("late");
		assertThat(sim.now()).isEqualTo(20);
		assertThat(timer.fired()).isFalse();
		assertThat(sim.idle()).isTrue();
	}

	@Test
	void anActionMovesTheClockOnlyWhenNothingIsDueAndNeverPastTheHorizonItWasRunTo() {
		Simulation sim = new Simulation();
		List<String> log = new ArrayList<>();
		sim.schedule(50, () -> log.add("other"));
		sim.schedule(10, () -> {
			assertThat(sim.advanceIfFree(30)).isTrue();
			log.add("walked to " + sim.now());
			// the action at 50 is due first: the rest must wait in the queue
			assertThat(sim.advanceIfFree(50)).isFalse();
			assertThat(sim.advanceIfFree(60)).isFalse();
			assertThat(sim.now()).isEqualTo(30);
		});
		sim.run(Long.MAX_VALUE, 1);
		assertThat(log).containsExactly("walked to 30");

		// run to 100: an action at 90 may not take the clock to 120, where nothing is due
		// either, because its caller asked for nothing after 100
		sim.schedule(90, () -> {
			assertThat(sim.advanceIfFree(120)).isFalse();
			assertThat(sim.advanceIfFree(100)).isTrue();
		});
		assertThat(sim.run(100, 10)).isFalse();
		assertThat(log).containsExactly("walked to 30", "other");
		assertThat(sim.now()).isEqualTo(100);
	}

	@ParameterizedTest(name = "seed {0}")
	@ValueSource(longs = { 1, 2, 3, 4, 5, 6, 7, 8 })
	void theQueueRunsWhatASortedListWouldRun(long seed) {
		Script a = new Script(seed, new Real(), false);
		Script b = new Script(seed, new Reference(), false);
		a.play();
		b.play();
		assertThat(a.log).hasSizeGreaterThan(1000).isEqualTo(b.log);
	}

	/**
	 * As a run schedules: packet steps (a jittered few µs), the wire and a connection's
	 * hold (fixed delays, in lanes), SYN timeouts (a fixed second, mostly cancelled) and
	 * a few odd delays past {@link Simulation#LATER_NANOS}, more of them than there are
	 * lanes, so that lanes are freed and given to other delays and some entries wait in
	 * the second heap.
	 */
	@ParameterizedTest(name = "seed {0}")
	@ValueSource(longs = { 1, 2, 3, 4, 5, 6, 7, 8 })
	void withDelaysInLanesTheQueueRunsWhatASortedListWouldRun(long seed) {
		Script a = new Script(seed, new Real(), true);
		Script b = new Script(seed, new Reference(), true);
		a.play();
		b.play();
		assertThat(a.log).hasSizeGreaterThan(1000).isEqualTo(b.log);
	}

	/** The operations both queues offer. */
	interface Queue {

		long now();

		int schedule(long time, Runnable action, boolean cancellable);

		void cancel(int id);

		long nextTime();

		boolean idle();

		boolean run(long until, long max);

	}

	/** Drives a queue with seeded actions that schedule and cancel more actions. */
	static final class Script {

		final List<String> log = new ArrayList<>();

		final SeededRandom random;

		final Queue queue;

		final List<Integer> timers = new ArrayList<>();

		int budget = 4000;

		final boolean far;

		Script(long seed, Queue queue, boolean far) {
			this.random = new SeededRandom(seed);
			this.queue = queue;
			this.far = far;
		}

		void play() {
			for (int i = 0; i < 200; i++) {
				add();
			}
			while (!this.queue.idle()) {
				// With far delays the next action may lie seconds ahead: half the time,
				// run from it.
				long from = (this.far && this.random.nextInt(2) == 0) ? this.queue.nextTime() : this.queue.now();
				long until = from + this.random.nextInt(3000);
				boolean bounded = this.queue.run(until, 1 + this.random.nextInt(40));
				this.log.add(
						"run " + until + " " + bounded + " now " + this.queue.now() + " next " + this.queue.nextTime());
			}
		}

		void add() {
			// Timers (like SYN timeouts) lie far ahead and are mostly cancelled, so that
			// their
			// keys pile up and move aside; other actions come soon, often at the same
			// instant.
			boolean cancellable = this.random.nextInt(2) == 0;
			long delay = cancellable ? 500 + this.random.nextInt(20_000)
					: (this.random.nextInt(4) == 0) ? 0 : this.random.nextInt(2000);
			if (this.far) {
				long[] fixed = { 100_000, 1_000_000, 1_000_000_000, 250_000 };
				delay = switch (this.random.nextInt(6)) {
					case 0, 1 -> fixed[this.random.nextInt(fixed.length)];
					case 2 -> Simulation.LATER_NANOS + this.random.nextInt(20) * 10_000L;
					default -> delay;
				};
			}
			long time = this.queue.now() + delay;
			int[] id = new int[1];
			id[0] = this.queue.schedule(time, () -> fire(id[0]), cancellable);
			if (cancellable) {
				this.timers.add(id[0]);
			}
		}

		void fire(int id) {
			this.log.add(id + "@" + this.queue.now());
			int children = (this.budget-- > 0) ? this.random.nextInt(4) : 0;
			for (int i = 0; i < children; i++) {
				add();
			}
			if (!this.timers.isEmpty() && this.random.nextInt(4) != 0) {
				int recent = Math.min(8, this.timers.size());
				this.queue.cancel(this.timers.get(this.timers.size() - 1 - this.random.nextInt(recent)));
			}
		}

	}

	static final class Real implements Queue {

		final Simulation sim = new Simulation();

		final Map<Integer, Simulation.Timer> timers = new HashMap<>();

		int next;

		@Override
		public long now() {
			return this.sim.now();
		}

		@Override
		public int schedule(long time, Runnable action, boolean cancellable) {
			int id = this.next++;
			if (cancellable) {
				this.timers.put(id, this.sim.at(time, action));
			}
			else {
				this.sim.schedule(time, action);
			}
			return id;
		}

		@Override
		public void cancel(int id) {
			this.timers.get(id).cancel();
		}

		@Override
		public long nextTime() {
			return this.sim.nextTime();
		}

		@Override
		public boolean idle() {
			return this.sim.idle();
		}

		@Override
		public boolean run(long until, long max) {
			return this.sim.run(until, max);
		}

	}

	/** The plainest correct queue: a list, the minimum found by a scan, lazy cancels. */
	static final class Reference implements Queue {

		record Entry(long time, long seq, int id, Runnable action) {
		}

		final List<Entry> entries = new ArrayList<>();

		final Map<Integer, Boolean> cancelled = new HashMap<>();

		long now;

		long seq;

		int next;

		@Override
		public long now() {
			return this.now;
		}

		@Override
		public int schedule(long time, Runnable action, boolean cancellable) {
			int id = this.next++;
			this.entries.add(new Entry(time, this.seq++, id, action));
			return id;
		}

		@Override
		public void cancel(int id) {
			this.cancelled.put(id, true);
		}

		@Override
		public long nextTime() {
			return this.entries.isEmpty() ? Long.MAX_VALUE : min().time();
		}

		@Override
		public boolean idle() {
			return this.entries.isEmpty();
		}

		private Entry min() {
			Entry best = null;
			for (Entry e : this.entries) {
				if (best == null || e.time() < best.time() || (e.time() == best.time() && e.seq() < best.seq())) {
					best = e;
				}
			}
			return best;
		}

		boolean step() {
			while (!this.entries.isEmpty()) {
				Entry e = min();
				this.entries.remove(e);
				if (this.cancelled.getOrDefault(e.id(), false)) {
					continue;
				}
				this.now = e.time();
				e.action().run();
				return true;
			}
			return false;
		}

		@Override
		public boolean run(long until, long max) {
			long budget = max;
			while (!this.entries.isEmpty() && nextTime() <= until) {
				if (budget-- <= 0) {
					return true;
				}
				step();
			}
			return false;
		}

	}

}
