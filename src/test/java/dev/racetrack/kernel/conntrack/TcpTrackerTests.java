package dev.racetrack.kernel.conntrack;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.KernelRandom;
import dev.racetrack.kernel.NatBench;
import dev.racetrack.kernel.NatBench.Packet;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;
import dev.racetrack.kernel.packet.TcpFlags;
import dev.racetrack.kernel.packet.Tuple;

import static dev.racetrack.kernel.NatBench.SERVER;
import static dev.racetrack.kernel.NatBench.tcp;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.CLOSE;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.CLOSE_WAIT;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.ESTABLISHED;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.FIN_WAIT;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.LAST_ACK;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.SYN_RECV;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.SYN_SENT;
import static dev.racetrack.kernel.conntrack.TcpConntrackState.TIME_WAIT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the TCP tracker, {@code nf_conntrack_tcp_packet} with its table
 * {@code tcp_conntracks[2][6][TCP_CONNTRACK_MAX]} and timeouts {@code tcp_timeouts[]}
 * (net/netfilter/nf_conntrack_proto_tcp.c; the same from 4.17 to 6.x for these paths):
 * states and timeouts after SYN, SYN/ACK, ACK, FIN and RST; ASSURED; invalid packets; an
 * RST before any reply; and reopening a closed connection with a new SYN.
 */
class TcpTrackerTests {

	private static final Tuple ORIG = tcp("10.40.0.17", 40000, SERVER, 80);

	private static final Tuple REPLY = ORIG.invert();

	private static final int SYN = TcpFlags.SYN;

	private static final int SYNACK = TcpFlags.SYN | TcpFlags.ACK;

	private static final int ACK = TcpFlags.ACK;

	private static final int FIN = TcpFlags.FIN | TcpFlags.ACK;

	private static final int RST = TcpFlags.RST;

	/** One packet of a connection and the state it must leave. */
	record Seg(CtDir dir, int flags, TcpConntrackState state, long timeoutSeconds, boolean assured) {

		@Override
		public String toString() {
			return ((this.dir == CtDir.ORIGINAL) ? "o:" : "r:") + TcpFlags.format(this.flags) + "->" + this.state;
		}

	}

	static Seg o(int flags, TcpConntrackState state, long timeout) {
		return new Seg(CtDir.ORIGINAL, flags, state, timeout, false);
	}

	static Seg r(int flags, TcpConntrackState state, long timeout) {
		return new Seg(CtDir.REPLY, flags, state, timeout, false);
	}

	static Seg assured(Seg s) {
		return new Seg(s.dir(), s.flags(), s.state(), s.timeoutSeconds(), true);
	}

	static final List<Seg> HANDSHAKE = List.of(o(SYN, SYN_SENT, 120), r(SYNACK, SYN_RECV, 60),
			assured(o(ACK, ESTABLISHED, 432_000)));

	static Stream<Arguments> transitions() {
		return Stream.of(Arguments.of("three-way handshake", HANDSHAKE),
				Arguments.of("active close by the client",
						concat(HANDSHAKE,
								List.of(assured(o(FIN, FIN_WAIT, 120)), assured(r(ACK, CLOSE_WAIT, 60)),
										assured(r(FIN, LAST_ACK, 30)), assured(o(ACK, TIME_WAIT, 120))))),
				Arguments.of("both FINs, then the last ACK",
						concat(HANDSHAKE,
								List.of(assured(o(FIN, FIN_WAIT, 120)), assured(r(FIN, LAST_ACK, 30)),
										assured(o(ACK, TIME_WAIT, 120))))),
				Arguments.of("server resets an established connection",
						concat(HANDSHAKE, List.of(assured(r(RST, CLOSE, 10))))),
				Arguments.of("client resets an established connection",
						concat(HANDSHAKE, List.of(assured(o(RST, CLOSE, 10))))),
				// sIG returns before nf_ct_refresh_acct: 1 ms later the SYN's 120 s show
				// as 119
				Arguments.of("a stray ACK in reply to a SYN is ignored (sIG), without a refresh",
						List.of(o(SYN, SYN_SENT, 120), r(ACK, SYN_SENT, 119), r(SYNACK, SYN_RECV, 60))));
	}

	static List<Seg> concat(List<Seg> a, List<Seg> b) {
		return Stream.concat(a.stream(), b.stream()).toList();
	}

	@ParameterizedTest(name = "{0}: {1}")
	@MethodSource("transitions")
	@DisplayName("nf_conntrack_tcp_packet (4.17 to 6.x): tcp_conntracks transitions, tcp_timeouts, ASSURED after SYN_RECV -> ESTABLISHED")
	void transitionsAndTimeouts(String name, List<Seg> segments) {
		for (KernelProfile profile : KernelProfile.values()) {
			NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
			Packet syn = bench.open(ORIG, 1000, 0);
			bench.confirm(syn, 0);
			Conntrack ct = syn.ct();
			check(ct, bench, segments.get(0));
			long seq = 1001;
			for (Seg s : segments.subList(1, segments.size())) {
				bench.advance(1_000_000L);
				Packet p = bench.in((s.dir() == CtDir.ORIGINAL) ? ORIG : REPLY, s.flags(), seq++, 0);
				assertThat(p.in()).as("%s on %s", s, profile).isInstanceOf(ConntrackInResult.Found.class);
				assertThat(p.ct()).isSameAs(ct);
				check(ct, bench, s);
			}
			assertThat(bench.stats().get(0, Counter.INVALID)).isZero();
		}
	}

	private static void check(Conntrack ct, NatBench bench, Seg s) {
		assertThat(ct.tcpState()).as("state after %s", s).isEqualTo(s.state());
		assertThat(ct.secondsLeft(bench.now())).as("timeout after %s", s).isEqualTo(s.timeoutSeconds());
		assertThat(ct.has(IpsStatus.ASSURED)).as("ASSURED after %s", s).isEqualTo(s.assured());
	}

	@Test
	@DisplayName("nf_conntrack_tcp_packet: a SYN/ACK from the original side in SYN_SENT is sIV: not tracked, invalid++")
	void invalidSegmentIsCountedAndNotTracked() {
		NatBench bench = new NatBench(KernelProfile.V4_17, KernelRandom.seeded(1));
		Packet syn = bench.open(ORIG, 1000, 0);
		bench.confirm(syn, 0);
		Packet bad = bench.in(ORIG, SYNACK, 1000, 1);
		assertThat(bad.in()).isInstanceOf(ConntrackInResult.Invalid.class);
		assertThat(bad.skb().ct()).as("the packet goes on without an entry").isNull();
		assertThat(syn.ct().tcpState()).isEqualTo(SYN_SENT);
		assertThat(bench.stats().get(1, Counter.INVALID)).isEqualTo(1);
	}

	@Test
	@DisplayName("tcp_new: only a SYN may create an entry; an ACK, FIN or RST without one is invalid++")
	void onlyASynCreates() {
		NatBench bench = new NatBench(KernelProfile.V6_X, KernelRandom.seeded(1));
		for (int flags : new int[] { ACK, FIN, RST }) {
			assertThat(bench.in(ORIG, flags, 1, 0).in()).isInstanceOf(ConntrackInResult.Invalid.class);
		}
		assertThat(bench.stats().get(0, Counter.INVALID)).isEqualTo(3);
		assertThat(bench.table().count()).isZero();
	}

	@Test
	@DisplayName("nf_conntrack_tcp_packet: an RST before any reply deletes the entry at once (nf_ct_kill_acct), the packet passes")
	void rstBeforeAnyReplyKillsTheEntry() {
		for (KernelProfile profile : KernelProfile.values()) {
			NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
			Packet syn = bench.open(ORIG, 1000, 0);
			bench.confirm(syn, 0);
			Packet rst = bench.in(REPLY, RST | ACK, 0, 1);
			assertThat(rst.in()).as("%s", profile).isInstanceOf(ConntrackInResult.Found.class);
			assertThat(rst.skb().ct()).as("the RST itself is still tracked").isSameAs(syn.ct());
			assertThat(syn.ct().removed()).as("connection refused: entry gone on %s", profile).isTrue();
			assertThat(bench.table().count()).isZero();
			assertThat(bench.stats().get(1, Counter.INVALID)).isZero();
		}
	}

	@ParameterizedTest(name = "{0}")
	@org.junit.jupiter.params.provider.EnumSource(KernelProfile.class)
	@DisplayName("a SYN reopening a TIME_WAIT entry counts invalid until 5.16 (830af2eba403), not on 6.x")
	void reopenCountsInvalidUntil517(KernelProfile profile) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
		Packet syn = bench.open(ORIG, 1000, 0);
		bench.confirm(syn, 0);
		long seq = 1001;
		for (Seg s : concat(HANDSHAKE, List.of(o(FIN, FIN_WAIT, 120), r(FIN, LAST_ACK, 30), o(ACK, TIME_WAIT, 120)))
			.subList(1, 6)) {
			bench.in((s.dir() == CtDir.ORIGINAL) ? ORIG : REPLY, s.flags(), seq++, 0);
		}
		bench.advance(1_000_000_000L);
		Packet again = bench.in(ORIG, SYN, 90_000, 1);
		assertThat(again.in()).isInstanceOf(ConntrackInResult.Created.class);
		assertThat(bench.stats().get(1, Counter.INVALID))
			.isEqualTo(profile.has(dev.racetrack.kernel.KernelBehaviour.INVALID_ON_TCP_REOPEN) ? 1 : 0);
	}

	static Stream<Arguments> reopen() {
		return Stream.of(Arguments.of("TIME_WAIT after a close",
				concat(HANDSHAKE, List.of(o(FIN, FIN_WAIT, 120), r(FIN, LAST_ACK, 30), o(ACK, TIME_WAIT, 120))), true),
				Arguments.of("CLOSE after the client's RST", concat(HANDSHAKE, List.of(o(RST, CLOSE, 10))), true),
				Arguments.of("CLOSE after the server's RST", concat(HANDSHAKE, List.of(r(RST, CLOSE, 10))), false));
	}

	@ParameterizedTest(name = "{0}: reopened={2}")
	@MethodSource("reopen")
	@DisplayName("nf_conntrack_tcp_packet: a new SYN reopens TIME_WAIT/CLOSE (kill, -NF_REPEAT, fresh entry) only after a close or the same side's RST; otherwise sIG")
	void synAfterClose(String name, List<Seg> before, boolean reopened) {
		NatBench bench = new NatBench(KernelProfile.V6_X, KernelRandom.seeded(1));
		Packet syn = bench.open(ORIG, 1000, 0);
		bench.confirm(syn, 0);
		Conntrack old = syn.ct();
		long seq = 1001;
		for (Seg s : before.subList(1, before.size())) {
			bench.in((s.dir() == CtDir.ORIGINAL) ? ORIG : REPLY, s.flags(), seq++, 0);
		}
		TcpConntrackState closed = old.tcpState();
		bench.advance(1_000_000_000L);
		Packet again = bench.in(ORIG, SYN, 90_000, 1);
		if (reopened) {
			assertThat(again.in()).isInstanceOfSatisfying(ConntrackInResult.Created.class,
					(c) -> assertThat(c.reopened()).isSameAs(old));
			assertThat(old.removed()).isTrue();
			assertThat(again.ct()).isNotSameAs(old);
			assertThat(again.ct().tcpState()).isEqualTo(SYN_SENT);
			assertThat(again.ct().confirmed()).isFalse();
			assertThat(bench.stats().get(1, Counter.INVALID))
				.as("6.x: the -NF_REPEAT no longer counts invalid (830af2eba403, 5.17)")
				.isZero();
		}
		else {
			assertThat(again.in()).isInstanceOf(ConntrackInResult.Found.class);
			assertThat(again.ct()).isSameAs(old);
			assertThat(old.tcpState()).as("ignored: state unchanged").isEqualTo(closed);
			assertThat(old.removed()).isFalse();
			assertThat(bench.stats().get(1, Counter.INVALID)).isZero();
		}
	}

}
