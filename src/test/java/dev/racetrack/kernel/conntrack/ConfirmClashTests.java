package dev.racetrack.kernel.conntrack;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import dev.racetrack.kernel.KernelHarness;
import dev.racetrack.kernel.KernelHarness.Flight;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.KernelRandom;
import dev.racetrack.kernel.NatBench;
import dev.racetrack.kernel.NatBench.Packet;
import dev.racetrack.kernel.conntrack.ConfirmResult.Resolution;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;
import dev.racetrack.kernel.nat.ManipType;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.kernel.packet.DnsMessage.QueryType;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.TcpFlags;
import dev.racetrack.kernel.packet.Tuple;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@code __nf_conntrack_confirm} and the clash resolvers of each kernel
 * (net/netfilter/nf_conntrack_core.c: 4.17's {@code nf_ct_resolve_clash} after
 * 71d8c47fc653, 4.19's ed07d9a021df, 5.6's {@code __nf_ct_resolve_clash} and
 * {@code nf_ct_resolve_clash_harder} from 6a757c07e51f, 5.10's clash_resolve counter):
 * the ORIGINAL and REPLY checks (checklist 9), the rules and counters of §4 (checklist
 * 10, 15), clash entries (checklist 11), TCP (checklist 12), and that a UDP race needs
 * two CPUs at once (checklist 14).
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
class ConfirmClashTests {

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("__nf_conntrack_confirm: identical tuples clash on the ORIGINAL bucket, a shared SNAT port on the REPLY bucket (checklist 9)")
	void clashesAreFoundOnOriginalOrReply(KernelProfile profile) {
		KernelHarness dns = new KernelHarness(profile, SnatMode.DEFAULT, 2, List.of("10.32.0.6"), 1);
		Flight a = dns.send(dns.dns("10.40.0.17", 53378, QueryType.A), 0).through(3);
		Flight aaaa = dns.send(dns.dns("10.40.0.17", 53378, QueryType.AAAA), 1).through(3);
		a.finish();
		aaaa.finish();
		assertThat(aaaa.confirmResult()).isInstanceOfSatisfying(ConfirmResult.Clash.class,
				(c) -> assertThat(c.clashedOn()).isEqualTo(CtDir.ORIGINAL));

		KernelHarness tcp = KernelHarness.masquerade(profile, "default");
		Flight x = tcp.send(tcp.syn("10.40.0.17", 32000), 0).through(2);
		Flight y = tcp.send(tcp.syn("10.40.0.18", 32000), 1).through(2);
		x.finish();
		y.finish();
		assertThat(y.confirmResult()).isInstanceOfSatisfying(ConfirmResult.Clash.class, (c) -> {
			assertThat(c.clashedOn()).isEqualTo(CtDir.REPLY);
			assertThat(c.loser().original()).isNotEqualTo(c.winner().original());
			assertThat(c.loser().reply()).isEqualTo(c.winner().reply());
		});
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("TCP has no allow_clash: even two identical SYN entries clash into a drop on every kernel (checklist 12)")
	void tcpNeverResolves(KernelProfile profile) {
		KernelHarness h = KernelHarness.masquerade(profile, "default");
		Flight first = h.send(h.syn("10.40.0.17", 32000), 0).through(3);
		Flight copy = h.send(h.syn("10.40.0.17", 32000), 1).through(3);
		first.finish();
		copy.finish();
		assertThat(copy.confirmResult()).isInstanceOfSatisfying(ConfirmResult.Clash.class, (c) -> {
			assertThat(ConntrackCore.matches(c.winner(), c.loser())).as("nf_ct_match holds").isTrue();
			assertThat(c.resolution()).isEqualTo(Resolution.DROP);
			assertThat(c.counted()).containsExactly(Counter.DROP, Counter.INSERT_FAILED);
		});
		assertThat(h.netfilter().stats().get(1, Counter.DROP)).isEqualTo(1);
		assertThat(h.netfilter().stats().get(1, Counter.INSERT_FAILED)).isEqualTo(1);
	}

	static Stream<Arguments> identicalUdp() {
		// kernel, with NAT bindings (NAT_DONE on the winner), resolution, counters
		return Stream.of(Arguments.of(KernelProfile.V4_17, false, Resolution.MERGED, List.of(Counter.INSERT_FAILED)),
				Arguments.of(KernelProfile.V4_17, true, Resolution.DROP, List.of(Counter.DROP, Counter.INSERT_FAILED)),
				Arguments.of(KernelProfile.V4_19, true, Resolution.MERGED, List.of(Counter.INSERT_FAILED)),
				Arguments.of(KernelProfile.V5_0, true, Resolution.MERGED, List.of(Counter.INSERT_FAILED)),
				Arguments.of(KernelProfile.V5_6, true, Resolution.MERGED, List.of(Counter.INSERT_FAILED)),
				Arguments.of(KernelProfile.V6_X, false, Resolution.MERGED, List.of(Counter.CLASH_RESOLVE)),
				Arguments.of(KernelProfile.V6_X, true, Resolution.MERGED, List.of(Counter.CLASH_RESOLVE)));
	}

	@ParameterizedTest(name = "{0}, NAT_DONE={1}: {2} {3}")
	@MethodSource("identicalUdp")
	@DisplayName("nf_ct_resolve_clash: 4.17 merges only into a winner without NAT_DONE (71d8c47fc653); 4.19+ also into an identical one (ed07d9a021df) (checklist 10)")
	void identicalUdpEntries(KernelProfile profile, boolean nat, Resolution resolution, List<Counter> counted) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
		Tuple t = Tuple.of(L4Proto.UDP, "10.40.0.17", 53378, "10.0.0.99", 53);
		Packet a = bench.open(t, 0);
		Packet aaaa = bench.open(t, 1);
		if (nat) {
			for (Packet p : List.of(a, aaaa)) {
				bench.nullBinding(p, ManipType.DST, p == a ? 0 : 1);
				bench.nullBinding(p, ManipType.SRC, p == a ? 0 : 1);
			}
		}
		assertThat(bench.confirm(a, 0)).isInstanceOf(ConfirmResult.Confirmed.class);
		ConfirmResult r = bench.confirm(aaaa, 1);
		assertThat(r).isInstanceOfSatisfying(ConfirmResult.Clash.class, (c) -> {
			assertThat(c.resolution()).isEqualTo(resolution);
			assertThat(c.counted()).isEqualTo(counted);
			assertThat(c.attachedTo()).isSameAs((resolution == Resolution.MERGED) ? a.ct() : null);
		});
		assertThat(aaaa.skb().ct()).isSameAs((resolution == Resolution.MERGED) ? a.ct() : null);
		assertThat(aaaa.ct().removed()).as("the loser's entry is freed either way").isTrue();
		assertThat(bench.table().count()).isEqualTo(1);
	}

	static Stream<Arguments> clashEntryKernels() {
		return Stream.of(Arguments.of(KernelProfile.V5_6, List.of(), true),
				Arguments.of(KernelProfile.V6_X, List.of(Counter.CLASH_RESOLVE), false));
	}

	@ParameterizedTest(name = "{0}: counted {1}, deleted by the first reply: {2}")
	@MethodSource("clashEntryKernels")
	@DisplayName("nf_ct_resolve_clash_harder 5.6+: race 3's loser becomes a reply-only clash entry with a fixed 1 s timeout, never ASSURED; 5.6 deletes it on the first reply (checklist 11)")
	void race3LoserBecomesAClashEntry(KernelProfile profile, List<Counter> counted, boolean deletedOnReply) {
		Race3 race = race3(profile);
		KernelHarness h = race.harness;
		long confirmedAt = h.now();
		ConfirmResult.Clash clash = (ConfirmResult.Clash) race.loser.confirmResult();
		Conntrack winner = clash.winner();
		Conntrack entry = clash.loser();

		assertThat(clash.resolution()).isEqualTo(Resolution.CLASH_ENTRY);
		assertThat(clash.clashedOn()).isEqualTo(CtDir.ORIGINAL);
		assertThat(clash.counted()).isEqualTo(counted);
		assertThat(clash.attachedTo()).isSameAs(entry);
		assertThat(race.loser.dropped()).isFalse();
		assertThat(entry.clashEntry()).isTrue();
		assertThat(entry.has(IpsStatus.CONFIRMED | IpsStatus.FIXED_TIMEOUT | IpsStatus.NAT_CLASH)).isTrue();
		assertThat(entry.expiresAtNanos()).isEqualTo(confirmedAt + 1_000_000_000L);
		TupleHash byOriginal = h.netfilter().find(entry.original(), h.now());
		assertThat(byOriginal.ct()).as("original-direction lookups still find the winner").isSameAs(winner);
		assertThat(byOriginal.dir()).isEqualTo(CtDir.ORIGINAL);
		TupleHash byReply = h.netfilter().find(entry.reply(), h.now());
		assertThat(byReply.ct()).isSameAs(entry);
		assertThat(byReply.dir()).isEqualTo(CtDir.REPLY);
		assertThat(h.netfilter().table().confirmed()).containsExactly(winner, entry);

		h.advance(300_000_000L);
		Tuple answer = entry.reply();
		Flight reply = h.send(h.udp(answer), 1).finish();
		assertThat(reply.skb().ct()).isSameAs(entry);
		assertThat(reply.skb().tuple()).as("the endpoint's answer is de-NATed to the ClusterIP")
			.isEqualTo(Tuple.of(L4Proto.UDP, KernelHarness.CLUSTER_IP, 53, "10.40.0.17", 53378));
		assertThat(entry.removed()).isEqualTo(deletedOnReply);
		assertThat(entry.expiresAtNanos()).as("a reply does not extend a fixed timeout")
			.isEqualTo(confirmedAt + 1_000_000_000L);
		if (!deletedOnReply) {
			h.advance(300_000_000L);
			h.send(h.udp(answer), 0).finish();
			assertThat(entry.has(IpsStatus.ASSURED)).isFalse();
			h.advance(400_000_000L);
			assertThat(h.netfilter().expire(h.now())).containsExactly(entry);
		}
		assertThat(winner.removed()).isFalse();
		h.checkInvariants();
	}

	record Race3(KernelHarness harness, Flight winner, Flight loser) {
	}

	/** Race 3: A and AAAA DNATed to different endpoints, both before either confirms. */
	static Race3 race3(KernelProfile profile) {
		for (long seed = 1; seed < 64; seed++) {
			KernelHarness h = new KernelHarness(profile, SnatMode.DEFAULT, 2, List.of("10.32.0.6", "10.32.0.7"), seed);
			Flight a = h.send(h.dns("10.40.0.17", 53378, QueryType.A), 0).through(1);
			Flight aaaa = h.send(h.dns("10.40.0.17", 53378, QueryType.AAAA), 1).through(1);
			if (a.skb().tuple().dstIp() != aaaa.skb().tuple().dstIp()) {
				a.finish();
				aaaa.finish();
				return new Race3(h, a, aaaa);
			}
		}
		throw new IllegalStateException("no seed below 64 picked two endpoints");
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("A UDP race needs two CPUs handling one 5-tuple at once: sent one after the other, AAAA finds A's confirmed entry (checklist 14)")
	void oneCpuAtATimeNeverClashes(KernelProfile profile) {
		KernelHarness h = new KernelHarness(profile, SnatMode.DEFAULT, 2, List.of("10.32.0.6", "10.32.0.7"), 1);
		Flight a = h.send(h.dns("10.40.0.17", 53378, QueryType.A), 0).finish();
		Flight aaaa = h.send(h.dns("10.40.0.17", 53378, QueryType.AAAA), 1).finish();
		assertThat(aaaa.skb().ct()).isSameAs(a.skb().ct());
		assertThat(aaaa.confirmResult()).isInstanceOf(ConfirmResult.NotNeeded.class);
		assertThat(aaaa.skb().tuple().dstIp()).as("AAAA follows A's DNAT, no second statistic draw")
			.isEqualTo(a.skb().tuple().dstIp());
		assertThat(h.netfilter().stats().totals()).allSatisfy((name, value) -> assertThat(value).as(name).isZero());
	}

	@Test
	@DisplayName("__nf_conntrack_confirm: a reply-direction packet never confirms")
	void repliesDoNotConfirm() {
		KernelHarness h = KernelHarness.masquerade(KernelProfile.V6_X, "default");
		h.send(h.syn("10.40.0.17", 32000), 0).finish();
		Tuple synAck = Tuple.of(L4Proto.TCP, KernelHarness.SERVER_IP, 80, KernelHarness.NODE_IP, 32000);
		Flight reply = h.send(h.tcp(synAck, TcpFlags.SYN | TcpFlags.ACK, 1), 1).finish();
		assertThat(reply.confirmResult()).isInstanceOfSatisfying(ConfirmResult.NotNeeded.class,
				(n) -> assertThat(n.reason()).contains("original-direction"));
		assertThat(reply.skb().tuple().dstIp()).isEqualTo(Ipv4.parse("10.40.0.17"));
	}

}
