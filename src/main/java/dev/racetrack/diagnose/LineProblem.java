package dev.racetrack.diagnose;

import java.util.Objects;

/**
 * A line that a parser could not read, or read only in part: its 1-based number in the
 * pasted text and the reason, in one sentence.
 *
 * @param line the 1-based line number in the text as pasted
 * @param reason what is wrong with the line, e.g. {@code "'inv' is not name=number"}
 */
public record LineProblem(int line, String reason) {

	public LineProblem {
		if (line < 1) {
			throw new IllegalArgumentException("line numbers start at 1, not " + line);
		}
		Objects.requireNonNull(reason, "reason");
	}

}
