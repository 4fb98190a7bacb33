package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One line of a pasted text after {@link ShellNoise} took off what surrounds the output
 * (Markdown quotes and fences, inline backticks, a prompt and its command): its 1-based
 * number in the text as pasted, and the output left on it.
 *
 * @param number the 1-based line number in the text as pasted
 * @param text the output on the line, stripped
 */
public record Line(int number, String text) {

	public Line {
		if (number < 1) {
			throw new IllegalArgumentException("line numbers start at 1, not " + number);
		}
		Objects.requireNonNull(text, "text");
	}

	/**
	 * The lines of a text that carry output, cleaned by {@link ShellNoise}; for the
	 * parsers' own tests and for callers that hand them one format.
	 */
	static List<Line> of(String text) {
		PastedText pasted = PastedText.of(text);
		List<Line> lines = new ArrayList<>();
		for (int number = 1; number <= pasted.size(); number++) {
			ShellNoise.Cleaned cleaned = ShellNoise.clean(pasted.line(number));
			if (!cleaned.output().isEmpty()) {
				lines.add(new Line(number, cleaned.output()));
			}
		}
		return lines;
	}

}
