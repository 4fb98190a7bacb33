package dev.racetrack.experiment;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.scenario.Preset;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.sim.LookupOptions;
import dev.racetrack.sim.Mitigation;
import dev.racetrack.sim.NodeConfig;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.ResolverKind;
import dev.racetrack.sim.TimingModel;
import dev.racetrack.sim.Tracer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The published and measured figures of src/docs/PRODUCT.md §1's fidelity table, each
 * from a seeded run of the model: the two fitted quantities (the window curves, the
 * snat-race-conn-test rate on 4.17 {@code default}) and the predictions that follow from
 * them (the counters per connect, {@code random-fully}, 6.x, the DNS senders). Long runs
 * (300 simulated seconds) are untraced and take seconds.
 */
class PublishedFiguresTests {

	static final long SEED = 20180222;

	static RunParams snatRaceConnTest(KernelProfile kernel, SnatMode mode) {
		return RunParams.builder("tcp-free-play")
			.applyPreset(Preset.SNAT_RACE_CONN_TEST)
			.kernel(kernel)
			.mode(mode)
			.build();
	}

	@Test
	@DisplayName("snat-race-conn-test, 300 s: 4.17 default 1–4 % (published ≈2.05 %), found 0.8–1.5 and invalid 0.3–1.0 per connect, insert_failed == drop; random-fully at most a tenth; 6.x ≈0 (below the bound of 0 in 57,600)")
	void snatRaceConnTest() {
		ExperimentPlan plan = ExperimentPlan.of(List.of(snatRaceConnTest(KernelProfile.V4_17, SnatMode.DEFAULT),
				snatRaceConnTest(KernelProfile.V4_17, SnatMode.RANDOM_FULLY),
				snatRaceConnTest(KernelProfile.V6_X, SnatMode.DEFAULT)), 1, SEED);
		ExperimentResult result = Plans.run(plan, 2);
		ConfigurationResult def = result.configurations().get(0);
		ConfigurationResult fully = result.configurations().get(1);
		ConfigurationResult today = result.configurations().get(2);
		for (ConfigurationResult c : result.configurations()) {
			System.out.printf("%s %s: %d connects, errors %.3f %%, per connect %s%n", c.params().kernel().id(),
					c.params().mode().id(), c.attempts(), 100 * c.errors().rate(), c.perAttempt());
		}
		assertThat(def.attempts()).as("≈96,000 dials in 300 s (fewer: a failed dial holds its goroutine 500 ms)")
			.isBetween(85_000L, 96_100L);
		assertThat(def.errors().rate()).as("errors, 4.17 default").isBetween(0.01, 0.04);
		assertThat(def.perAttempt().get(Counter.FOUND.label()).rate()).as("found per connect").isBetween(0.8, 1.5);
		assertThat(def.perAttempt().get(Counter.INVALID.label()).rate()).as("invalid per connect").isBetween(0.3, 1.0);
		assertThat(def.insertFailed().events()).as("insert_failed == drop").isEqualTo(def.drops().events());
		assertThat(def.insertFailed().events()).isPositive();
		assertThat(fully.errors().rate()).as("random-fully ≤ a tenth of default")
			.isLessThanOrEqualTo(def.errors().rate() / 10);
		// 6.x: the walk starts at a random offset, so two walks no longer meet; what is
		// left is two pods' ephemeral ports coinciding within a window, each kept as
		// free (1 in 95,996 with seed 20180222). A real 6.18 gave 0 in 57,600
		// (src/docs/kernel-window.md §3), which puts its rate below 5.2e-5 (95 %).
		assertThat(today.insertFailed().rate()).as("6.x: ≈0").isLessThan(5.2e-5);
		assertThat(today.errors().rate()).isLessThan(5.2e-5);
		assertThat(def.windows()).as("30 windows of 10 s").hasSize(30);
		assertThat(def.windows().get(0).errorRate()).as("the first 10 s, before TIME_WAIT fills the node")
			.isLessThan(def.errors().rate());
	}

	@Test
	@DisplayName("6.x under kernel-window.md §3's own workload (2 pods × 16 threads on 2 CPUs, 180 s): default, --random and --random-fully as rare as the real 6.18's 0, 0 and 1 in 57,600")
	void sixXUnderTheRealKernelsWorkload() {
		// The workload that measured it (src/docs/kernel-window.md §3): the
		// snat-race-conn-test shape on a 2-vCPU node, 180 s, 6.18. Three runs per mode
		// (≈172,800 connects each), common seeds across modes.
		List<RunParams> modes = List.of(SnatMode.DEFAULT, SnatMode.RANDOM, SnatMode.RANDOM_FULLY)
			.stream()
			.map((m) -> snatRaceConnTest(KernelProfile.V6_X, m).toBuilder().cpus(2).durationS(180).build())
			.toList();
		ExperimentResult result = Plans.run(ExperimentPlan.of(modes, 3, SEED), 2);
		long[] real = { 0, 0, 1 };
		long realConnects = 57_600;
		long modelFailures = 0;
		long modelConnects = 0;
		for (int i = 0; i < modes.size(); i++) {
			ConfigurationResult c = result.configurations().get(i);
			System.out.printf(
					"6.x %s, kernel-window §3's workload, 3 runs: %d connects, %d failed or slow "
							+ "(insert_failed %d); the real 6.18: %d in %d%n",
					c.params().mode().id(), c.attempts(), c.errors().events(), c.insertFailed().events(), real[i],
					realConnects);
			assertThat(c.attempts()).as("≈57,600 connects per run").isBetween(3 * 55_000L, 3 * 57_700L);
			// The real runs put each mode's rate below 5.2e-5 (0 in 57,600) or 1e-4 (1 in
			// 57,564), at 95 %.
			assertThat(c.errors().rate()).as("6.x %s", c.params().mode().id()).isLessThan(5.2e-5);
			modelFailures += c.errors().events();
			modelConnects += c.attempts();
		}
		// Pooled over the modes, the model's count against the real 1 in 172,800: given
		// the failures of both, the model's count is binomial in its share of the
		// connects if both rates are equal; neither tail may be below 5 %.
		double share = (double) modelConnects / (modelConnects + 3 * realConnects);
		long k = modelFailures;
		long total = k + 1;
		double upperTail = 0;
		double lowerTail = 0;
		for (long j = 0; j <= total; j++) {
			double p = binomial(total, j) * Math.pow(share, j) * Math.pow(1 - share, total - j);
			upperTail += (j >= k) ? p : 0;
			lowerTail += (j <= k) ? p : 0;
		}
		System.out.printf("6.x pooled: model %d in %d, real 1 in %d; if the rates were equal, P(model ≥ %d) = %.2f, "
				+ "P(model ≤ %d) = %.2f%n", k, modelConnects, 3 * realConnects, k, upperTail, k, lowerTail);
		assertThat(upperTail).as("the model's 6.x rate is not distinguishably above the real kernel's")
			.isGreaterThan(0.05);
		assertThat(lowerTail).as("nor distinguishably below it").isGreaterThan(0.05);
	}

	private static double binomial(long n, long k) {
		double r = 1;
		for (long i = 1; i <= k; i++) {
			r = r * (n - k + i) / i;
		}
		return r;
	}

	@Test
	@DisplayName("snat-race-conn-test, 300 s: 4.17 --random (a keyed hash of the tuple as the walk's start) no more than three times default (XING: it \"lowered the number of times two threads were starting with the same initial port offset but there were still a lot of errors\")")
	void randomNoMoreThanThreeTimesDefault() {
		ExperimentPlan plan = ExperimentPlan.of(List.of(snatRaceConnTest(KernelProfile.V4_17, SnatMode.DEFAULT),
				snatRaceConnTest(KernelProfile.V4_17, SnatMode.RANDOM)), 1, SEED);
		ExperimentResult result = Plans.run(plan, 2);
		ConfigurationResult def = result.configurations().get(0);
		ConfigurationResult random = result.configurations().get(1);
		System.out.printf("4.17 default %.3f %% (%d of %d), --random %.3f %% (%d of %d)%n", 100 * def.errors().rate(),
				def.errors().events(), def.attempts(), 100 * random.errors().rate(), random.errors().events(),
				random.attempts());
		assertThat(random.errors().events()).as("--random still races").isPositive();
		assertThat(random.errors().rate()).as("--random ≤ 3 × default").isLessThanOrEqualTo(3 * def.errors().rate());
	}

	@Test
	@DisplayName("the kernel side's fit: the model's SNAT and DNS window curves lie in kernel-window.md §1's bands")
	void windowCurvesWithinTheMeasuredBands() {
		List<WindowCurve.Bin> snat = WindowCurve.measure(WindowCurve.Race.SNAT, TimingModel.calibrated(), 300, 1);
		List<WindowCurve.Bin> dns = WindowCurve.measure(WindowCurve.Race.DNS, TimingModel.calibrated(), 300, 1);
		System.out.println(WindowCurve.format(WindowCurve.Race.SNAT, snat));
		System.out.println(WindowCurve.format(WindowCurve.Race.DNS, dns));
		assertThat(snat).allSatisfy((b) -> assertThat(b.withinBand()).as("SNAT %s: %.3f", b.label(), b.p()).isTrue());
		assertThat(dns).allSatisfy((b) -> assertThat(b.withinBand()).as("DNS %s: %.3f", b.label(), b.p()).isTrue());
	}

	@Test
	@DisplayName("two threads sending A and AAAA at once on one socket clash in most pairs on an idle node")
	void twoThreadsClashInMostPairs() {
		int pairs = 200;
		int clashes = 0;
		for (int i = 0; i < pairs; i++) {
			NodeConfig config = NodeConfig.of(KernelProfile.V6_X, SnatMode.DEFAULT, 2, 2, Mitigation.NONE)
				.withClientPathJitter(true);
			NodeRun run = new NodeRun(config, TimingModel.calibrated(), SEED + i, Tracer.off());
			run.lookup(run.pod(0), 1_000_000,
					new LookupOptions(ResolverKind.TWO_THREADS, "api.example.com.", 1, List.of(), 0, 1, null, 0),
					() -> {
					});
			run.run(100_000_000);
			if (run.node().netfilter().stats().total(Counter.CLASH_RESOLVE) > 0) {
				clashes++;
			}
		}
		System.out.println("two threads: " + clashes + " of " + pairs + " pairs clash");
		assertThat(clashes).isGreaterThan(pairs / 2);
	}

	@Test
	@DisplayName("xing preset, 10, 32 and 80 threads per container: 0.5–6 % insertion failures per connect (published 2–4 %), with both the 1 s and the 3 s stalls (10 threads: four runs of the preset, the 3 s stall being rare there)")
	void xing() {
		// XING's program (maxlaverse/snat-race-conn-test at 3c70fb8, the article's Go
		// program): `concurrency` goroutines per container, each with its own ticker
		// (100 ms by default), a new connection per request, no dial timeout short of
		// the stalls they saw. 80 goroutines per container dial 800 times a second,
		// more than 28,232 ports can carry with 60 s of TIME_WAIT: about a sixth of
		// those connects fail at once with EADDRNOTAVAIL (counted as attempts, not as
		// insertion failures).
		for (int workers : new int[] { 10, 32, 80 }) {
			RunParams p = RunParams.builder("tcp-free-play").applyPreset(Preset.XING).workers(workers).build();
			// A 3 s stall needs a retransmitted SYN to clash again, about as likely as a
			// first clash: among 10 threads' ≈160 stalls of one 180 s run, ≈1 is
			// expected (seed 20180222's single run has none). Four runs of the same
			// workload (four trials of the preset, as the Experiments page would run
			// them)
			// make ≈4 expected; the rate is still per connect.
			int trials = workers == 10 ? 4 : 1;
			ConfigurationResult c = Plans.run(ExperimentPlan.of(List.of(p), trials, SEED), 2).configurations().get(0);
			long oneSecond = stalls(c, 1_000_000_000L);
			long threeSeconds = stalls(c, 3_000_000_000L);
			System.out.printf(
					"xing, %d threads per container, %d run(s): %d connects, insert_failed %.2f %% (%d), "
							+ "errors %.2f %%, found %.2f and invalid %.2f per connect, stalls 1 s %d, 3 s %d%n",
					workers, trials, c.attempts(), 100 * c.insertFailed().rate(), c.insertFailed().events(),
					100 * c.errors().rate(), c.perAttempt().get(Counter.FOUND.label()).rate(),
					c.perAttempt().get(Counter.INVALID.label()).rate(), oneSecond, threeSeconds);
			assertThat(c.insertFailed().rate()).as("insert_failed per connect, %d threads", workers)
				.isBetween(0.005, 0.06);
			assertThat(c.insertFailed().events()).isEqualTo(c.drops().events());
			assertThat(oneSecond).as("connects delayed by one SYN retransmission (1 s)").isPositive();
			assertThat(threeSeconds).as("connects delayed by two (1 s + 2 s = 3 s on 4.17), %d threads", workers)
				.isPositive();
			assertThat(threeSeconds).as("the 3 s spike is the rarer one").isLessThan(oneSecond);
		}
	}

	/** The count of the display bucket that holds {@code latencyNanos}. */
	private static long stalls(ConfigurationResult c, long latencyNanos) {
		return c.histogram()
			.stream()
			.filter((b) -> b.lowNanos() <= latencyNanos && latencyNanos < b.highNanos())
			.mapToLong(LatencyHistogram.Bucket::count)
			.sum();
	}

}
