package dev.racetrack.web.shared;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.Scenario;
import dev.racetrack.scenario.Scenarios;
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
			Knob.number("ndots", "ndots", 0, RunParams.MAX_NDOTS));

	/** The names this binder reads, for the API docs and error messages. */
	public static final List<String> NAMES = KNOBS.stream().map(Knob::name).toList();

	private RunParamsBinder() {
	}

	public static RunParams bind(Map<String, String> query) {
		String scenarioId = text(query, "scenario", "snat-port-race");
		Scenario scenario = Scenarios.byId(scenarioId)
			.orElseThrow(() -> BadParameterException.notOneOf("scenario", scenarioId, Scenarios.ids()));
		RunParams d = scenario.defaults();
		return d.toBuilder()
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
			.build();
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
