package dev.racetrack.web.shared;

import java.util.List;

/**
 * A request parameter that is missing, malformed or out of range. Rendered by
 * {@link ApiExceptionHandler} as HTTP 400 {@code application/problem+json} naming the
 * parameter and what it accepts.
 */
public class BadParameterException extends RuntimeException {

	private final String parameter;

	private final String accepted;

	/**
	 * @param parameter the parameter's name as the client spells it
	 * @param detail what is wrong, in one sentence
	 * @param accepted what the parameter accepts, e.g. {@code "one of 4.17, 4.19"} or
	 * {@code "an integer from 1 to 128"}
	 */
	public BadParameterException(String parameter, String detail, String accepted) {
		super(detail);
		this.parameter = parameter;
		this.accepted = accepted;
	}

	/** A value outside a fixed set. */
	public static BadParameterException notOneOf(String parameter, String value, List<String> values) {
		return new BadParameterException(parameter, "'" + abbreviate(value) + "' is not a valid " + parameter
				+ "; use one of " + String.join(", ", values) + ".", "one of " + String.join(", ", values));
	}

	/** A number outside its bounds, or not a number. */
	public static BadParameterException notInRange(String parameter, String value, long min, long max) {
		return new BadParameterException(parameter, "'" + abbreviate(value) + "' is not a valid " + parameter
				+ "; use an integer from " + min + " to " + max + ".", "an integer from " + min + " to " + max);
	}

	public String parameter() {
		return this.parameter;
	}

	public String accepted() {
		return this.accepted;
	}

	/** Keeps error bodies small whatever a client sends. */
	public static String abbreviate(String value) {
		if (value == null) {
			return "";
		}
		String clean = value.replaceAll("\\p{Cntrl}", "?");
		return (clean.length() > 40) ? clean.substring(0, 40) + "…" : clean;
	}

}
