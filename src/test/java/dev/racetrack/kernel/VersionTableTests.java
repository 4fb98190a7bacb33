package dev.racetrack.kernel;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.racetrack.kernel.KernelHarness.Flight;
import dev.racetrack.kernel.conntrack.ConntrackStats;
import dev.racetrack.kernel.packet.DnsMessage.QueryType;
import dev.racetrack.kernel.packet.Ipv4;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The version table of netfilter-races.md §4 (checklist items 9, 10, 12, 14): each race,
 * on each kernel profile, with the test itself interleaving two CPUs step by step through
 * {@code nf_conntrack_in}, the nat hooks, {@code nf_nat_packet} and
 * {@code __nf_conntrack_confirm}. The expected drop and counters come from the table,
 * never from the model.
 */
class VersionTableTests {

	static Stream<Arguments> table() {
		return Stream.of(
				// race, kernel, dropped, counters on the losing CPU
				row("tcp-snat", "4.17", true, "insert_failed", 1, "drop", 1),
				row("tcp-snat", "4.19", true, "insert_failed", 1, "drop", 1),
				row("tcp-snat", "5.0", true, "insert_failed", 1, "drop", 1),
				row("tcp-snat", "5.6", true, "insert_failed", 1, "drop", 1),
				row("tcp-snat", "6.x", true, "insert_failed", 1, "drop", 1),
				row("race-1", "4.17", true, "insert_failed", 1, "drop", 1),
				row("race-1", "4.19", false, "insert_failed", 1, "drop", 0),
				row("race-1", "5.0", false, "insert_failed", 1, "drop", 0),
				row("race-1", "5.6", false, "insert_failed", 1, "drop", 0),
				row("race-1", "6.x", false, "clash_resolve", 1, "insert_failed", 0),
				row("race-2", "4.17", true, "insert_failed", 1, "drop", 1),
				row("race-2", "4.19", true, "insert_failed", 1, "drop", 1),
				row("race-2", "5.0", false, "insert_failed", 1, "drop", 0),
				row("race-2", "5.6", false, "insert_failed", 1, "drop", 0),
				row("race-2", "6.x", false, "clash_resolve", 1, "insert_failed", 0),
				row("race-3", "4.17", true, "insert_failed", 1, "drop", 1),
				row("race-3", "4.19", true, "insert_failed", 1, "drop", 1),
				row("race-3", "5.0", true, "insert_failed", 1, "drop", 1),
				row("race-3", "5.6", false, "insert_failed", 0, "drop", 0),
				row("race-3", "6.x", false, "clash_resolve", 1, "insert_failed", 0));
	}

	private static Arguments row(String race, String kernel, boolean dropped, String c1, int v1, String c2, int v2) {
		return Arguments.of(race, kernel, dropped, Map.of(c1, (long) v1, c2, (long) v2));
	}

	@ParameterizedTest(name = "{0} on {1}: dropped={2}, {3}")
	@DisplayName("__nf_conntrack_confirm and nf_ct_resolve_clash, 4.17 to 6.x: each race's drop and counters follow §4's table; insert stays 0 (checklist 9, 10, 12, 14, 15)")
	@MethodSource("table")
	void raceOutcomeFollowsTheVersionTable(String race, String kernel, boolean dropped, Map<String, Long> counters) {
		KernelProfile profile = KernelProfile.fromId(kernel).orElseThrow();
		Outcome outcome = switch (race) {
			case "tcp-snat" -> tcpSnatRace(profile);
			case "race-1" -> dnsRace1(profile);
			case "race-2" -> dnsRace2(profile);
			case "race-3" -> dnsRace3(profile);
			default -> throw new IllegalArgumentException(race);
		};
		assertThat(outcome.loser.dropped()).as("%s on %s dropped", race, kernel).isEqualTo(dropped);
		assertThat(outcome.winner.dropped()).as("the winner is never dropped").isFalse();
		Map<String, Long> loserCpu = outcome.harness.netfilter().stats().ofCpu(1);
		counters
			.forEach((name, value) -> assertThat(loserCpu.get(name)).as("%s on the losing CPU", name).isEqualTo(value));
		assertThat(outcome.harness.netfilter().stats().total(ConntrackStats.Counter.INSERT)).as("insert stays 0")
			.isZero();
		if (!dropped && race.equals("race-3")) {
			assertThat(outcome.harness.netfilter().table().confirmed()).anyMatch((ct) -> ct.clashEntry());
		}
	}

	record Outcome(KernelHarness harness, Flight winner, Flight loser) {
	}

	/**
	 * Two pods, same source port, same server, SNAT chosen on both CPUs before either
	 * confirms.
	 */
	static Outcome tcpSnatRace(KernelProfile profile) {
		KernelHarness h = KernelHarness.masquerade(profile, "default");
		Flight a = h.send(h.syn("10.40.0.17", 32000), 0);
		Flight b = h.send(h.syn("10.40.0.18", 32000), 1);
		a.through(2);
		b.through(2);
		a.finish();
		b.finish();
		return new Outcome(h, a, b);
	}

	/**
	 * Race 1: A and AAAA from one socket; both entries get their NAT before either
	 * confirms.
	 */
	static Outcome dnsRace1(KernelProfile profile) {
		KernelHarness h = new KernelHarness(profile, 0, 2, List.of("10.32.0.6"), 1);
		Flight a = h.send(h.dns("10.40.0.17", 53378, QueryType.A), 0);
		Flight aaaa = h.send(h.dns("10.40.0.17", 53378, QueryType.AAAA), 1);
		a.through(3);
		aaaa.through(3);
		a.finish();
		aaaa.finish();
		return new Outcome(h, a, aaaa);
	}

	/**
	 * Race 2: AAAA's entry is created before A's confirm, but its SNAT null binding runs
	 * after it, sees A's reply tuple taken and (before 5.0) moves to another port.
	 */
	static Outcome dnsRace2(KernelProfile profile) {
		KernelHarness h = new KernelHarness(profile, 0, 2, List.of("10.32.0.6"), 1);
		Flight a = h.send(h.dns("10.40.0.17", 53378, QueryType.A), 0);
		Flight aaaa = h.send(h.dns("10.40.0.17", 53378, QueryType.AAAA), 1);
		a.through(1);
		aaaa.through(1);
		a.finish();
		aaaa.finish();
		if (!profile.sameOriginSkip()) {
			assertThat(aaaa.snat().setup().chosen().srcPort()).as("race 2 changes the source port").isNotEqualTo(53378);
		}
		return new Outcome(h, a, aaaa);
	}

	/**
	 * Race 3: as race 1, but kube-proxy's statistic match sends A and AAAA to different
	 * endpoints.
	 */
	static Outcome dnsRace3(KernelProfile profile) {
		for (long seed = 1; seed < 64; seed++) {
			KernelHarness h = new KernelHarness(profile, 0, 2, List.of("10.32.0.6", "10.32.0.7"), seed);
			Flight a = h.send(h.dns("10.40.0.17", 53378, QueryType.A), 0);
			Flight aaaa = h.send(h.dns("10.40.0.17", 53378, QueryType.AAAA), 1);
			a.through(1);
			aaaa.through(1);
			if (a.skb().tuple().dstIp() == aaaa.skb().tuple().dstIp()) {
				continue;
			}
			assertThat(List.of(Ipv4.format(a.skb().tuple().dstIp()), Ipv4.format(aaaa.skb().tuple().dstIp())))
				.containsExactlyInAnyOrder("10.32.0.6", "10.32.0.7");
			a.finish();
			aaaa.finish();
			return new Outcome(h, a, aaaa);
		}
		assumeTrue(false, "no seed below 64 picked two endpoints");
		return null;
	}

}
