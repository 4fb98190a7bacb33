package dev.racetrack.web.shared;

import java.util.List;

/**
 * One run parameter as every client shows and checks it: its name in queries, forms and
 * JSON, its label, and what it accepts: a choice among {@code options}, or a whole number
 * from {@code min} to {@code max}. {@link RunParamsBinder} binds with these very bounds,
 * and the browser reads them from the catalogue, so that a knob lives once.
 *
 * @param name the parameter's name
 * @param label its label on a page
 * @param kind {@code choice} or {@code number}
 * @param options the accepted values of a choice (empty for a number)
 * @param min the least value of a number, or {@code null}
 * @param max the greatest value of a number, or {@code null}
 */
public record Knob(String name, String label, String kind, List<Option> options, Long min, Long max) {

	/** A value of a choice and its label. */
	public record Option(String value, String label) {
	}

	static Knob choice(String name, String label, List<String> values) {
		return new Knob(name, label, "choice", values.stream().map((v) -> new Option(v, v)).toList(), null, null);
	}

	static Knob labelledChoice(String name, String label, List<Option> options) {
		return new Knob(name, label, "choice", options, null, null);
	}

	static Knob number(String name, String label, long min, long max) {
		return new Knob(name, label, "number", List.of(), min, max);
	}

	/** Whether a value is one of a choice's options. */
	public boolean accepts(String value) {
		return this.options.stream().anyMatch((o) -> o.value().equals(value));
	}

}
