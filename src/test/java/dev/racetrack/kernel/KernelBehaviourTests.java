package dev.racetrack.kernel;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static dev.racetrack.kernel.KernelBehaviour.CAPPED_PORT_SEARCH;
import static dev.racetrack.kernel.KernelBehaviour.CHAIN_TOO_LONG;
import static dev.racetrack.kernel.KernelBehaviour.CLASH_ENTRIES;
import static dev.racetrack.kernel.KernelBehaviour.CLASH_ENTRY_DELETED_ON_REPLY;
import static dev.racetrack.kernel.KernelBehaviour.CLASH_RESOLVE_COUNTER;
import static dev.racetrack.kernel.KernelBehaviour.EVICT_TIME_WAIT;
import static dev.racetrack.kernel.KernelBehaviour.INVALID_ON_TCP_REOPEN;
import static dev.racetrack.kernel.KernelBehaviour.LINEAR_SYN_BACKOFF;
import static dev.racetrack.kernel.KernelBehaviour.PORT_ROVER;
import static dev.racetrack.kernel.KernelBehaviour.RESOLVE_MATCHING_CLASH;
import static dev.racetrack.kernel.KernelBehaviour.SAME_ORIGIN_SKIP;
import static dev.racetrack.kernel.KernelBehaviour.SECURE_PORT_FOR_RANDOM;
import static dev.racetrack.kernel.KernelBehaviour.SHARED_CONNECT_PORT_HINT;
import static dev.racetrack.kernel.KernelBehaviour.SYN_RETRIES_PLUS_LINEAR;
import static dev.racetrack.kernel.KernelBehaviour.UDP_STREAM_AFTER_TWO_SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The behaviours of each modelled kernel, as src/docs/netfilter-races.md §2–§4 and its
 * version table list them: written out here once by hand, so that a behaviour's range
 * cannot move unnoticed.
 */
class KernelBehaviourTests {

	static final Map<KernelProfile, Set<KernelBehaviour>> TABLE = Map
		.of(KernelProfile.V4_17,
				EnumSet.of(PORT_ROVER, SECURE_PORT_FOR_RANDOM, SHARED_CONNECT_PORT_HINT, INVALID_ON_TCP_REOPEN),
				KernelProfile.V4_19,
				EnumSet.of(PORT_ROVER, SECURE_PORT_FOR_RANDOM, RESOLVE_MATCHING_CLASH, SHARED_CONNECT_PORT_HINT,
						INVALID_ON_TCP_REOPEN),
				KernelProfile.V4_19_STABLE,
				EnumSet.of(CAPPED_PORT_SEARCH, SECURE_PORT_FOR_RANDOM, RESOLVE_MATCHING_CLASH, SHARED_CONNECT_PORT_HINT,
						INVALID_ON_TCP_REOPEN),
				KernelProfile.V5_0,
				EnumSet.of(CAPPED_PORT_SEARCH, SAME_ORIGIN_SKIP, RESOLVE_MATCHING_CLASH, SHARED_CONNECT_PORT_HINT,
						INVALID_ON_TCP_REOPEN),
				KernelProfile.V5_6,
				EnumSet.of(CAPPED_PORT_SEARCH, SAME_ORIGIN_SKIP, RESOLVE_MATCHING_CLASH, CLASH_ENTRIES,
						CLASH_ENTRY_DELETED_ON_REPLY, SHARED_CONNECT_PORT_HINT, INVALID_ON_TCP_REOPEN),
				KernelProfile.V6_X,
				EnumSet.of(CAPPED_PORT_SEARCH, EVICT_TIME_WAIT, SAME_ORIGIN_SKIP, RESOLVE_MATCHING_CLASH, CLASH_ENTRIES,
						CLASH_RESOLVE_COUNTER, CHAIN_TOO_LONG, LINEAR_SYN_BACKOFF, UDP_STREAM_AFTER_TWO_SECONDS,
						SYN_RETRIES_PLUS_LINEAR));

	@Test
	void eachKernelHasExactlyTheBehavioursOfTheVersionTable() {
		for (KernelProfile profile : KernelProfile.values()) {
			Set<KernelBehaviour> has = EnumSet.noneOf(KernelBehaviour.class);
			for (KernelBehaviour b : KernelBehaviour.values()) {
				if (profile.has(b)) {
					has.add(b);
				}
			}
			assertThat(has).as(profile.id()).isEqualTo(TABLE.get(profile));
		}
	}

	@Test
	void everyBehaviourSaysWhereItComesFromAndHoldsForAContiguousRange() {
		for (KernelBehaviour b : KernelBehaviour.values()) {
			assertThat(b.source()).as(b.name()).isNotBlank();
			assertThat(b.versions()).as(b.name()).isNotBlank();
			assertThat(b.first().has(b)).as(b.name() + " holds for its first kernel").isTrue();
			if (b.last() != null) {
				assertThat(b.last().compareTo(b.first())).isGreaterThanOrEqualTo(0);
				assertThat(b.last().has(b)).isTrue();
			}
		}
	}

	@Test
	void theUdpStreamTimeoutIs120SecondsOnlyOn6x() {
		assertThat(KernelProfile.V5_6.udpStreamTimeoutSeconds()).isEqualTo(180);
		assertThat(KernelProfile.V6_X.udpStreamTimeoutSeconds()).isEqualTo(120);
	}

}
