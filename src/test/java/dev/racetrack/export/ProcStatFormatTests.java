package dev.racetrack.export;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import dev.racetrack.Golden;
import dev.racetrack.kernel.KernelHarness;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.conntrack.ConntrackStats;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ProcStatFormat}: {@code ct_cpu_seq_show} in
 * net/netfilter/nf_conntrack_standalone.c, before 5.10 and in 6.x (checklist 15).
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
class ProcStatFormatTests {

	@Test
	@DisplayName("ct_cpu_seq_show 4.17: searched header, 17 %08x fields with the kernel's double blanks (golden) (checklist 15)")
	void tcpRaceOnFourSeventeen() {
		KernelHarness h = Scenarios.tcpRaceThenThirdPod(KernelProfile.V4_17);
		Golden.assertMatches("proc-net-stat-nf_conntrack-tcp-race-4.17.txt",
				ProcStatFormat.format(KernelProfile.V4_17, h.netfilter().stats(), h.netfilter().table().count()));
	}

	@Test
	@DisplayName("ct_cpu_seq_show 6.x: clashres/chainlength header (golden) (checklist 15)")
	void tcpRaceOnSixX() {
		KernelHarness h = Scenarios.tcpRaceThenThirdPod(KernelProfile.V6_X);
		Golden.assertMatches("proc-net-stat-nf_conntrack-tcp-race-6.x.txt",
				ProcStatFormat.format(KernelProfile.V6_X, h.netfilter().stats(), h.netfilter().table().count()));
	}

	@Test
	@DisplayName("ct_cpu_seq_show 6.x: race 1 shows in clashres on the losing CPU; entries is the global count on every line (golden)")
	void race1OnSixX() {
		KernelHarness h = Scenarios.dnsRace1(KernelProfile.V6_X);
		Golden.assertMatches("proc-net-stat-nf_conntrack-race1-6.x.txt",
				ProcStatFormat.format(KernelProfile.V6_X, h.netfilter().stats(), h.netfilter().table().count()));
	}

	@Test
	@DisplayName("ct_cpu_seq_show: ignore is st->ignore before 5.10 and 0 after; chainlength is st->chaintoolong")
	void columnsFollowTheEra() {
		ConntrackStats stats = new ConntrackStats(1);
		stats.inc(0, Counter.IGNORE);
		stats.inc(0, Counter.CHAINTOOLONG);
		stats.inc(0, Counter.CHAINTOOLONG);
		stats.inc(0, Counter.ERROR);
		String[] old = ProcStatFormat.format(KernelProfile.V5_6, stats, 300).split("\n")[1].split(" +");
		String[] now = ProcStatFormat.format(KernelProfile.V6_X, stats, 300).split("\n")[1].split(" +");
		assertThat(old).hasSize(17);
		assertThat(now).hasSize(17);
		assertThat(old[0]).isEqualTo("0000012c");
		assertThat(old[5]).as("ignore, 5.6").isEqualTo("00000001");
		assertThat(old[7]).as("delete_list, 5.6").isEqualTo("00000000");
		assertThat(now[5]).as("ignore, 6.x").isEqualTo("00000000");
		assertThat(now[7]).as("chainlength, 6.x").isEqualTo("00000002");
		assertThat(old[12]).as("icmp_error is st->error").isEqualTo("00000001");
	}

	@Test
	@DisplayName("ct_cpu_seq_show's format string: two blanks after entries and before expect_new, newline-terminated")
	void rowLayout() {
		String text = ProcStatFormat.format(KernelProfile.V6_X, new ConntrackStats(2), 7);
		String[] lines = text.split("\n", -1);
		assertThat(lines).hasSize(4);
		assertThat(lines[0]).isEqualTo(ProcStatFormat.HEADER_6);
		assertThat(lines[3]).isEmpty();
		assertThat(lines[1]).matches("[0-9a-f]{8}  ([0-9a-f]{8} ){11}[0-9a-f]{8}  ([0-9a-f]{8} ){3}[0-9a-f]{8}")
			.startsWith("00000007  ");
		assertThat(ProcStatFormat.header(KernelProfile.V4_17)).isEqualTo(ProcStatFormat.HEADER_UNTIL_5_9);
	}

}
