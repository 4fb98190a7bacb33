package dev.racetrack.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.SeededRandom;

/**
 * Free play's arrival model: {@code rounds} rounds that start together. In each round
 * every pod starts one flow; the pods go in a seeded order, separated by exponential gaps
 * of a given mean (a Poisson stream, see {@link dev.racetrack.sim.TimingModel}). The next
 * round starts a pause after the last flow of this one ends.
 */
final class Rounds implements Workload {

	private final NodeRun run;

	private final int pods;

	private final int rounds;

	private final long gapMeanNanos;

	private final SeededRandom arrivals;

	private final BiConsumer<Integer, Runnable> startFlow;

	private int round;

	private int pending;

	private boolean complete;

	/**
	 * @param startFlow starts pod {@code i}'s flow now and calls the given callback when
	 * it ends
	 */
	Rounds(NodeRun run, int pods, int rounds, long gapMeanNanos, BiConsumer<Integer, Runnable> startFlow) {
		this.run = run;
		this.pods = pods;
		this.rounds = rounds;
		this.gapMeanNanos = gapMeanNanos;
		this.arrivals = run.random("arrivals");
		this.startFlow = startFlow;
	}

	void start(long atNanos) {
		this.run.sim().schedule(atNanos, this::startRound);
	}

	private void startRound() {
		this.round++;
		this.pending = this.pods;
		List<Integer> order = new ArrayList<>(this.pods);
		for (int i = 0; i < this.pods; i++) {
			order.add(i);
		}
		for (int i = this.pods - 1; i > 0; i--) {
			int j = this.arrivals.nextInt(i + 1);
			Integer tmp = order.get(i);
			order.set(i, order.get(j));
			order.set(j, tmp);
		}
		long at = this.run.sim().now();
		for (int pod : order) {
			this.run.sim().schedule(at, () -> this.startFlow.accept(pod, this::flowDone));
			at += this.arrivals.exponential(this.gapMeanNanos);
		}
	}

	private void flowDone() {
		if (--this.pending > 0) {
			return;
		}
		if (this.round >= this.rounds) {
			this.complete = true;
			return;
		}
		this.run.sim().scheduleAfter(this.run.timing().roundPauseNanos(), this::startRound);
	}

	@Override
	public boolean complete() {
		return this.complete;
	}

}
