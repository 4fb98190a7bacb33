package dev.racetrack.diagnose;

import java.util.List;
import java.util.Objects;

/**
 * One thing the diagnosis found.
 *
 * @param id stable kebab-case id; a race's finding has its scenario's id
 * ({@code snat-port-race}, {@code dnat-race-1}, {@code dnat-race-2}, {@code dnat-race-3})
 * @param severity how bad it is
 * @param title one sentence
 * @param evidence the lines, counters and rules it rests on
 * @param mitigations what fixes it, best first
 */
public record Finding(String id, Severity severity, String title, List<String> evidence, List<String> mitigations) {

	public Finding {
		Objects.requireNonNull(id, "id");
		Objects.requireNonNull(severity, "severity");
		Objects.requireNonNull(title, "title");
		evidence = List.copyOf(evidence);
		mitigations = List.copyOf(mitigations);
	}

}
