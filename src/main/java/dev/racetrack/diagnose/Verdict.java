package dev.racetrack.diagnose;

import java.util.Objects;
import java.util.Optional;

/**
 * The first line of the answer: whether these races (or a full table) cost this node
 * connections now, how many a minute when two samples say, and the one change to make
 * first.
 *
 * @param severity the worst finding's severity
 * @param text one sentence: what is happening
 * @param firstFix the one change to make first, concrete (a rule line, a sysctl), or
 * {@code ""} when there is nothing to change
 * @param perMinute the delayed connections or lookups per minute, when two samples gave a
 * rate
 */
public record Verdict(Severity severity, String text, String firstFix, Optional<Double> perMinute) {

	public Verdict {
		Objects.requireNonNull(severity, "severity");
		Objects.requireNonNull(text, "text");
		Objects.requireNonNull(firstFix, "firstFix");
		Objects.requireNonNull(perMinute, "perMinute");
	}

	/** The verdict and the first fix on one line. */
	public String line() {
		return this.firstFix.isEmpty() ? this.text : this.text + " First fix: " + this.firstFix;
	}

}
