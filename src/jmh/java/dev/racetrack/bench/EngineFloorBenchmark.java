package dev.racetrack.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import dev.racetrack.sim.SeededRandom;
import dev.racetrack.sim.Simulation;

/**
 * The engine's floor: nanoseconds per action of {@link Simulation} when the actions do no
 * model work at all. Each of {@code chains} chains is a CPU stepping packets: an action
 * that schedules its successor one jittered hook step ahead (800 ns ± 20 %, drawn as the
 * node draws its steps, {@link SeededRandom#jitter}), and every eighth step a packet onto
 * the wire (100 µs ahead, a lane). One chain runs from the queue's head (no heap
 * operation, as 28 of an attempt's 55 actions do); four interleave in the heap of near
 * actions (as the other steps do, with the 3.6 entries it holds on average). An attempt of
 * {@link ConnectBenchmark} is 55 actions, so this floor times 55 is what an attempt costs
 * before any conntrack, NAT, iptables or TCP work: the part of the time that only fewer
 * actions per attempt can cut.
 *
 * <pre>
 * ./mvnw -B -Pbenchmark -DskipFrontend -DskipTests test-compile exec:exec@jmh -Djmh.args="-f 1 EngineFloorBenchmark"
 * </pre>
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class EngineFloorBenchmark {

	static final int ACTIONS = 1_000_000;

	/** The hook step's nominal cost and jitter, as in the calibrated timing model. */
	static final long STEP_NANOS = 800;

	static final double STEP_JITTER = 0.2;

	/** The wire's delay: a lane of its own. */
	static final long WIRE_NANOS = 100_000;

	@Param({ "1", "4" })
	public int chains;

	long seed;

	/** Keeps the wire's no-op actions from being optimised away. */
	long arrived;

	@Benchmark
	@BenchmarkMode(Mode.AverageTime)
	@OutputTimeUnit(TimeUnit.NANOSECONDS)
	@OperationsPerInvocation(ACTIONS)
	@Threads(1)
	public long nanosPerAction() {
		Simulation sim = new Simulation();
		SeededRandom random = new SeededRandom(this.seed++);
		Runnable wire = () -> this.arrived++;
		for (int c = 0; c < this.chains; c++) {
			Chain chain = new Chain(sim, random, wire);
			sim.scheduleAfter(c, chain);
		}
		sim.run(Long.MAX_VALUE, ACTIONS);
		return sim.executed() + this.arrived;
	}

	/** A CPU stepping packets: each step schedules the next. */
	static final class Chain implements Runnable {

		private final Simulation sim;

		private final SeededRandom random;

		private final Runnable wire;

		private long steps;

		Chain(Simulation sim, SeededRandom random, Runnable wire) {
			this.sim = sim;
			this.random = random;
			this.wire = wire;
		}

		@Override
		public void run() {
			if ((++this.steps & 7) == 0) {
				this.sim.scheduleAfter(WIRE_NANOS, this.wire);
			}
			this.sim.scheduleAfter(this.random.jitter(STEP_NANOS, STEP_JITTER), this);
		}

	}

}
