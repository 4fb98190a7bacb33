package dev.racetrack.kernel;

import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.racetrack.kernel.conntrack.ConntrackStats;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The version table of src/docs/netfilter-races.md §4 (checklist items 9, 10, 12, 14):
 * each race, on each kernel profile, with the test itself interleaving two CPUs step by
 * step through {@code nf_conntrack_in}, the nat hooks, {@code nf_nat_packet} and
 * {@code __nf_conntrack_confirm}. The expected drop and counters come from the table,
 * never from the model.
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
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
		Races.Outcome outcome = switch (race) {
			case "tcp-snat" -> Races.tcpSnatRace(profile);
			case "race-1" -> Races.dnsRace1(profile);
			case "race-2" -> Races.dnsRace2(profile);
			case "race-3" -> Races.dnsRace3(profile);
			default -> throw new IllegalArgumentException(race);
		};
		assertThat(outcome.loser().dropped()).as("%s on %s dropped", race, kernel).isEqualTo(dropped);
		assertThat(outcome.winner().dropped()).as("the winner is never dropped").isFalse();
		Map<String, Long> loserCpu = outcome.harness().netfilter().stats().ofCpu(1);
		counters
			.forEach((name, value) -> assertThat(loserCpu.get(name)).as("%s on the losing CPU", name).isEqualTo(value));
		assertThat(outcome.harness().netfilter().stats().total(ConntrackStats.Counter.INSERT)).as("insert stays 0")
			.isZero();
		if (!dropped && race.equals("race-3")) {
			assertThat(outcome.harness().netfilter().table().confirmed()).anyMatch((ct) -> ct.clashEntry());
		}
	}

}
