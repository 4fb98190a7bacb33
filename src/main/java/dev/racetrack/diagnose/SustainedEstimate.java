package dev.racetrack.diagnose;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import dev.racetrack.experiment.Trial;
import dev.racetrack.experiment.TrialResult;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.scenario.Preset;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.Scenarios;

/**
 * What the model predicts the SNAT port race costs a node of this kernel and SNAT mode
 * under a sustained load: one seeded, untraced run of {@code tcp-free-play} with the
 * {@code snat-race-conn-test} preset's workload ({@link Preset#SNAT_RACE_CONN_TEST}: 2
 * pods × 16 workers, each dialing every 100 ms from an ephemeral port with a 500 ms dial
 * timeout), shortened to {@value #DURATION_S} simulated seconds after a
 * {@value #WARMUP_S} s warm-up. A paste says which kernel and which MASQUERADE flags a
 * node has, not how its clients dial: the estimate says so, and names the workload it
 * assumes. The same kernel and mode give the same estimate (seed {@value #SEED}); each is
 * run once and kept (at most kernels × modes entries, about 11,000 connects each, well
 * under a second of one core once warm).
 */
final class SustainedEstimate {

	/** Simulated seconds counted, after the warm-up. */
	static final int DURATION_S = 30;

	/** Simulated seconds of warm-up, not counted. */
	static final int WARMUP_S = 5;

	/** The scenario run. */
	static final String SCENARIO = "tcp-free-play";

	/** The run's seed. */
	static final long SEED = 1;

	/** The estimates made so far, one per kernel and mode (a fixed, small number). */
	private static final Map<String, Estimate> CACHE = new LinkedHashMap<>();

	private SustainedEstimate() {
	}

	/**
	 * One estimate.
	 *
	 * @param params the run it comes from
	 * @param attempts connects started after the warm-up
	 * @param drops SYNs dropped by a clash after the warm-up (each delays a connect 1 s
	 * or more)
	 * @param errors connects that failed (given up past the dial timeout)
	 */
	record Estimate(RunParams params, long attempts, long drops, long errors) {

		/** The counted stretch, in minutes. */
		double minutes() {
			return (this.params.durationS() - this.params.warmupS()) / 60.0;
		}

		/** Connects delayed by a dropped SYN, a minute. */
		double dropsPerMinute() {
			return this.drops / minutes();
		}

		/** Connects a minute the workload makes. */
		double attemptsPerMinute() {
			return this.attempts / minutes();
		}

		/** "2 pods × 16 workers, each dialing every 100 ms …". */
		String workload() {
			RunParams p = this.params;
			return String.format(Locale.ROOT,
					"%d pods × %d workers, each dialing every %d ms from an ephemeral port with a %d ms dial timeout "
							+ "(the %s preset's shape: %,.0f connects a minute), simulated for %d s after a %d s "
							+ "warm-up with seed %d",
					p.pods(), p.workers(), p.periodMs(), p.connectTimeoutMs(), Preset.SNAT_RACE_CONN_TEST.id(),
					attemptsPerMinute(), p.durationS() - p.warmupS(), p.warmupS(), p.seed());
		}

		/**
		 * The finding that says it, with {@code --random-fully}'s for comparison; when
		 * the kernel was not read but assumed ({@link KernelMatch.Basis#ASSUMED}), the
		 * title says so, as the kernel line does.
		 */
		Finding finding(Estimate fully, boolean kernelAssumed) {
			RunParams p = this.params;
			String title = "The model's estimate for " + p.kernel().id()
					+ (kernelAssumed ? " (assumed: no kernel pasted, the oldest modelled)" : "") + " with "
					+ p.mode().id() + " SNAT" + " under a sustained load: about "
					+ CounterRules.perMinute(dropsPerMinute()) + " connections a minute delayed by the port race"
					+ ((this.errors > 0) ? ", " + CounterRules.perMinute(this.errors / minutes()) + " failed" : "");
			java.util.List<String> evidence = java.util.List.of(
					"It assumes " + workload() + ": " + String.format(Locale.ROOT, "%,d", this.drops) + " of "
							+ String.format(Locale.ROOT, "%,d", this.attempts) + " connects lost a SYN to a clash ("
							+ percent(this.drops, this.attempts) + "), "
							+ String.format(Locale.ROOT, "%,d", this.errors) + " failed past the dial timeout.",
					"A paste says the kernel and the MASQUERADE flags, not how the node's clients dial: the "
							+ "figure scales with the connects a minute to one server ip:port; two conntrack -S "
							+ "samples a minute apart measure the node's own rate.");
			java.util.List<String> mitigations = (p.mode() == SnatMode.RANDOM_FULLY) ? java.util.List.of()
					: java.util.List.of("With --random-fully the model's same load loses about "
							+ CounterRules.perMinute(fully.dropsPerMinute()) + " a minute ("
							+ percent(fully.drops, fully.attempts) + ").");
			return new Finding(ID, Severity.INFO, title, evidence, mitigations);
		}

		private static String percent(long part, long whole) {
			return String.format(Locale.ROOT, "%.2f %%", (whole == 0) ? 0.0 : 100.0 * part / whole);
		}

	}

	/** The finding's id. */
	static final String ID = "sustained-estimate";

	/**
	 * The model's estimate for the node's kernel and its SNAT rules' mode, when the SNAT
	 * port race is exposed (or seen).
	 */
	static java.util.Optional<Finding> assess(Facts facts, java.util.List<Finding> findings) {
		boolean exposed = findings.stream()
			.anyMatch((f) -> f.id().equals(SnatPortRaceRule.ID) && f.severity() != Severity.INFO);
		if (!exposed) {
			return java.util.Optional.empty();
		}
		KernelProfile kernel = facts.profile();
		SnatMode mode = SnatMode.fromId(ReplayLink.mode(facts.nat())).orElse(SnatMode.DEFAULT);
		return java.util.Optional.of(of(kernel, mode).finding(of(kernel, SnatMode.RANDOM_FULLY),
				facts.kernel().basis() == KernelMatch.Basis.ASSUMED));
	}

	/** The estimate for a kernel and SNAT mode, run once and kept. */
	static synchronized Estimate of(KernelProfile kernel, SnatMode mode) {
		return CACHE.computeIfAbsent(kernel.id() + "/" + mode.id(), (key) -> run(kernel, mode));
	}

	/**
	 * The run's parameters: the preset's workload, this kernel and mode, a short
	 * duration.
	 */
	static RunParams params(KernelProfile kernel, SnatMode mode) {
		RunParams defaults = Scenarios.byId(SCENARIO).orElseThrow().defaults();
		return defaults.toBuilder()
			.applyPreset(Preset.SNAT_RACE_CONN_TEST)
			.kernel(kernel)
			.mode(mode)
			.durationS(DURATION_S + WARMUP_S)
			.warmupS(WARMUP_S)
			.seed(SEED)
			.build();
	}

	private static Estimate run(KernelProfile kernel, SnatMode mode) {
		RunParams params = params(kernel, mode);
		TrialResult r = new Trial(0, 0, 0, params).run();
		long drops = r.counters().getOrDefault("drop", r.drops());
		return new Estimate(params, r.attempts(), drops, r.errors());
	}

}
