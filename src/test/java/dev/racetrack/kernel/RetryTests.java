package dev.racetrack.kernel;

import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import dev.racetrack.kernel.KernelHarness.Flight;
import dev.racetrack.kernel.Races.Outcome;
import dev.racetrack.kernel.conntrack.ConfirmResult;
import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.conntrack.CtInfo;
import dev.racetrack.kernel.nat.NatSetup;
import dev.racetrack.kernel.nat.NatSetup.Step;
import dev.racetrack.kernel.packet.DnsMessage.QueryType;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.TcpFlags;
import dev.racetrack.kernel.packet.Tuple;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retries reuse the 5-tuple (checklist 13): a resolver's UDP retry, sent after the
 * winner's confirm, is found by {@code nf_conntrack_in} as the winner's entry and follows
 * its NAT (so it goes to the winner's endpoint: glibc's 5 s, musl's 2.5 s stall end
 * there); a TCP SYN retransmitted after a drop gets a fresh entry, which now sees the
 * winner in {@code nf_nat_used_tuple} and searches another port. The retransmission times
 * themselves (TCP_TIMEOUT_INIT, linear back-off) are the simulation's; the kernel profile
 * only says which back-off applies.
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
class RetryTests {

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("nf_conntrack_in: a UDP retry on the same socket after race 3 finds the winner's entry and follows its DNAT; no new entry, nothing to confirm (checklist 13)")
	void udpRetryFollowsTheWinner(KernelProfile profile) {
		Outcome race = Races.dnsRace3(profile);
		KernelHarness h = race.harness();
		Conntrack winner = race.winner().skb().ct();
		Tuple winnerEndpoint = winner.reply();
		int entries = h.netfilter().table().count();
		h.advance(5_000_000_000L - 1_000_000_000L);
		Flight retry = h.send(h.dns("10.40.0.17", 53378, QueryType.AAAA), 1);
		retry.through(0);
		assertThat(retry.skb().ct()).isSameAs(winner);
		assertThat(retry.skb().ctInfo()).as("no reply yet: still NEW").isEqualTo(CtInfo.NEW);
		retry.finish();
		assertThat(retry.dnat().setup()).isNull();
		assertThat(retry.skb().tuple().dstIp()).as("to the winner's endpoint").isEqualTo(winnerEndpoint.srcIp());
		assertThat(retry.confirmResult()).isInstanceOf(ConfirmResult.NotNeeded.class);
		assertThat(h.netfilter().table().count()).isEqualTo(entries);
	}

	static Stream<Arguments> tcpRetransmit() {
		return Stream.of(KernelProfile.values())
			.map((p) -> Arguments.of(p, p.has(KernelBehaviour.PORT_ROVER) ? 1024 : -1));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("tcpRetransmit")
	@DisplayName("get_unique_tuple: the SYN retransmitted after a SNAT drop gets a fresh entry, finds the winner's port taken and searches another; it confirms (checklist 13)")
	void tcpRetransmitGetsAnotherPort(KernelProfile profile, int expectedPort) {
		Outcome race = Races.tcpSnatRace(profile);
		KernelHarness h = race.harness();
		assertThat(race.loser().dropped()).isTrue();
		h.advance(1_000_000_000L);
		Tuple syn = Tuple.of(L4Proto.TCP, "10.40.0.18", 32000, KernelHarness.SERVER_IP, 80);
		Flight retransmit = h.send(h.tcp(syn, TcpFlags.SYN, 7), 1).through(0);
		assertThat(retransmit.skb().ct()).as("a fresh entry: the dropped one is gone").isNotNull();
		assertThat(race.loser().skb().ct()).isNull();
		retransmit.finish();
		NatSetup snat = retransmit.snat().setup();
		assertThat(snat.step()).isEqualTo(Step.PORT_SEARCHED);
		assertThat(snat.usedChecks()).as("step 3 found node:32000 taken by the winner").isEqualTo(1);
		assertThat(snat.chosen().srcPort()).isNotEqualTo(32000);
		if (expectedPort > 0) {
			assertThat(snat.chosen().srcPort()).as("4.17: the rover starts at 0").isEqualTo(expectedPort);
		}
		assertThat(retransmit.confirmResult()).isInstanceOf(ConfirmResult.Confirmed.class);
		assertThat(race.winner().skb().ct().removed()).isFalse();
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("tcp_syn_linear_timeouts: only the 6.x profile (>= 6.5) retransmits SYNs linearly, 1 s apart at first (checklist 13)")
	void linearSynBackoffOnlyOnSixX(KernelProfile profile) {
		assertThat(profile.has(KernelBehaviour.LINEAR_SYN_BACKOFF)).isEqualTo(profile == KernelProfile.V6_X);
	}

}
