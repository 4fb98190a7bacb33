package dev.racetrack.diagnose;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One thing the diagnosis found.
 *
 * @param id stable kebab-case id; a race's finding has its scenario's id
 * ({@code snat-port-race}, {@code dnat-race-1}, {@code dnat-race-2}, {@code dnat-race-3})
 * @param severity how bad it is
 * @param title one sentence
 * @param evidence the lines, counters and rules it rests on
 * @param mitigations what fixes it, best first
 * @param replays the race the Lab replays for it ({@link ReplayLink#RACES}), set by the
 * rule that makes it: a race's finding replays itself, a capture's signature of a race
 * replays that race; empty for the others
 */
public record Finding(String id, Severity severity, String title, List<String> evidence, List<String> mitigations,
		Optional<String> replays) {

	public Finding {
		Objects.requireNonNull(id, "id");
		Objects.requireNonNull(severity, "severity");
		Objects.requireNonNull(title, "title");
		evidence = List.copyOf(evidence);
		mitigations = List.copyOf(mitigations);
		Objects.requireNonNull(replays, "replays");
		if (replays.isPresent() && !ReplayLink.RACES.contains(replays.get())) {
			throw new IllegalArgumentException(id + " replays " + replays.get() + ", not a race the Lab replays");
		}
	}

	/** A finding that replays no race. */
	public Finding(String id, Severity severity, String title, List<String> evidence, List<String> mitigations) {
		this(id, severity, title, evidence, mitigations, Optional.empty());
	}

	/**
	 * This finding with other evidence and mitigations: the same id, severity, title and
	 * race.
	 */
	Finding with(List<String> evidence, List<String> mitigations) {
		return new Finding(this.id, this.severity, this.title, evidence, mitigations, this.replays);
	}

}
