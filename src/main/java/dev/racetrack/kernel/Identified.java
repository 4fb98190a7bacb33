package dev.racetrack.kernel;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A choice named by an id in URLs, forms and the API: a kernel profile, a SNAT mode, a
 * resolver, a mitigation, a workload, a preset. How such ids are listed and looked up
 * lives here once; each enum's own {@code ids()} and {@code fromId()} hand over to it.
 */
public interface Identified {

	/** The id, as a URL or the API spells it. */
	String id();

	/** Every id of an enum of choices, in declaration order. */
	static <E extends Enum<E> & Identified> List<String> ids(Class<E> type) {
		return Arrays.stream(type.getEnumConstants()).map(Identified::id).toList();
	}

	/** The choice of an id, or empty when no choice has it. */
	static <E extends Enum<E> & Identified> Optional<E> fromId(Class<E> type, String id) {
		return Arrays.stream(type.getEnumConstants()).filter((e) -> e.id().equals(id)).findFirst();
	}

}
