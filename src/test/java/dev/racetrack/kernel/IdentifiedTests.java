package dev.racetrack.kernel;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.scenario.Preset;
import dev.racetrack.scenario.WorkloadKind;
import dev.racetrack.sim.Mitigation;
import dev.racetrack.sim.ResolverKind;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The choices named by ids: every id is listed once, in declaration order, and finds its
 * own choice back; an unknown id (or another choice's case) finds none.
 */
class IdentifiedTests {

	@Test
	void everyIdFindsItsChoiceBackAndNothingElseDoes() {
		check(KernelProfile.class, KernelProfile.ids());
		check(SnatMode.class, SnatMode.ids());
		check(ResolverKind.class, ResolverKind.ids());
		check(Mitigation.class, Mitigation.ids());
		check(WorkloadKind.class, WorkloadKind.ids());
		check(Preset.class, Preset.ids());
		assertThat(KernelProfile.ids()).startsWith("4.17").endsWith("6.x");
		assertThat(SnatMode.fromId("random-fully")).contains(SnatMode.RANDOM_FULLY);
	}

	private static <E extends Enum<E> & Identified> void check(Class<E> type, List<String> ids) {
		E[] all = type.getEnumConstants();
		assertThat(ids).as(type.getSimpleName()).hasSize(all.length).doesNotHaveDuplicates();
		for (int i = 0; i < all.length; i++) {
			assertThat(ids.get(i)).isEqualTo(all[i].id());
			assertThat(Identified.fromId(type, ids.get(i))).contains(all[i]);
		}
		assertThat(Identified.fromId(type, "no-such-" + type.getSimpleName())).isEmpty();
		assertThat(Identified.fromId(type, null)).isEmpty();
	}

}
