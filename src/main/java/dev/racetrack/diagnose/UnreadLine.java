package dev.racetrack.diagnose;

/**
 * A pasted line that could not be read.
 *
 * @param field the input it belongs to ({@link NodeSample#CONNTRACK_STATS} …)
 * @param line its 1-based number in that input
 * @param reason why, in one sentence
 */
public record UnreadLine(String field, int line, String reason) {

	static UnreadLine of(String field, LineProblem problem) {
		return new UnreadLine(field, problem.line(), problem.reason());
	}

}
