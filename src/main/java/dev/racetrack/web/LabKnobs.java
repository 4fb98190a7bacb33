package dev.racetrack.web;

import java.util.List;
import java.util.Map;

import org.springframework.ui.Model;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.Scenario;
import dev.racetrack.scenario.Scenarios;
import dev.racetrack.sim.Mitigation;
import dev.racetrack.sim.ResolverKind;
import dev.racetrack.sim.SnatMode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Lab's knob bar, as the page and its fragment draw it: the choices of each knob, the
 * run the knobs describe (as JSON for the page's modules), and its permalink.
 */
final class LabKnobs {

	/** One option of a select. */
	record Option(String value, String label) {
	}

	private LabKnobs() {
	}

	/**
	 * Binds the knobs from a query or form. When the scenario itself changed
	 * ({@code changed} is {@code scenario}), the other knobs start from that scenario's
	 * defaults, since each race needs its own (race 3 runs on seed 2 with two endpoints).
	 */
	static RunParams bind(Map<String, String> values, String changed) {
		if ("scenario".equals(changed)) {
			return RunParamsBinder.bind(Map.of("scenario", values.getOrDefault("scenario", "")));
		}
		return RunParamsBinder.bind(values);
	}

	static void fill(Model model, RunParams params, JsonMapper json, String error) {
		LabRun run = LabRun.of(params);
		model.addAttribute("params", run.params());
		model.addAttribute("run", run);
		model.addAttribute("runJson", json.writeValueAsString(run));
		model.addAttribute("error", error);
		model.addAttribute("scenarios",
				Scenarios.all().stream().map((Scenario s) -> new Option(s.id(), s.title())).toList());
		model.addAttribute("kernels", KernelProfile.ids());
		model.addAttribute("modes", SnatMode.ids());
		model.addAttribute("resolvers", ResolverKind.ids());
		model.addAttribute("mitigations", Mitigation.ids());
		model.addAttribute("limits", Map.of("pods", RunParams.MAX_PODS, "rounds", RunParams.MAX_ROUNDS, "cpus",
				RunParams.MAX_CPUS, "endpoints", RunParams.MAX_ENDPOINTS, "seed", RunParamsBinder.MAX_SEED));
		model.addAttribute("permalink", permalink(run.params()));
	}

	static String permalink(ParamsView params) {
		StringBuilder sb = new StringBuilder("/?");
		params.asQuery().forEach((k, v) -> {
			if (sb.length() > 2) {
				sb.append('&');
			}
			sb.append(k).append('=').append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8));
		});
		return sb.toString();
	}

	static List<String> names() {
		return RunParamsBinder.NAMES;
	}

}
