package dev.racetrack.web.shared;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Request bodies as text fields: a JSON object's scalar members become strings, so that
 * JSON and form posts go through the same binding and the same error messages.
 */
public final class Fields {

	/** A bound on fields per request. */
	public static final int MAX_FIELDS = 64;

	private Fields() {
	}

	public static Map<String, String> fromJson(Map<String, Object> body) {
		Map<String, String> fields = new LinkedHashMap<>();
		if (body == null) {
			return fields;
		}
		if (body.size() > MAX_FIELDS) {
			throw new BadParameterException("body", "The body has more than " + MAX_FIELDS + " fields.",
					"an object of at most " + MAX_FIELDS + " fields");
		}
		body.forEach((name, value) -> {
			if (value instanceof Map || value instanceof Iterable || (value != null && value.getClass().isArray())) {
				throw new BadParameterException(name,
						"'" + BadParameterException.abbreviate(name) + "' must be a string, a number or a boolean.",
						"a string, a number or a boolean");
			}
			if (value != null) {
				fields.put(name, String.valueOf(value));
			}
		});
		return fields;
	}

}
