package dev.racetrack.diagnose;

import java.util.Locale;

/**
 * How bad a finding is, worst first.
 */
public enum Severity {

	/** The counters show packets lost now. */
	CRITICAL,

	/** Exposed, but nothing lost in the sample. */
	WARNING,

	/** The race happens and the kernel resolves it, or a note. */
	INFO;

	/** {@code critical}, {@code warning}, {@code info}: the id in JSON and CSS. */
	public String id() {
		return name().toLowerCase(Locale.ROOT);
	}

	/** The worse of two severities. */
	public Severity worst(Severity other) {
		return (compareTo(other) <= 0) ? this : other;
	}

}
