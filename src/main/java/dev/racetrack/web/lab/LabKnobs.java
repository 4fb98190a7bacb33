package dev.racetrack.web.lab;

import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.ui.Model;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.Scenario;
import dev.racetrack.scenario.Scenarios;
import dev.racetrack.sim.Mitigation;
import dev.racetrack.sim.ResolverKind;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.web.shared.ParamsView;
import dev.racetrack.web.shared.RunParamsBinder;

/**
 * The Lab's knob bar, as the page and its fragment draw it: the choices of each knob, the
 * run the knobs describe (as JSON for the page's modules), and its permalink.
 */
public final class LabKnobs {

	/** One option of a select. */
	public record Option(String value, String label) {
	}

	private LabKnobs() {
	}

	/**
	 * Binds the knobs from a query or form. When the scenario itself changed
	 * ({@code changed} is {@code scenario}), the other knobs start from that scenario's
	 * defaults, since each race needs its own (race 3 runs on seed 2 with two endpoints).
	 */
	public static RunParams bind(Map<String, String> values, String changed) {
		if ("scenario".equals(changed)) {
			return RunParamsBinder.bind(Map.of("scenario", values.getOrDefault("scenario", "")));
		}
		return RunParamsBinder.bind(values);
	}

	public static void fill(Model model, RunParams params, JsonMapper json, String error) {
		fillValues(model::addAttribute, params, json, error);
	}

	/** The knob bar's values, for a page's model or a template rendered to a file. */
	public static void fillValues(BiConsumer<String, Object> model, RunParams params, JsonMapper json, String error) {
		LabRun run = LabRun.of(params);
		model.accept("params", run.params());
		model.accept("run", run);
		model.accept("runJson", json.writeValueAsString(run));
		model.accept("error", error);
		model.accept("scenarios", Scenarios.all().stream().map((Scenario s) -> new Option(s.id(), s.title())).toList());
		model.accept("kernels", KernelProfile.ids());
		model.accept("modes", SnatMode.ids());
		model.accept("resolvers", ResolverKind.ids());
		model.accept("mitigations", Mitigation.ids());
		model.accept("limits", Map.of("pods", RunParams.MAX_PODS, "rounds", RunParams.MAX_ROUNDS, "cpus",
				RunParams.MAX_CPUS, "endpoints", RunParams.MAX_ENDPOINTS, "seed", RunParamsBinder.MAX_SEED));
		model.accept("permalink", permalink(run.params()));
	}

	public static String permalink(ParamsView params) {
		StringBuilder sb = new StringBuilder("/?");
		params.asQuery().forEach((k, v) -> {
			if (sb.length() > 2) {
				sb.append('&');
			}
			sb.append(k).append('=').append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8));
		});
		return sb.toString();
	}

	public static List<String> names() {
		return RunParamsBinder.NAMES;
	}

}
