package dev.racetrack.export;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import dev.racetrack.Golden;
import dev.racetrack.kernel.KernelHarness;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.KernelRandom;
import dev.racetrack.kernel.NatBench;
import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.Tuple;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConntrackListFormat}, against libnetfilter_conntrack's
 * {@code __snprintf_conntrack_default} (src/conntrack/snprintf_default.c) and the example
 * lines of src/docs/netfilter-races.md §5 (checklist 11, 15).
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
class ConntrackListFormatTests {

	@Test
	@DisplayName("conntrack -L, 5.6, race 3: the winner is listed exactly as §5's example; the clash entry is hidden (checklist 11)")
	void race3ListsOnlyTheWinnerOnFiveSix() {
		KernelHarness h = Scenarios.dnsRace3(KernelProfile.V5_6);
		h.advance(1_000_000_000L);
		assertThat(h.netfilter().table().confirmed()).as("winner and clash entry are both in the table").hasSize(2);
		String listing = ConntrackListFormat.format(h.netfilter().table(), h.now());
		Golden.assertMatches("conntrack-L-race3-5.6.txt", listing);
		assertThat(listing).isEqualTo("udp      17 29 src=10.40.0.17 dst=10.96.0.10 sport=53378 dport=53 [UNREPLIED] "
				+ "src=10.32.0.6 dst=10.40.0.17 sport=53 dport=53378 mark=0 use=1\n");
		assertThat(ConntrackListFormat.summary(1))
			.isEqualTo("conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n");
	}

	@Test
	@DisplayName("conntrack -L, 6.x: TCP state after the timeout, [ASSURED] after the reply tuple, [UNREPLIED] before it (checklist 15)")
	void tcpEntriesShowStateAndFlags() {
		KernelHarness h = Scenarios.tcpEstablishedAndUnreplied(KernelProfile.V6_X);
		Golden.assertMatches("conntrack-L-tcp-6.x.txt", ConntrackListFormat.format(h.netfilter().table(), h.now()));
	}

	@Test
	@DisplayName("ctnetlink_dump_table lists neither unconfirmed nor expired entries (checklist 1)")
	void unconfirmedAndExpiredEntriesAreNotListed() {
		NatBench bench = new NatBench(KernelProfile.V4_17, KernelRandom.seeded(1));
		Conntrack old = bench.occupy(Tuple.of(L4Proto.UDP, "10.40.0.17", 40000, "10.0.0.99", 53));
		bench.advance(29_000_000_000L);
		bench.open(Tuple.of(L4Proto.UDP, "10.40.0.18", 40000, "10.0.0.99", 53), 1);
		assertThat(ConntrackListFormat.listed(bench.table(), bench.now())).containsExactly(old);
		assertThat(ConntrackListFormat.line(old, bench.now())).startsWith("udp      17 1 src=10.40.0.17 ");
		bench.advance(1_000_000_000L);
		assertThat(ConntrackListFormat.listed(bench.table(), bench.now())).as("expired at 30 s").isEmpty();
		assertThat(ConntrackListFormat.format(bench.table(), bench.now())).isEmpty();
	}

	@Test
	@DisplayName("conntrack -L prints entries in id order and counts them in the stderr summary")
	void entriesAreInIdOrder() {
		NatBench bench = new NatBench(KernelProfile.V6_X, KernelRandom.seeded(1));
		Conntrack first = bench.occupy(Tuple.of(L4Proto.TCP, "10.40.0.17", 40000, "10.0.0.99", 80));
		Conntrack second = bench.occupy(Tuple.of(L4Proto.UDP, "10.40.0.17", 40001, "10.0.0.99", 53));
		List<Conntrack> listed = ConntrackListFormat.listed(bench.table(), bench.now());
		assertThat(listed).containsExactly(first, second);
		assertThat(ConntrackListFormat.format(bench.table(), bench.now()))
			.isEqualTo("tcp      6 120 SYN_SENT src=10.40.0.17 dst=10.0.0.99 sport=40000 dport=80 [UNREPLIED] "
					+ "src=10.0.0.99 dst=10.40.0.17 sport=80 dport=40000 mark=0 use=1\n"
					+ "udp      17 30 src=10.40.0.17 dst=10.0.0.99 sport=40001 dport=53 [UNREPLIED] "
					+ "src=10.0.0.99 dst=10.40.0.17 sport=53 dport=40001 mark=0 use=1\n");
		assertThat(ConntrackListFormat.summary(listed.size()))
			.isEqualTo("conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.\n");
	}

}
