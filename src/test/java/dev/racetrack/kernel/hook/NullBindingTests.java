package dev.racetrack.kernel.hook;

import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import dev.racetrack.kernel.KernelHarness;
import dev.racetrack.kernel.KernelHarness.Flight;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.KernelRandom;
import dev.racetrack.kernel.conntrack.ConfirmResult;
import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.conntrack.IpsStatus;
import dev.racetrack.kernel.iptables.Table;
import dev.racetrack.kernel.nat.ManipType;
import dev.racetrack.kernel.nat.NatSetup;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.TcpFlags;
import dev.racetrack.kernel.packet.Tuple;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the hooks of {@link Netfilter}: {@code nf_conntrack_in} at PREROUTING −200
 * leaves a new entry unconfirmed on its CPU until {@code ipv4_confirm} at POSTROUTING
 * {@code INT_MAX} (checklist 1), and {@code nf_nat_inet_fn} gives every new entry both
 * NAT_DONE bits, through a rule or {@code nf_nat_alloc_null_binding} when no rule matches
 * (net/netfilter/nf_nat_core.c) (checklist 2).
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
class NullBindingTests {

	static Stream<Arguments> flows() {
		return Stream.of(KernelProfile.values())
			.flatMap((p) -> Stream.of(Arguments.of(p, Tuple.of(L4Proto.UDP, "10.40.0.17", 53378, "10.0.0.99", 53)),
					Arguments.of(p, Tuple.of(L4Proto.TCP, "10.40.0.17", 32000, "10.0.0.99", 80))));
	}

	@ParameterizedTest(name = "{0}: {1}")
	@MethodSource("flows")
	@DisplayName("nf_nat_inet_fn: with an empty nat table every new entry still gets SRC_NAT_DONE and DST_NAT_DONE via nf_nat_alloc_null_binding (checklist 2)")
	void nullBindingsSetNatDone(KernelProfile profile, Tuple tuple) {
		KernelHarness h = new KernelHarness(profile, 2, Table.nat(), 65_536, KernelRandom.seeded(1));
		Flight f = h.send((tuple.proto() == L4Proto.TCP) ? h.tcp(tuple, TcpFlags.SYN, 1) : h.udp(tuple), 0);
		f.through(1);
		NatSetup dst = f.dnat().setup();
		assertThat(dst.nullBinding()).isTrue();
		assertThat(dst.manip()).isEqualTo(ManipType.DST);
		assertThat(f.dnat().traversal().verdict()).as("no rule matched").isNull();
		f.finish();
		NatSetup src = f.snat().setup();
		assertThat(src.nullBinding()).isTrue();
		assertThat(src.manip()).isEqualTo(ManipType.SRC);
		Conntrack ct = f.skb().ct();
		assertThat(ct.has(IpsStatus.SRC_NAT_DONE | IpsStatus.DST_NAT_DONE)).isTrue();
		assertThat(ct.status() & IpsStatus.NAT_MASK).as("nothing was rewritten").isZero();
		assertThat(ct.reply()).isEqualTo(tuple.invert());
		assertThat(f.confirmResult()).isInstanceOf(ConfirmResult.Confirmed.class);
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("nf_nat_inet_fn: a NEW packet of an entry whose NAT is done sets nothing up again")
	void secondPacketReusesTheBinding(KernelProfile profile) {
		KernelHarness h = new KernelHarness(profile, 2, Table.nat(), 65_536, KernelRandom.seeded(1));
		Tuple t = Tuple.of(L4Proto.UDP, "10.40.0.17", 53378, "10.0.0.99", 53);
		Flight first = h.send(h.udp(t), 0).finish();
		Flight second = h.send(h.udp(t), 1).finish();
		assertThat(second.skb().ct()).isSameAs(first.skb().ct());
		assertThat(second.dnat().setup()).isNull();
		assertThat(second.dnat().note()).isEqualTo("binding already set up for this entry");
		assertThat(second.snat().setup()).isNull();
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("nf_conntrack_in at PREROUTING -200: the new entry waits on its CPU's unconfirmed list, invisible to the other CPU, until confirm at POSTROUTING INT_MAX (checklist 1)")
	void unconfirmedUntilPostrouting(KernelProfile profile) {
		KernelHarness h = new KernelHarness(profile, 2, Table.nat(), 65_536, KernelRandom.seeded(1));
		Tuple t = Tuple.of(L4Proto.UDP, "10.40.0.17", 53378, "10.0.0.99", 53);
		Flight a = h.send(h.udp(t), 0).through(3);
		Conntrack ct = a.skb().ct();
		assertThat(ct.confirmed()).as("still unconfirmed after nf_nat_packet").isFalse();
		assertThat(h.netfilter().table().unconfirmed(0)).containsExactly(ct);
		assertThat(h.netfilter().find(t, h.now())).isNull();

		Flight b = h.send(h.udp(t), 1).through(0);
		assertThat(b.skb().ct()).as("CPU 1 cannot see it and allocates its own").isNotSameAs(ct);
		assertThat(h.netfilter().table().unconfirmed(1)).containsExactly(b.skb().ct());

		a.finish();
		assertThat(ct.confirmed()).isTrue();
		assertThat(h.netfilter().find(t, h.now()).ct()).isSameAs(ct);
		assertThat(h.netfilter().table().unconfirmed(0)).isEmpty();
		Flight c = h.send(h.udp(t), 1).through(0);
		assertThat(c.skb().ct()).as("once confirmed, CPU 1 finds it").isSameAs(ct);
	}

}
