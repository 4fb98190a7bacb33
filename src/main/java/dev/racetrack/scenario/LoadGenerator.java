package dev.racetrack.scenario;

import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.SeededRandom;

/**
 * Free play's load generators other than {@link Rounds}: {@code workers} client threads
 * in each pod, each thread on a CPU of the node (thread {@code g} of all on CPU
 * {@code g mod cpus}, as the scheduler spreads busy threads), starting flows as a real
 * test harness does:
 * <ul>
 * <li>{@link WorkloadKind#BARRIER}: every round, all threads are released together and
 * each starts its flow after its own start jitter, uniform in
 * {@code [0, }{@link #BARRIER_JITTER_NANOS}{@code )} (src/docs/kernel-window.md §1
 * spreads the skew over 0–40 µs); the next round follows once every flow ended.</li>
 * <li>{@link WorkloadKind#TICKER}: each pod's threads start together at a random phase of
 * the period (the containers start independently); every {@code periodMs} each thread
 * dials, its dial landing uniformly within the timing model's
 * {@link dev.racetrack.sim.TimingModel#tickerSpreadNanos} after the tick (the one
 * client-side calibration, src/docs/PRODUCT.md §1). A tick that comes while the thread's
 * dial is still pending waits, one at most (Go's ticker channel holds one).</li>
 * <li>{@link WorkloadKind#CLOSED}: the threads start together (their first dials as far
 * apart as a ticker's burst) and each dials again {@code periodMs} after its previous
 * connection ended, so the threads drift apart only as their connections' times
 * differ.</li>
 * </ul>
 * Sustained workloads stop starting flows after {@code durationS}; no thread's arrivals
 * depend on another thread's flows. The conntrack counters are sampled every
 * {@link #WINDOW_NANOS} for the rates per window.
 */
final class LoadGenerator implements Workload {

	/** The barrier's per-thread start jitter. */
	static final long BARRIER_JITTER_NANOS = 40_000;

	/** Width of a rate window. */
	static final long WINDOW_NANOS = 10_000_000_000L;

	/**
	 * Starts a flow of pod {@code pod} on a thread's CPU; calls {@code done} at its end.
	 */
	interface FlowStarter {

		void start(int pod, int cpu, Runnable done);

	}

	private final NodeRun run;

	private final RunParams params;

	private final FlowStarter starter;

	private final SeededRandom random;

	private final long startNanos;

	private final long endNanos;

	private int pending;

	private int round;

	private boolean stopped;

	private boolean ended;

	LoadGenerator(NodeRun run, RunParams params, FlowStarter starter, long startNanos) {
		this.run = run;
		this.params = params;
		this.starter = starter;
		this.random = run.random("arrivals");
		this.startNanos = startNanos;
		this.endNanos = startNanos + params.durationS() * 1_000_000_000L;
	}

	void start() {
		switch (this.params.workload()) {
			case BARRIER -> this.run.sim().schedule(this.startNanos, this::barrierRound);
			case TICKER -> startTickers();
			case CLOSED -> startClosedLoops();
			default -> throw new IllegalStateException("rounds are not a load generator");
		}
		if (this.params.workload().sustained()) {
			for (long t = this.startNanos; t <= this.endNanos; t += WINDOW_NANOS) {
				this.run.sim().schedule(t, this.run::sampleCounters);
			}
			long warmupEnd = this.startNanos + this.params.warmupS() * 1_000_000_000L;
			if ((warmupEnd - this.startNanos) % WINDOW_NANOS != 0) {
				this.run.sim().schedule(warmupEnd, this.run::sampleCounters);
			}
			this.run.sim().schedule(this.endNanos + 1, () -> this.ended = true);
		}
	}

	private int threads() {
		return this.params.pods() * this.params.workers();
	}

	private int cpuOf(int thread) {
		return thread % this.params.cpus();
	}

	private int podOf(int thread) {
		return thread / this.params.workers();
	}

	private void barrierRound() {
		this.round++;
		int n = threads();
		this.pending = n;
		long now = this.run.sim().now();
		for (int g = 0; g < n; g++) {
			int thread = g;
			long at = now + this.random.uniform(0, BARRIER_JITTER_NANOS);
			this.run.sim().schedule(at, () -> this.starter.start(podOf(thread), cpuOf(thread), this::barrierFlowDone));
		}
	}

	private void barrierFlowDone() {
		if (--this.pending > 0) {
			return;
		}
		if (this.round >= this.params.rounds()) {
			this.stopped = true;
			return;
		}
		this.run.sim().scheduleAfter(this.run.timing().roundPauseNanos(), this::barrierRound);
	}

	private void startTickers() {
		long period = this.params.periodMs() * 1_000_000L;
		long spread = Math.min(this.run.timing().tickerSpreadNanos(), period);
		for (int pod = 0; pod < this.params.pods(); pod++) {
			long phase = this.startNanos + this.random.uniform(0, period);
			for (int w = 0; w < this.params.workers(); w++) {
				new Ticker(pod * this.params.workers() + w, phase, period, spread).tick();
			}
		}
	}

	/** One goroutine with its {@code time.NewTicker}. */
	private final class Ticker {

		private final int thread;

		private final long period;

		private final long spread;

		private long next;

		private boolean busy;

		private boolean tickWaiting;

		Ticker(int thread, long first, long period, long spread) {
			this.thread = thread;
			this.next = first;
			this.period = period;
			this.spread = spread;
		}

		void tick() {
			if (this.next > LoadGenerator.this.endNanos) {
				return;
			}
			long at = this.next + LoadGenerator.this.random.uniform(0, this.spread);
			this.next += this.period;
			LoadGenerator.this.run.sim().schedule(Math.min(at, this.next), this::fire);
		}

		private void fire() {
			if (this.busy) {
				this.tickWaiting = true;
			}
			else {
				dial();
			}
			tick();
		}

		private void dial() {
			this.busy = true;
			LoadGenerator.this.pending++;
			LoadGenerator.this.starter.start(podOf(this.thread), cpuOf(this.thread), this::done);
		}

		private void done() {
			this.busy = false;
			LoadGenerator.this.pending--;
			if (this.tickWaiting && LoadGenerator.this.run.sim().now() <= LoadGenerator.this.endNanos) {
				this.tickWaiting = false;
				dial();
			}
		}

	}

	private void startClosedLoops() {
		long spread = this.run.timing().tickerSpreadNanos();
		for (int g = 0; g < threads(); g++) {
			int thread = g;
			long first = this.startNanos + this.random.uniform(0, spread);
			this.run.sim().schedule(first, () -> closedDial(thread));
		}
	}

	private void closedDial(int thread) {
		if (this.run.sim().now() > this.endNanos) {
			return;
		}
		this.pending++;
		this.starter.start(podOf(thread), cpuOf(thread), () -> {
			this.pending--;
			this.run.sim().scheduleAfter(this.params.periodMs() * 1_000_000L, () -> closedDial(thread));
		});
	}

	@Override
	public boolean complete() {
		if (this.params.workload() == WorkloadKind.BARRIER) {
			return this.stopped;
		}
		return this.ended && this.pending == 0;
	}

}
