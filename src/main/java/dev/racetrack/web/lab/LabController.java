package dev.racetrack.web.lab;

import java.util.LinkedHashMap;
import java.util.Map;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ServerWebExchange;

import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.web.shared.BadParameterException;
import dev.racetrack.web.shared.ParamsView;
import dev.racetrack.web.shared.RunParamsBinder;

/**
 * The Lab page (the animated node, the conntrack table and the time controls) and its
 * knob bar: {@code GET /} draws the page for the run its query describes (a permalink);
 * the knob form posts to {@code /lab/run}, which answers with the knob bar for the new
 * run and pushes its permalink (htmx). The page's modules then open a session of that
 * run.
 */
@Controller
class LabController {

	static final String KNOBS_FRAGMENT = "lab/fragments :: knobs";

	private final JsonMapper json;

	LabController(JsonMapper json) {
		this.json = json;
	}

	@GetMapping("/")
	String lab(@RequestParam Map<String, String> query, Model model) {
		model.addAttribute("page", "lab");
		prepare(query, null, model);
		return "lab/lab";
	}

	@PostMapping("/lab/run")
	Mono<String> run(ServerWebExchange exchange, Model model,
			@RequestHeader(name = "HX-Trigger-Name", required = false) String changed,
			@RequestHeader(name = "HX-Current-URL", required = false) String current) {
		return exchange.getFormData().map((form) -> {
			Map<String, String> values = new LinkedHashMap<>();
			form.forEach((k, v) -> {
				if (!v.isEmpty()) {
					values.put(k, v.get(0));
				}
			});
			ParamsView params = prepare(values, changed, model);
			// A detached follower's knobs change their own copy: the address stays
			// /watch/{code}.
			if (!isWatchPage(current)) {
				exchange.getResponse().getHeaders().set("HX-Push-Url", LabKnobs.permalink(params));
			}
			return KNOBS_FRAGMENT;
		});
	}

	/**
	 * Compare: two or three runs of one seed side by side ({@code a}, {@code b},
	 * {@code c}).
	 */
	@GetMapping("/compare")
	String compare(@RequestParam Map<String, String> query, Model model) {
		model.addAttribute("page", "compare");
		java.util.List<String> runs = new java.util.ArrayList<>();
		java.util.List<String> errors = new java.util.ArrayList<>();
		for (String key : java.util.List.of("a", "b", "c")) {
			String q = query.get(key);
			if (q == null || q.isBlank()) {
				continue;
			}
			try {
				runs.add(this.json.writeValueAsString(LabRun.of(RunParamsBinder.bind(parseQuery(q)))));
			}
			catch (BadParameterException | IllegalArgumentException ex) {
				errors.add(key + ": " + ex.getMessage());
			}
		}
		if (runs.isEmpty() && errors.isEmpty()) {
			RunParams a = RunParamsBinder.bind(Map.of());
			runs.add(this.json.writeValueAsString(LabRun.of(a)));
			runs.add(this.json.writeValueAsString(LabRun.of(a.withMode(SnatMode.RANDOM_FULLY))));
		}
		model.addAttribute("runs", runs);
		model.addAttribute("catalogue", LabCatalogue.embeddable(this.json));
		model.addAttribute("errors", errors);
		return "lab/compare";
	}

	private static boolean isWatchPage(String url) {
		if (url == null) {
			return false;
		}
		try {
			String path = java.net.URI.create(url).getPath();
			return path != null && path.startsWith("/watch/");
		}
		catch (IllegalArgumentException ex) {
			return false;
		}
	}

	/**
	 * A run's query ({@code scenario=…&kernel=…}) as a map; the binder checks the values.
	 */
	static Map<String, String> parseQuery(String query) {
		Map<String, String> out = new LinkedHashMap<>();
		String q = query.contains("=") ? query
				: java.net.URLDecoder.decode(query, java.nio.charset.StandardCharsets.UTF_8);
		for (String pair : q.split("&")) {
			String[] kv = pair.split("=", 2);
			if (kv.length == 2 && out.size() < 32) {
				out.put(java.net.URLDecoder.decode(kv[0], java.nio.charset.StandardCharsets.UTF_8),
						java.net.URLDecoder.decode(kv[1], java.nio.charset.StandardCharsets.UTF_8));
			}
		}
		return out;
	}

	private ParamsView prepare(Map<String, String> values, String changed, Model model) {
		RunParams params;
		String error = null;
		try {
			params = LabKnobs.bind(values, changed);
		}
		catch (BadParameterException ex) {
			error = ex.getMessage();
			Map<String, String> scenarioOnly = new LinkedHashMap<>();
			try {
				params = RunParamsBinder.bind(Map.of("scenario", values.getOrDefault("scenario", "")));
			}
			catch (BadParameterException again) {
				params = RunParamsBinder.bind(scenarioOnly);
			}
		}
		LabKnobs.fill(model, params, this.json, error);
		return ParamsView.of(params);
	}

}
