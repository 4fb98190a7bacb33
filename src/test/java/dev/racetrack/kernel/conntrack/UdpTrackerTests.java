package dev.racetrack.kernel.conntrack;

import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.KernelRandom;
import dev.racetrack.kernel.NatBench;
import dev.racetrack.kernel.NatBench.Packet;
import dev.racetrack.kernel.packet.Tuple;

import static dev.racetrack.kernel.NatBench.SERVER;
import static dev.racetrack.kernel.NatBench.udp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the UDP tracker ({@code udp_packet} in 4.17, {@code nf_conntrack_udp_packet}
 * in 6.x, net/netfilter/nf_conntrack_proto_udp.c): {@code nf_conntrack_udp_timeout} 30 s
 * until the entry has seen a reply (IPS_SEEN_REPLY is set by {@code nf_conntrack_in}
 * after the tracker ran, so the first reply itself still gets 30 s); then
 * {@code nf_conntrack_udp_timeout_stream} and ASSURED: 180 s at once up to 5.9, and on
 * 6.x 120 s ("udp: set stream timeout to 2 minutes") only once the flow is more than 2 s
 * old (d535c8a69c19 "udp: only extend timeout to stream mode after 2s": {@code stream_ts}
 * is set while the entry is unconfirmed, i.e. at its first packet).
 */
class UdpTrackerTests {

	private static final Tuple ORIG = udp("10.40.0.17", 53378, SERVER, 53);

	private static final long MS = 1_000_000L;

	static Stream<Arguments> timeline() {
		// kernel, ms after the first packet of: reply, 2nd query, 3rd query; expected
		// timeout/ASSURED after each
		return Stream.of(Arguments.of(KernelProfile.V4_17, 100, 200, 300, 30, 180, 180, true, true),
				Arguments.of(KernelProfile.V4_19, 100, 200, 300, 30, 180, 180, true, true),
				Arguments.of(KernelProfile.V5_0, 100, 200, 300, 30, 180, 180, true, true),
				Arguments.of(KernelProfile.V5_6, 100, 200, 300, 30, 180, 180, true, true),
				Arguments.of(KernelProfile.V6_X, 1500, 1900, 2500, 30, 30, 120, false, true),
				Arguments.of(KernelProfile.V6_X, 100, 2001, 2002, 30, 120, 120, true, true),
				Arguments.of(KernelProfile.V6_X, 2500, 2600, 2700, 30, 120, 120, true, true));
	}

	@ParameterizedTest(name = "{0}: reply at {1} ms, queries at {2}/{3} ms -> {4}/{5}/{6} s")
	@MethodSource("timeline")
	@DisplayName("udp_packet / nf_conntrack_udp_packet: 30 s unreplied; stream timeout and ASSURED after a reply (180 s on 4.17; 120 s on 6.x once the flow is 2 s old)")
	void timeouts(KernelProfile profile, int replyMs, int secondMs, int thirdMs, long afterReply, long afterSecond,
			long afterThird, boolean assuredAfterSecond, boolean assuredAfterThird) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
		long t0 = bench.now();
		Packet first = bench.open(ORIG, 0);
		bench.confirm(first, 0);
		Conntrack ct = first.ct();
		assertThat(ct.secondsLeft(bench.now())).isEqualTo(30);

		at(bench, t0, replyMs);
		bench.in(ORIG.invert(), 0, 0, 1);
		assertThat(ct.has(IpsStatus.SEEN_REPLY)).isTrue();
		assertThat(ct.secondsLeft(bench.now())).as("after the reply").isEqualTo(afterReply);
		assertThat(ct.has(IpsStatus.ASSURED)).isFalse();

		at(bench, t0, secondMs);
		bench.in(ORIG, 0, 0, 0);
		assertThat(ct.secondsLeft(bench.now())).as("after the second query").isEqualTo(afterSecond);
		assertThat(ct.has(IpsStatus.ASSURED)).isEqualTo(assuredAfterSecond);

		at(bench, t0, thirdMs);
		bench.in(ORIG, 0, 0, 0);
		assertThat(ct.secondsLeft(bench.now())).as("after the third query").isEqualTo(afterThird);
		assertThat(ct.has(IpsStatus.ASSURED)).isEqualTo(assuredAfterThird);
	}

	private static void at(NatBench bench, long t0, int ms) {
		bench.advance(t0 + ms * MS - bench.now());
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("kernels")
	@DisplayName("udp_packet: an unreplied flow's packets keep refreshing 30 s; it expires 30 s after the last one")
	void unrepliedFlowExpires(KernelProfile profile) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
		Packet first = bench.open(ORIG, 0);
		bench.confirm(first, 0);
		bench.advance(20_000 * MS);
		bench.in(ORIG, 0, 0, 0);
		bench.advance(29_999 * MS);
		assertThat(bench.table().expire(bench.now())).isEmpty();
		bench.advance(MS);
		assertThat(bench.table().expire(bench.now())).containsExactly(first.ct());
		assertThat(first.ct().has(IpsStatus.SEEN_REPLY | IpsStatus.ASSURED)).isFalse();
	}

	static Stream<KernelProfile> kernels() {
		return Stream.of(KernelProfile.values());
	}

}
