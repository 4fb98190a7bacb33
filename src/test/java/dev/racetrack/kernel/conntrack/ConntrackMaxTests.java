package dev.racetrack.kernel.conntrack;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.racetrack.kernel.KernelHarness;
import dev.racetrack.kernel.KernelHarness.Flight;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.KernelRandom;
import dev.racetrack.kernel.NatBench;
import dev.racetrack.kernel.NatBench.Packet;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.kernel.packet.DnsMessage.QueryType;
import dev.racetrack.kernel.packet.Tuple;

import static dev.racetrack.kernel.NatBench.SERVER;
import static dev.racetrack.kernel.NatBench.udp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@code nf_conntrack_max} in {@code __nf_conntrack_alloc}
 * (net/netfilter/nf_conntrack_core.c): over the limit, {@code early_drop} evicts a
 * confirmed entry that is not ASSURED and counts {@code early_drop}; if none can go, the
 * allocation fails and {@code nf_conntrack_in} counts {@code drop} ("table full, dropping
 * packet"). The kernel only scans a few buckets near the new tuple's hash; the model
 * evicts the oldest non-ASSURED entry of the whole table.
 */
class ConntrackMaxTests {

	private static Conntrack assuredUdp(NatBench bench, Tuple orig) {
		Packet p = bench.open(orig, 0);
		bench.confirm(p, 0);
		bench.in(orig.invert(), 0, 0, 0);
		bench.advance(2_500_000_000L);
		bench.in(orig, 0, 0, 0);
		assertThat(p.ct().has(IpsStatus.ASSURED)).isTrue();
		return p.ct();
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("__nf_conntrack_alloc over nf_conntrack_max: early_drop evicts a non-ASSURED entry, early_drop++")
	void earlyDropEvictsANonAssuredEntry(KernelProfile profile) {
		NatBench bench = new NatBench(profile, 2, 2, KernelRandom.seeded(1));
		Conntrack assured = assuredUdp(bench, udp("10.40.0.17", 40000, SERVER, 53));
		Conntrack unreplied = bench.occupy(udp("10.40.0.17", 40001, SERVER, 53));
		Packet third = bench.in(udp("10.40.0.17", 40002, SERVER, 53), 0, 0, 1);
		assertThat(third.in()).isInstanceOfSatisfying(ConntrackInResult.Created.class,
				(c) -> assertThat(c.earlyDropped()).isSameAs(unreplied));
		assertThat(unreplied.removed()).isTrue();
		assertThat(assured.removed()).isFalse();
		assertThat(bench.stats().get(1, Counter.EARLY_DROP)).isEqualTo(1);
		assertThat(bench.stats().get(1, Counter.DROP)).isZero();
		assertThat(bench.table().count()).isEqualTo(2);
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("__nf_conntrack_alloc over nf_conntrack_max: with only ASSURED or unconfirmed entries nothing is evicted; nf_conntrack_in drops, drop++")
	void fullTableWithoutVictimsDrops(KernelProfile profile) {
		NatBench bench = new NatBench(profile, 2, 2, KernelRandom.seeded(1));
		assuredUdp(bench, udp("10.40.0.17", 40000, SERVER, 53));
		bench.open(udp("10.40.0.17", 40001, SERVER, 53), 1);
		Packet third = bench.in(udp("10.40.0.17", 40002, SERVER, 53), 0, 0, 1);
		assertThat(third.in()).isInstanceOf(ConntrackInResult.TableFull.class);
		assertThat(third.skb().ct()).isNull();
		assertThat(bench.stats().get(1, Counter.DROP)).isEqualTo(1);
		assertThat(bench.stats().get(1, Counter.EARLY_DROP)).isZero();
		assertThat(bench.table().count()).isEqualTo(2);
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("nf_conntrack_max through the hooks: the dropped flight is counted in drop, and the counters still agree with the flights")
	void tableFullThroughTheHooks(KernelProfile profile) {
		KernelHarness h = new KernelHarness(profile, 2,
				KernelHarness.kubernetesNode(SnatMode.DEFAULT, List.of("10.32.0.6")), 1, KernelRandom.seeded(1));
		Flight a = h.send(h.dns("10.40.0.17", 40000, QueryType.A), 0).through(0);
		Flight b = h.send(h.dns("10.40.0.17", 40001, QueryType.A), 1).finish();
		assertThat(b.dropped()).isTrue();
		a.finish();
		assertThat(a.dropped()).isFalse();
		assertThat(h.netfilter().stats().get(1, Counter.DROP)).isEqualTo(1);
		assertThat(h.outcomes().dropped()).isEqualTo(1);
	}

}
