package dev.racetrack.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import dev.racetrack.experiment.ExperimentAggregator;
import dev.racetrack.experiment.ExperimentPlan;
import dev.racetrack.experiment.ExperimentResult;
import dev.racetrack.experiment.TrialResult;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.ScenarioRunner;
import dev.racetrack.scenario.Scenarios;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.Tracer;

/**
 * Simulated TCP connection attempts per second: untraced {@code tcp-free-play} trials
 * (4.17, {@code default}, 32 pods × 10 rounds = 320 connects each), on one thread and on
 * every core, and an experiment of 1,000,000 attempts through the real plan and
 * aggregator on every core. JMH's {@code ops/s} are attempts per second.
 *
 * <pre>
 * ./mvnw -B -Pbenchmark -DskipFrontend -DskipTests test-compile exec:exec@jmh
 * ./mvnw -B -Pbenchmark -DskipFrontend -DskipTests test-compile exec:exec@jmh -Djmh.args="-f 1 ConnectBenchmark.oneThread"
 * </pre>
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = { "-Xms1g", "-Xmx1g" })
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class ConnectBenchmark {

	static final int PODS = 32;

	static final int ROUNDS = 10;

	/** 0: each pod's ephemeral port; 32000: every pod binds it, as the reproductions do. */
	@Param({ "0", "32000" })
	public int sourcePort;

	RunParams params;

	@Setup
	public void params() {
		RunParams d = Scenarios.byId("tcp-free-play").orElseThrow().defaults();
		this.params = d.toBuilder()
			.kernel(KernelProfile.V4_17)
			.mode(SnatMode.DEFAULT)
			.pods(PODS)
			.rounds(ROUNDS)
			.sourcePort(this.sourcePort)
			.build();
	}

	/** Each thread runs its own seeds. */
	@State(Scope.Thread)
	public static class Seeds {

		long next = 1;

	}

	@Benchmark
	@BenchmarkMode(Mode.Throughput)
	@OutputTimeUnit(TimeUnit.SECONDS)
	@OperationsPerInvocation(PODS * ROUNDS)
	@Threads(1)
	public NodeRun oneThread(Seeds seeds) {
		return ScenarioRunner.run(this.params.withSeed(seeds.next++), Tracer.off());
	}

	@Benchmark
	@BenchmarkMode(Mode.Throughput)
	@OutputTimeUnit(TimeUnit.SECONDS)
	@OperationsPerInvocation(PODS * ROUNDS)
	@Threads(Threads.MAX)
	public NodeRun allCores(Seeds seeds) {
		return ScenarioRunner.run(this.params.withSeed(seeds.next++), Tracer.off());
	}

	/**
	 * One 300-second {@code snat-race-conn-test} run (4.17 {@code default}, ≈90,000
	 * connects, untraced) on one thread: the bar is under 3 s.
	 */
	@Benchmark
	@BenchmarkMode(Mode.SingleShotTime)
	@OutputTimeUnit(TimeUnit.MILLISECONDS)
	@Warmup(iterations = 2)
	@Measurement(iterations = 3)
	@Threads(1)
	public NodeRun snatRaceConnTest300s(Seeds seeds) {
		RunParams p = RunParams.builder("tcp-free-play")
			.applyPreset(dev.racetrack.scenario.Preset.SNAT_RACE_CONN_TEST)
			.seed(20180222 + seeds.next++)
			.build();
		return ScenarioRunner.run(p, Tracer.off());
	}

	/** One experiment of 1,000,000 attempts (3,125 trials), trials on every core. */
	@State(Scope.Benchmark)
	public static class Million {

		static final int TRIALS = 1_000_000 / (PODS * ROUNDS);

		ExecutorService pool;

		ExperimentPlan plan;

		@Setup(Level.Trial)
		public void start(ConnectBenchmark b) {
			this.pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
			this.plan = ExperimentPlan.of(List.of(b.params), TRIALS, 1);
		}

		@TearDown(Level.Trial)
		public void stop() {
			this.pool.shutdownNow();
		}

	}

	@Benchmark
	@BenchmarkMode(Mode.SingleShotTime)
	@OutputTimeUnit(TimeUnit.SECONDS)
	@Warmup(iterations = 2)
	@Measurement(iterations = 3)
	@Threads(1)
	public ExperimentResult millionAttemptsOnAllCores(Million m) throws Exception {
		List<Future<TrialResult>> futures = new ArrayList<>(m.plan.size());
		for (int i = 0; i < m.plan.size(); i++) {
			futures.add(m.pool.submit(m.plan.trial(i)::run));
		}
		ExperimentAggregator aggregator = new ExperimentAggregator(m.plan);
		for (Future<TrialResult> f : futures) {
			aggregator.accept(f.get());
		}
		return aggregator.result();
	}

}
