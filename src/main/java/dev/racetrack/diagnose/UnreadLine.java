package dev.racetrack.diagnose;

/**
 * A pasted line (or a run of lines with the same reason) that could not be read, or was
 * read only in part.
 *
 * @param field the input it belongs to ({@link NodeSample#PASTE},
 * {@link NodeSample#CONNTRACK_STATS} …)
 * @param line its 1-based number in that input
 * @param reason why, in one sentence
 * @param lastLine the last line of a run with the same reason ({@code == line} for one)
 */
public record UnreadLine(String field, int line, String reason, int lastLine) {

	public UnreadLine(String field, int line, String reason) {
		this(field, line, reason, line);
	}

	static UnreadLine of(String field, LineProblem problem) {
		return new UnreadLine(field, problem.line(), problem.reason());
	}

	/** Whether this covers a line. */
	public boolean covers(int number) {
		return number >= this.line && number <= this.lastLine;
	}

}
