package dev.racetrack.web.experiment;

import java.util.List;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

import dev.racetrack.experiment.ExperimentPlan;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.sim.Mitigation;
import dev.racetrack.sim.ResolverKind;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.web.lab.LabCatalogue;
import dev.racetrack.web.shared.RacetrackProperties;
import dev.racetrack.web.shared.RunParamsBinder;

/**
 * The Experiments page, {@code /experiments}: pick configurations, run a Monte Carlo over
 * {@code /api/experiments}, compare the rows, chart the rates and the latencies, and open
 * a representative run in the Lab.
 */
@Controller
class ExperimentsPageController {

	/** Concurrency levels offered on the page (the published reproductions' 10 to 80). */
	static final List<Integer> PODS = List.of(1, 2, 4, 10, 16, 32, 50, 80, 128);

	/**
	 * The workload's number knobs the page offers, in this order; their labels and bounds
	 * are the binder's ({@link RunParamsBinder#KNOBS}).
	 */
	static final List<String> WORKLOAD_NUMBERS = List.of("workers", "periodMs", "durationS", "warmupS",
			"connectTimeoutMs");

	private final RacetrackProperties properties;

	private final JsonMapper json;

	ExperimentsPageController(RacetrackProperties properties, JsonMapper json) {
		this.properties = properties;
		this.json = json;
	}

	@GetMapping("/experiments")
	String page(Model model) {
		model.addAttribute("page", "experiments");
		model.addAttribute("scenarios", ExperimentPlan.SCENARIOS);
		model.addAttribute("kernels", KernelProfile.ids());
		model.addAttribute("modes", SnatMode.ids());
		model.addAttribute("resolvers", ResolverKind.ids());
		model.addAttribute("mitigations", Mitigation.ids());
		model.addAttribute("pods", PODS);
		model.addAttribute("maxTrials", this.properties.maxTrials());
		model.addAttribute("maxConfigurations", this.properties.maxConfigurations());
		model.addAttribute("maxAttempts", this.properties.maxExperimentAttempts());
		model.addAttribute("maxRounds", RunParams.MAX_ROUNDS);
		model.addAttribute("presets", LabCatalogue.get().presets());
		model.addAttribute("workloads", RunParamsBinder.knob("workload"));
		model.addAttribute("workloadNumbers", WORKLOAD_NUMBERS.stream().map(RunParamsBinder::knob).toList());
		model.addAttribute("catalogue", LabCatalogue.embeddable(this.json));
		return "experiment/experiments";
	}

}
