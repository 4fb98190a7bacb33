package dev.racetrack.web.experiment;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.racetrack.experiment.ExperimentPlan;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.web.shared.BadParameterException;
import dev.racetrack.web.shared.RacetrackProperties;
import dev.racetrack.web.shared.RunParamsBinder;

/**
 * Turns the query of {@code GET /api/experiments} into an {@link ExperimentPlan}: the run
 * parameters of {@code /api/simulate}, where {@code kernel}, {@code mode},
 * {@code resolver}, {@code pods} and {@code mitigation} may each list several values
 * separated by commas (one configuration per combination), plus {@code trials}. Every
 * value and every bound is checked here, before any work starts, so that a bad request is
 * a plain 400 and never an error inside the event stream.
 */
final class ExperimentRequests {

	/** The parameters that may list several values, in the order configurations vary. */
	static final List<String> LISTS = List.of("kernel", "mode", "resolver", "mitigation", "pods", "workers");

	/** Trials per configuration when the request names none. */
	static final int DEFAULT_TRIALS = 100;

	private ExperimentRequests() {
	}

	static ExperimentPlan bind(Map<String, String> request, RacetrackProperties limits) {
		String scenario = RunParamsBinder.text(request, "scenario", ExperimentPlan.SCENARIOS.get(0));
		if (!ExperimentPlan.SCENARIOS.contains(scenario)) {
			throw BadParameterException.notOneOf("scenario", scenario, ExperimentPlan.SCENARIOS);
		}
		Map<String, String> query = new HashMap<>(request);
		query.put("scenario", scenario);
		int trials = (int) RunParamsBinder.number(query, "trials", Math.min(DEFAULT_TRIALS, limits.maxTrials()), 1,
				limits.maxTrials());
		Map<String, List<String>> lists = new HashMap<>();
		long combinations = 1;
		String widest = LISTS.get(0);
		for (String name : LISTS) {
			List<String> values = values(query, name);
			lists.put(name, values);
			combinations *= values.size();
			if (values.size() > lists.get(widest).size()) {
				widest = name;
			}
			if (combinations > limits.maxConfigurations()) {
				throw tooManyConfigurations(widest, limits.maxConfigurations());
			}
		}
		Set<RunParams> bound = new LinkedHashSet<>();
		combine(query, lists, 0, new HashMap<>(), bound);
		List<RunParams> configurations = new ArrayList<>(bound);
		ExperimentPlan plan = ExperimentPlan.of(configurations, trials, configurations.get(0).seed());
		if (plan.attempts() > limits.maxExperimentAttempts()) {
			throw new BadParameterException("trials", "This experiment would simulate up to " + plan.attempts()
					+ " attempts (trials × pods × rounds, or trials × pods × workers × dials over durationS, over "
					+ configurations.size() + " configurations); the limit is " + limits.maxExperimentAttempts()
					+ ". Ask for fewer trials, pods, rounds or configurations.",
					"at most " + limits.maxExperimentAttempts() + " attempts in all (trials × pods × rounds)");
		}
		return plan;
	}

	/**
	 * The values of a list parameter, each trimmed, duplicates dropped; {@code [null]}
	 * (the scenario's default) when absent.
	 */
	private static List<String> values(Map<String, String> query, String name) {
		String raw = query.get(name);
		List<String> none = new ArrayList<>();
		none.add(null);
		if (raw == null || raw.isBlank()) {
			return none;
		}
		Set<String> values = new LinkedHashSet<>();
		for (String part : raw.split(",", -1)) {
			if (part.isBlank()) {
				throw new BadParameterException(name,
						"'" + BadParameterException.abbreviate(raw) + "' has an empty item; separate values with "
								+ "single commas, e.g. " + name + "=" + example(name) + ".",
						"one value or several separated by commas");
			}
			values.add(part.trim());
		}
		return new ArrayList<>(values);
	}

	private static String example(String name) {
		return switch (name) {
			case "kernel" -> "4.17,6.x";
			case "mode" -> "default,random-fully";
			case "pods" -> "10,32,80";
			case "workers" -> "5,16,40";
			case "resolver" -> "glibc,musl";
			default -> "none,no-snat";
		};
	}

	private static BadParameterException tooManyConfigurations(String widest, int max) {
		return new BadParameterException(widest,
				"kernel × mode × resolver × mitigation × pods × workers gives more than " + max
						+ " configurations; list fewer values (" + widest + " has the most).",
				"lists whose combinations number at most " + max);
	}

	/**
	 * Binds every combination, in the order of {@link #LISTS} (the last varies fastest).
	 */
	private static void combine(Map<String, String> query, Map<String, List<String>> lists, int depth,
			Map<String, String> chosen, Set<RunParams> out) {
		if (depth == LISTS.size()) {
			Map<String, String> one = new HashMap<>(query);
			one.putAll(chosen);
			out.add(RunParamsBinder.bind(one));
			return;
		}
		String name = LISTS.get(depth);
		for (String value : lists.get(name)) {
			if (value == null) {
				chosen.remove(name);
			}
			else {
				chosen.put(name, value);
			}
			combine(query, lists, depth + 1, chosen, out);
		}
		chosen.remove(name);
	}

}
