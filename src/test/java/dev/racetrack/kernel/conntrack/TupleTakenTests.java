package dev.racetrack.kernel.conntrack;

import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.KernelRandom;
import dev.racetrack.kernel.NatBench;
import dev.racetrack.kernel.NatBench.Packet;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;

import static dev.racetrack.kernel.NatBench.SERVER;
import static dev.racetrack.kernel.NatBench.udp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@code nf_conntrack_tuple_taken} (behind {@code nf_nat_used_tuple},
 * net/netfilter/nf_conntrack_core.c): it walks the hash only, so it sees confirmed
 * entries and no CPU's unconfirmed ones; each hit counts {@code found} (checklist 1, 3);
 * from 5.0 an entry with the same original tuple is skipped without counting
 * (4e35c1cb9460, race 2).
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
class TupleTakenTests {

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("nf_conntrack_tuple_taken: another CPU's unconfirmed entry is invisible; once confirmed it is taken in either direction and found++ (checklist 1, 3)")
	void onlyConfirmedEntriesAreSeen(KernelProfile profile) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
		ConntrackCore core = bench.core();
		Packet a = bench.open(udp("10.40.0.17", 40000, SERVER, 53), 0);
		Packet other = bench.open(udp("10.40.0.18", 40001, SERVER, 53), 1);

		assertThat(bench.table().unconfirmed(0)).containsExactly(a.ct());
		assertThat(bench.table().unconfirmed(1)).containsExactly(other.ct());
		assertThat(core.find(a.ct().original(), bench.now())).isNull();
		assertThat(core.tupleTaken(a.ct().reply(), other.ct(), 1, bench.now())).isFalse();
		assertThat(bench.stats().get(1, Counter.FOUND)).isZero();

		bench.confirm(a, 0);
		assertThat(core.tupleTaken(a.ct().reply(), other.ct(), 1, bench.now())).isTrue();
		assertThat(core.tupleTaken(a.ct().original(), other.ct(), 1, bench.now())).isTrue();
		assertThat(core.tupleTaken(udp("10.40.0.17", 40002, SERVER, 53), other.ct(), 1, bench.now())).isFalse();
		assertThat(bench.stats().get(1, Counter.FOUND)).as("two hits on CPU 1").isEqualTo(2);
		assertThat(bench.stats().get(0, Counter.FOUND)).isZero();
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("nf_conntrack_tuple_taken: an expired entry is not taken (nf_ct_is_expired)")
	void expiredEntriesAreNotTaken(KernelProfile profile) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
		Packet a = bench.open(udp("10.40.0.17", 40000, SERVER, 53), 0);
		Packet other = bench.open(udp("10.40.0.18", 40001, SERVER, 53), 1);
		bench.confirm(a, 0);
		bench.advance(29_999_999_999L);
		assertThat(bench.core().tupleTaken(a.ct().reply(), other.ct(), 1, bench.now())).isTrue();
		bench.advance(1);
		assertThat(bench.core().tupleTaken(a.ct().reply(), other.ct(), 1, bench.now())).isFalse();
		assertThat(bench.stats().get(1, Counter.FOUND)).isEqualTo(1);
	}

	static Stream<Arguments> sameOrigin() {
		return Stream.of(Arguments.of(KernelProfile.V4_17, true), Arguments.of(KernelProfile.V4_19, true),
				Arguments.of(KernelProfile.V5_0, false), Arguments.of(KernelProfile.V5_6, false),
				Arguments.of(KernelProfile.V6_X, false));
	}

	@ParameterizedTest(name = "{0}: taken={1}")
	@MethodSource("sameOrigin")
	@DisplayName("nf_conntrack_tuple_taken 5.0+: an entry with the same ORIGINAL tuple is skipped, uncounted (4e35c1cb9460, race 2) (checklist 3)")
	void sameOriginEntriesAreSkippedFromFiveZero(KernelProfile profile, boolean taken) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
		Packet a = bench.open(udp("10.40.0.17", 53378, "10.32.0.6", 53), 0);
		Packet aaaa = bench.open(udp("10.40.0.17", 53378, "10.32.0.6", 53), 1);
		assertThat(aaaa.ct()).as("one tuple, two entries: A's is not in the hash yet").isNotSameAs(a.ct());
		bench.confirm(a, 0);
		assertThat(bench.core().tupleTaken(aaaa.ct().reply(), aaaa.ct(), 1, bench.now())).isEqualTo(taken);
		assertThat(bench.stats().get(1, Counter.FOUND)).isEqualTo(taken ? 1 : 0);
	}

}
