package dev.racetrack.web.lab;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

import tools.jackson.databind.json.JsonMapper;

import org.springframework.ui.Model;

import dev.racetrack.scenario.RunParams;
import dev.racetrack.web.shared.Knob;
import dev.racetrack.web.shared.ParamsView;
import dev.racetrack.web.shared.RunParamsBinder;

/**
 * The Lab's knob bar, as the page and its fragment draw it: the choices of each knob, the
 * run the knobs describe (as JSON for the page's modules), and its permalink.
 */
public final class LabKnobs {

	/** Knobs the bar carries without showing them (the permalink still sets them). */
	static final Set<String> HIDDEN = Set.of("sourcePort", "ndots");

	/**
	 * Knobs always in view in the bar (a speaker switches them live); the others open
	 * below it.
	 */
	static final List<String> INLINE = List.of("scenario", "kernel", "mode");

	private LabKnobs() {
	}

	/**
	 * Knobs that ride along in the Lab's form without a control of their own: the source
	 * port and ndots, and free play's workload (set by a permalink, a preset or the API).
	 */
	private static boolean unseen(Knob k) {
		return HIDDEN.contains(k.name()) || RunParamsBinder.WORKLOAD_KNOBS.contains(k.name());
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

	/**
	 * The knob bar's values, for a page's model or a template rendered to a file: the
	 * knobs themselves come from {@link RunParamsBinder#KNOBS} (choices first, then
	 * numbers; {@link #HIDDEN} ride along unseen), and the catalogue the page's modules
	 * read.
	 */
	public static void fillValues(BiConsumer<String, Object> model, RunParams params, JsonMapper json, String error) {
		LabRun run = LabRun.of(params);
		model.accept("params", run.params());
		model.accept("values", run.params().asQuery());
		model.accept("run", run);
		model.accept("runJson", json.writeValueAsString(run));
		model.accept("error", error);
		List<Knob> knobs = RunParamsBinder.KNOBS;
		Map<String, String> values = run.params().asQuery();
		model.accept("choiceKnobs", knobs.stream().filter((k) -> "choice".equals(k.kind()) && !unseen(k)).toList());
		model.accept("numberKnobs", knobs.stream().filter((k) -> "number".equals(k.kind()) && !unseen(k)).toList());
		model.accept("hiddenKnobs",
				knobs.stream()
					.filter((k) -> HIDDEN.contains(k.name()) || (unseen(k) && values.containsKey(k.name())))
					.toList());
		model.accept("inlineKnobs", INLINE);
		model.accept("knobSummary", summary(values));
		model.accept("catalogue", LabCatalogue.embeddable(json));
		model.accept("permalink", permalink(run.params()));
		model.accept("speedSteps", Pacing.SPEEDS.size() - 1);
		model.accept("speedAtOne", Pacing.SPEEDS.indexOf(1.0));
	}

	/**
	 * The knobs that open below the bar, in a few words ("glibc · pods 2 · CPUs 2 ·
	 * endpoints 1 · seed 1"), so the room sees them without opening them.
	 */
	static String summary(Map<String, String> values) {
		List<String> parts = new java.util.ArrayList<>();
		for (Knob k : RunParamsBinder.KNOBS) {
			if (INLINE.contains(k.name()) || HIDDEN.contains(k.name()) || !values.containsKey(k.name())) {
				continue;
			}
			String v = values.get(k.name());
			if ("mitigation".equals(k.name()) && "none".equals(v)) {
				continue;
			}
			parts.add("choice".equals(k.kind()) ? v : k.label() + " " + v);
		}
		return String.join(" · ", parts);
	}

	/** The permalink of a run, at no step ({@link LabLinks}). */
	public static String permalink(ParamsView params) {
		return LabLinks.permalink(params, -1);
	}

}
