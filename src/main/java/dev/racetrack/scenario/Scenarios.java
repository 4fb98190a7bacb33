package dev.racetrack.scenario;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The catalogue, in the order the Lab offers it.
 */
public final class Scenarios {

	private static final List<Scenario> ALL;

	static {
		List<Scenario> all = new ArrayList<>();
		all.add(new SnatPortRace());
		all.addAll(DnatRace.all());
		all.add(new FreePlay(false));
		all.add(new FreePlay(true));
		ALL = Collections.unmodifiableList(all);
	}

	private Scenarios() {
	}

	public static List<Scenario> all() {
		return ALL;
	}

	public static List<String> ids() {
		return ALL.stream().map(Scenario::id).toList();
	}

	public static Optional<Scenario> byId(String id) {
		return ALL.stream().filter((s) -> s.id().equals(id)).findFirst();
	}

}
