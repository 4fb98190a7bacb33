package dev.racetrack.export;

import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.racetrack.Golden;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.conntrack.ConntrackStats;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConntrackStatsFormat}: conntrack-tools' {@code nfct_stats_cb}
 * (src/conntrack.c) over the attributes of {@code ctnetlink_ct_stat_cpu_fill_info} in
 * each kernel (checklist 15).
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
class ConntrackStatsFormatTests {

	@Test
	@DisplayName("conntrack -S, 4.x: reproduces the published line of snat-race-conn-test, trailing blank included (checklist 15)")
	void reproducesAPublishedFourXLine() {
		ConntrackStats stats = new ConntrackStats(1);
		add(stats, Counter.FOUND, 4601);
		add(stats, Counter.INVALID, 2157);
		add(stats, Counter.INSERT_FAILED, 74);
		add(stats, Counter.DROP, 74);
		add(stats, Counter.SEARCH_RESTART, 100);
		assertThat(ConntrackStatsFormat.format(KernelProfile.V4_19, stats))
			.isEqualTo("cpu=0   \tfound=4601 invalid=2157 ignore=0 insert=0 insert_failed=74 drop=74 early_drop=0 "
					+ "error=0 search_restart=100 \n");
	}

	static Stream<Arguments> attributesByKernel() {
		String old = "found invalid ignore insert insert_failed drop early_drop error search_restart";
		String now = "found invalid insert insert_failed drop early_drop error search_restart clash_resolve chaintoolong";
		return Stream.of(Arguments.of("4.17", old), Arguments.of("4.19", old), Arguments.of("5.0", old),
				Arguments.of("5.6", old), Arguments.of("6.x", now));
	}

	@ParameterizedTest(name = "{0}: {1}")
	@MethodSource("attributesByKernel")
	@DisplayName("ctnetlink_ct_stat_cpu_fill_info: the attributes each kernel sends, in CTA_STATS_* order (checklist 15)")
	void attributesFollowTheKernel(String kernel, String names) {
		KernelProfile profile = KernelProfile.fromId(kernel).orElseThrow();
		assertThat(ConntrackStatsFormat.attributes(profile).stream().map(Counter::label))
			.containsExactly(names.split(" "));
	}

	@Test
	@DisplayName("conntrack -S, 4.17: after the XING race and a third pod, insert=0 (golden) (checklist 15)")
	void tcpRaceOnFourSeventeen() {
		Golden.assertMatches("conntrack-S-tcp-race-4.17.txt", ConntrackStatsFormat.format(KernelProfile.V4_17,
				Scenarios.tcpRaceThenThirdPod(KernelProfile.V4_17).netfilter().stats()));
	}

	@Test
	@DisplayName("conntrack -S, 6.x: after the XING race and a third pod, insert=0 (golden) (checklist 15)")
	void tcpRaceOnSixX() {
		Golden.assertMatches("conntrack-S-tcp-race-6.x.txt", ConntrackStatsFormat.format(KernelProfile.V6_X,
				Scenarios.tcpRaceThenThirdPod(KernelProfile.V6_X).netfilter().stats()));
	}

	@Test
	@DisplayName("conntrack -S, 6.x: race 1 is a clash_resolve on the losing CPU, no insert_failed (golden)")
	void race1OnSixX() {
		Golden.assertMatches("conntrack-S-race1-6.x.txt", ConntrackStatsFormat.format(KernelProfile.V6_X,
				Scenarios.dnsRace1(KernelProfile.V6_X).netfilter().stats()));
	}

	@Test
	@DisplayName("conntrack -S prints %-4u: the CPU number is padded to four columns before the tab")
	void cpuNumbersArePadded() {
		ConntrackStats stats = new ConntrackStats(12);
		String[] lines = ConntrackStatsFormat.format(KernelProfile.V6_X, stats).split("\n");
		assertThat(lines).hasSize(12);
		assertThat(lines[0]).startsWith("cpu=0   \tfound=0 ");
		assertThat(lines[11]).startsWith("cpu=11  \tfound=0 ").endsWith("chaintoolong=0 ");
	}

	@Test
	@DisplayName("ip_conntrack_stat counters are unsigned int: printed modulo 2^32")
	void countersAreUnsigned32Bit() {
		assertThat(ConntrackStatsFormat.u32(0x1_0000_0005L)).isEqualTo(5);
		assertThat(ConntrackStatsFormat.u32(0xffff_ffffL)).isEqualTo(4_294_967_295L);
	}

	static void add(ConntrackStats stats, Counter counter, int n) {
		for (int i = 0; i < n; i++) {
			stats.inc(0, counter);
		}
	}

}
