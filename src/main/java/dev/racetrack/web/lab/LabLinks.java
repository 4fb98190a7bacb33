package dev.racetrack.web.lab;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;

import dev.racetrack.web.shared.ParamsView;

/**
 * Permalinks to an exact moment of the Lab: the scenario, every knob, the seed and the
 * step.
 */
public final class LabLinks {

	private LabLinks() {
	}

	/** {@code /?scenario=…&…&seed=…[&step=N]}; a negative step is left out. */
	public static String permalink(ParamsView params, long step) {
		Map<String, String> q = params.asQuery();
		String query = q.entrySet()
			.stream()
			.map((e) -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
			.collect(Collectors.joining("&"));
		return "/?" + query + ((step >= 0) ? "&step=" + step : "");
	}

}
