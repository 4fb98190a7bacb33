package dev.racetrack.web.shared;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.scenario.Preset;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.Scenario;
import dev.racetrack.scenario.Scenarios;
import dev.racetrack.scenario.WorkloadKind;
import dev.racetrack.sim.Mitigation;
import dev.racetrack.sim.ResolverKind;
import dev.racetrack.kernel.nat.SnatMode;

/**
 * Turns request parameters (query, form or JSON fields, all as text) into
 * {@link RunParams}: the scenario's defaults, overridden by what the request gives, each
 * value checked against its accepted values or bounds. A bad value is a
 * {@link BadParameterException} naming the parameter and what it accepts.
 */
public final class RunParamsBinder {

	/** Seeds stay exact in JavaScript numbers and URLs. */
	public static final long MAX_SEED = 9_007_199_254_740_991L;

	/**
	 * The least and greatest source port a pod may bind (0: each pod's ephemeral port).
	 */
	public static final int MAX_PORT = 65535;

	/**
	 * Every knob this binder reads, in the order of a run's query (permalinks, cache
	 * keys): the one list of the run parameters, their values and bounds, which the
	 * catalogue sends to the browser.
	 */
	public static final List<Knob> KNOBS = List.of(
			Knob.labelledChoice("scenario", "scenario",
					Scenarios.all().stream().map((s) -> new Knob.Option(s.id(), s.title())).toList()),
			Knob.choice("kernel", "kernel", KernelProfile.ids()), Knob.choice("mode", "mode", SnatMode.ids()),
			Knob.choice("resolver", "resolver", ResolverKind.ids()), Knob.number("pods", "pods", 1, RunParams.MAX_PODS),
			Knob.number("rounds", "rounds", 1, RunParams.MAX_ROUNDS),
			Knob.number("sourcePort", "source port", 0, MAX_PORT), Knob.number("cpus", "CPUs", 1, RunParams.MAX_CPUS),
			Knob.number("endpoints", "endpoints", 1, RunParams.MAX_ENDPOINTS), Knob.number("seed", "seed", 0, MAX_SEED),
			Knob.choice("mitigation", "mitigation", Mitigation.ids()),
			Knob.number("ndots", "ndots", 0, RunParams.MAX_NDOTS), Knob.choice("preset", "preset", Preset.ids()),
			Knob.choice("workload", "workload", WorkloadKind.ids()),
			Knob.number("workers", "workers per pod", 1, RunParams.MAX_WORKERS),
			Knob.number("periodMs", "period ms", 1, RunParams.MAX_PERIOD_MS),
			Knob.number("durationS", "duration s", 1, RunParams.MAX_DURATION_S),
			Knob.number("warmupS", "warm-up s", 0, RunParams.MAX_DURATION_S - 1),
			Knob.number("connectTimeoutMs", "connect timeout ms", 0, RunParams.MAX_CONNECT_TIMEOUT_MS));

	/**
	 * The knobs of free play's workload (and its presets): they act only on free play,
	 * and a run's query carries them only there.
	 */
	public static final java.util.Set<String> WORKLOAD_KNOBS = java.util.Set.of("preset", "workload", "workers",
			"periodMs", "durationS", "warmupS", "connectTimeoutMs");

	/** The names this binder reads, for the API docs and error messages. */
	public static final List<String> NAMES = KNOBS.stream().map(Knob::name).toList();

	/** The scenario whose workload the presets and the workload knobs set. */
	public static final String WORKLOAD_SCENARIO = "tcp-free-play";

	private RunParamsBinder() {
	}

	public static RunParams bind(Map<String, String> query) {
		String scenarioId = text(query, "scenario", "snat-port-race");
		Scenario scenario = Scenarios.byId(scenarioId)
			.orElseThrow(() -> BadParameterException.notOneOf("scenario", scenarioId, Scenarios.ids()));
		RunParams.Builder b = scenario.defaults().toBuilder();
		Preset preset = choice(query, "preset", Preset.NONE, Preset::fromId, Preset.ids());
		if (preset != Preset.NONE && !WORKLOAD_SCENARIO.equals(scenario.id())) {
			throw new BadParameterException("preset",
					"The presets are workloads of tcp-free-play; scenario " + scenario.id() + " has none.",
					"a preset only with scenario=" + WORKLOAD_SCENARIO);
		}
		RunParams d = b.applyPreset(preset).build();
		WorkloadKind workload = choice(query, "workload", d.workload(), WorkloadKind::fromId, WorkloadKind.ids());
		if (workload != d.workload() && !scenario.id().endsWith("free-play")) {
			throw new BadParameterException("workload",
					"Only free play has a workload to choose; scenario " + scenario.id() + " is a replay.",
					"a workload only with tcp-free-play or dns-free-play");
		}
		int durationS = (int) number(query, "durationS", d.durationS());
		RunParams p = d.toBuilder()
			.kernel(choice(query, "kernel", d.kernel(), KernelProfile::fromId, KernelProfile.ids()))
			.mode(choice(query, "mode", d.mode(), SnatMode::fromId, SnatMode.ids()))
			.resolver(choice(query, "resolver", d.resolver(), ResolverKind::fromId, ResolverKind.ids()))
			.mitigation(choice(query, "mitigation", d.mitigation(), Mitigation::fromId, Mitigation.ids()))
			.pods((int) number(query, "pods", d.pods()))
			.rounds((int) number(query, "rounds", d.rounds()))
			.sourcePort((int) number(query, "sourcePort", d.sourcePort()))
			.cpus((int) number(query, "cpus", d.cpus()))
			.endpoints((int) number(query, "endpoints", d.endpoints()))
			.seed(number(query, "seed", d.seed()))
			.ndots((int) number(query, "ndots", d.ndots()))
			.workload(workload)
			.workers((int) number(query, "workers", d.workers()))
			.periodMs((int) number(query, "periodMs", d.periodMs()))
			.durationS(durationS)
			.warmupS((int) number(query, "warmupS", Math.min(d.warmupS(), durationS - 1), 0, durationS - 1))
			.connectTimeoutMs((int) number(query, "connectTimeoutMs", d.connectTimeoutMs()))
			.build();
		return p;
	}

	/** A knob by name. */
	public static Knob knob(String name) {
		return KNOBS.stream()
			.filter((k) -> k.name().equals(name))
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException("no knob " + name));
	}

	private static long number(Map<String, String> query, String name, long fallback) {
		Knob k = knob(name);
		return number(query, name, fallback, k.min(), k.max());
	}

	/** {@code events=true|false}, default true. */
	public static boolean flag(Map<String, String> query, String name, boolean fallback) {
		String value = query.get(name);
		if (value == null || value.isBlank()) {
			return fallback;
		}
		return switch (value.trim().toLowerCase(Locale.ROOT)) {
			case "true", "1", "yes" -> true;
			case "false", "0", "no" -> false;
			default -> throw BadParameterException.notOneOf(name, value, List.of("true", "false"));
		};
	}

	public static String text(Map<String, String> query, String name, String fallback) {
		String value = query.get(name);
		return (value == null || value.isBlank()) ? fallback : value.trim();
	}

	private static <T> T choice(Map<String, String> query, String name, T fallback,
			Function<String, java.util.Optional<T>> parse, List<String> accepted) {
		String value = query.get(name);
		if (value == null || value.isBlank()) {
			return fallback;
		}
		return parse.apply(value.trim()).orElseThrow(() -> BadParameterException.notOneOf(name, value, accepted));
	}

	public static long number(Map<String, String> query, String name, long fallback, long min, long max) {
		String value = query.get(name);
		if (value == null || value.isBlank()) {
			return fallback;
		}
		String v = value.trim();
		if (v.length() > 19 || !v.matches("-?[0-9]+")) {
			throw BadParameterException.notInRange(name, value, min, max);
		}
		long n;
		try {
			n = Long.parseLong(v);
		}
		catch (NumberFormatException ex) {
			throw BadParameterException.notInRange(name, value, min, max);
		}
		if (n < min || n > max) {
			throw BadParameterException.notInRange(name, value, min, max);
		}
		return n;
	}

}
