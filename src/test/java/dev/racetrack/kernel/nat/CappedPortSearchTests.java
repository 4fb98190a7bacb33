package dev.racetrack.kernel.nat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import dev.racetrack.kernel.KernelBehaviour;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.NatBench;
import dev.racetrack.kernel.NatBench.Packet;
import dev.racetrack.kernel.ScriptedRandom;
import dev.racetrack.kernel.conntrack.ConfirmResult;
import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.conntrack.ConntrackInResult;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;
import dev.racetrack.kernel.conntrack.CtDir;
import dev.racetrack.kernel.conntrack.IpsStatus;
import dev.racetrack.kernel.conntrack.TcpConntrackState;
import dev.racetrack.kernel.nat.NatSetup.Step;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.TcpFlags;
import dev.racetrack.kernel.packet.Tuple;

import static dev.racetrack.kernel.NatBench.NODE;
import static dev.racetrack.kernel.NatBench.SERVER;
import static dev.racetrack.kernel.NatBench.tcp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@code nf_nat_l4proto_unique_tuple} after the rover: 6ed5943f8735 "nat:
 * remove l4 protocol port rovers" and a504b703bb1d "nat: limit port clash resolution
 * attempts" (5.0): a random start and rounds of 128, 64, 32, 16 and 8 tries, giving up
 * with the last, used, candidate (checklist 7); and 6.x's
 * {@code nf_nat_used_tuple_harder} ("snat: evict closing tcp entries on reply tuple
 * collision", 2023), which in the last {@code NF_NAT_HARDER_THRESH} = 32 tries of a round
 * lets a SYN_SENT entry evict a SNAT entry in TIME_WAIT or CLOSE whose sequence numbers
 * it has passed (checklist 8).
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
class CappedPortSearchTests {

	private static final String NODE_IP = Ipv4.format(NODE);

	private static NatRange ports(int min, int max) {
		return new NatRange(NatRange.MAP_IPS | NatRange.PROTO_SPECIFIED, NODE, NODE, min, max);
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(names = { "V4_19_STABLE", "V5_0", "V5_6", "V6_X" })
	@DisplayName("nf_nat_l4proto_unique_tuple 5.0+ and the 4.x stables of Feb 2022 (4.19.228): the start is prandom, there is no rover (checklist 7)")
	void searchStartsAtARandomOffset(KernelProfile profile) {
		ScriptedRandom random = new ScriptedRandom(9);
		NatBench bench = new NatBench(profile, random);
		bench.masqueradeAndConfirm(tcp("10.40.0.17", 40000, SERVER, 80), 0, 0);
		assertThat(random.draws()).as("step 3 kept the port: no randomness").isZero();
		random.next(0x1234_5678);
		Packet b = bench.open(tcp("10.40.0.18", 40000, SERVER, 80), 1000, 0);
		NatSetup setup = bench.masquerade(b, 0, 0);
		assertThat(setup.step()).isEqualTo(Step.PORT_SEARCHED);
		assertThat(setup.search())
			.isEqualTo(new PortSearch(1024 + 0x5678, true, 1, 1024 + 0x5678, "prandom", -1, -1, 1, -1));
		assertThat(bench.nat().rover(L4Proto.TCP)).isEqualTo(-1);
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(names = { "V4_19_STABLE", "V5_0", "V5_6", "V6_X" })
	@DisplayName("5.0+: two CPUs that both must search start at different random offsets; the rover race is gone (checklist 7)")
	void concurrentSearchesNoLongerShareAStart(KernelProfile profile) {
		ScriptedRandom random = new ScriptedRandom(9);
		NatBench bench = new NatBench(profile, random);
		bench.masqueradeAndConfirm(tcp("10.40.0.17", 40000, SERVER, 80), 0, 0);
		random.next(100, 200);
		Packet b = bench.open(tcp("10.40.0.18", 40000, SERVER, 80), 1000, 0);
		Packet c = bench.open(tcp("10.40.0.19", 40000, SERVER, 80), 1000, 1);
		assertThat(bench.masquerade(b, 0, 0).chosen().srcPort()).isEqualTo(1124);
		assertThat(bench.masquerade(c, 0, 1).chosen().srcPort()).isEqualTo(1224);
		assertThat(bench.confirm(b, 0)).isInstanceOf(ConfirmResult.Confirmed.class);
		assertThat(bench.confirm(c, 1)).isInstanceOf(ConfirmResult.Confirmed.class);
	}

	@Test
	@DisplayName("4.19.228 (the 4.x stables of Feb 2022): --random still starts at secure_port(saddr, daddr, dport), the same for every pod, with no rover and a capped search; 5.0+ starts --random at prandom (checklist 7)")
	void randomStillHashesOnTheFourXStables() {
		NatBench stable = new NatBench(KernelProfile.V4_19_STABLE, new ScriptedRandom(9));
		Packet a = stable.open(tcp("10.40.0.17", 40000, SERVER, 80), 1000, 0);
		PortSearch first = stable.masquerade(a, NatRange.PROTO_RANDOM, 0).search();
		Packet b = stable.open(tcp("10.40.0.18", 51000, SERVER, 80), 1000, 1);
		PortSearch second = stable.masquerade(b, NatRange.PROTO_RANDOM, 1).search();
		assertThat(first.offsetSource()).isEqualTo("secure_port");
		assertThat(second.firstPort()).as("one start for every pod").isEqualTo(first.firstPort());
		assertThat(stable.nat().rover(L4Proto.TCP)).as("no rover").isEqualTo(-1);
		NatBench five = new NatBench(KernelProfile.V5_0, new ScriptedRandom(9));
		Packet c = five.open(tcp("10.40.0.17", 40000, SERVER, 80), 1000, 0);
		assertThat(five.masquerade(c, NatRange.PROTO_RANDOM, 0).search().offsetSource()).isEqualTo("prandom");
	}

	static Stream<Arguments> exhaustedBigRange() {
		// kernel, found counted: 6.x's last 32 tries of each round use
		// nf_conntrack_find_get, which counts nothing
		return Stream.of(Arguments.of(KernelProfile.V4_19_STABLE, 248), Arguments.of(KernelProfile.V5_0, 248),
				Arguments.of(KernelProfile.V5_6, 248), Arguments.of(KernelProfile.V6_X, 96 + 32));
	}

	@ParameterizedTest(name = "{0}: found={1}")
	@MethodSource("exhaustedBigRange")
	@DisplayName("nf_nat_l4proto_unique_tuple 5.0+: at most 128+64+32+16+8 = 248 tries, then the last used candidate is kept and confirm drops (checklist 7)")
	void givesUpAfter248Tries(KernelProfile profile, int found) {
		ScriptedRandom random = new ScriptedRandom(9);
		NatBench bench = new NatBench(profile, random);
		for (int port = 2000; port < 2300; port++) {
			bench.occupy(tcp(NODE_IP, port, SERVER, 80));
		}
		random.next(0, 100, 200, 250, 290);
		Packet p = bench.open(tcp("10.40.0.17", 40000, SERVER, 80), 1000, 1);
		NatSetup setup = bench.snat(p, ports(2000, 2299), 1);
		// rounds: 2000+[0,128) 2100+[0,64) 2200+[0,32) 2250+[0,16) 2290+[0,8)
		assertThat(setup.search()).isEqualTo(new PortSearch(2297, false, 248, 2000, "prandom", -1, -1, 5, -1));
		assertThat(random.draws()).as("one start and four re-randomisations").isEqualTo(5);
		assertThat(bench.stats().get(1, Counter.FOUND)).isEqualTo(found);
		assertThat(bench.confirm(p, 1)).isInstanceOfSatisfying(ConfirmResult.Clash.class, (c) -> {
			assertThat(c.clashedOn()).isEqualTo(CtDir.REPLY);
			assertThat(c.dropped()).isTrue();
		});
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(names = { "V4_19_STABLE", "V5_0", "V5_6", "V6_X" })
	@DisplayName("nf_nat_l4proto_unique_tuple 5.0+: a range of at most 128 ports is tried once, from the random offset, then given up (checklist 7)")
	void smallRangeIsTriedOnce(KernelProfile profile) {
		ScriptedRandom random = new ScriptedRandom(9);
		NatBench bench = new NatBench(profile, random);
		for (int port = 2000; port <= 2003; port++) {
			bench.occupy(tcp(NODE_IP, port, SERVER, 80));
		}
		random.next(1);
		Packet p = bench.open(tcp("10.40.0.17", 40000, SERVER, 80), 1000, 1);
		NatSetup setup = bench.snat(p, ports(2000, 2003), 1);
		assertThat(setup.search()).isEqualTo(new PortSearch(2000, false, 4, 2001, "prandom", -1, -1, 1, -1));
		assertThat(random.draws()).isEqualTo(1);
	}

	/** How the 40 entries holding ports 2000..2039 look. */
	enum Holders {

		/** Masqueraded pods' connections, closed: TIME_WAIT with IPS_SRC_NAT. */
		SNAT_TIME_WAIT,

		/** Masqueraded pods' connections, still ESTABLISHED. */
		SNAT_ESTABLISHED,

		/** The node's own connections from those ports (no NAT), closed: TIME_WAIT. */
		LOCAL_TIME_WAIT

	}

	static Stream<Arguments> eviction() {
		// kernel, holders, new SYN's seq, chosen port, tries, evicts
		return Stream.of(Arguments.of(KernelProfile.V6_X, Holders.SNAT_TIME_WAIT, 5000L, 2008, 9, true),
				Arguments.of(KernelProfile.V6_X, Holders.SNAT_TIME_WAIT, 500L, 2039, 40, false),
				Arguments.of(KernelProfile.V6_X, Holders.SNAT_ESTABLISHED, 5000L, 2039, 40, false),
				Arguments.of(KernelProfile.V6_X, Holders.LOCAL_TIME_WAIT, 5000L, 2039, 40, false),
				Arguments.of(KernelProfile.V5_6, Holders.SNAT_TIME_WAIT, 5000L, 2039, 40, false),
				Arguments.of(KernelProfile.V5_0, Holders.SNAT_TIME_WAIT, 5000L, 2039, 40, false));
	}

	@ParameterizedTest(name = "{0}, {1}, seq {2}: port {3} after {4} tries, evicts={5}")
	@MethodSource("eviction")
	@DisplayName("nf_nat_used_tuple_harder 6.x: in the last 32 tries a SYN evicts a passed SNAT entry in TIME_WAIT, and only then (checklist 8)")
	void timeWaitEvictionInTheLast32Tries(KernelProfile profile, Holders holders, long seq, int port, int tries,
			boolean evicts) {
		ScriptedRandom random = new ScriptedRandom(9);
		NatBench bench = new NatBench(profile, random);
		List<Conntrack> holding = new ArrayList<>();
		for (int k = 0; k < 40; k++) {
			holding.add(hold(bench, holders, k));
		}
		assertThat(holding).allSatisfy((ct) -> assertThat(ct.tcpState()).isEqualTo(
				(holders == Holders.SNAT_ESTABLISHED) ? TcpConntrackState.ESTABLISHED : TcpConntrackState.TIME_WAIT));

		random.next(0);
		Packet syn = bench.open(tcp("10.40.2.1", 4000, SERVER, 80), seq, 1);
		NatSetup setup = bench.snat(syn, ports(2000, 2039), 1);

		Conntrack victim = holding.get(8);
		assertThat(setup.search().port()).isEqualTo(port);
		assertThat(setup.search().tries()).isEqualTo(tries);
		assertThat(setup.search().free()).isEqualTo(evicts);
		assertThat(setup.search().evictedCtId()).isEqualTo(evicts ? victim.id() : -1);
		assertThat(victim.removed()).isEqualTo(evicts);
		assertThat(holding.subList(0, 8)).as("the first 8 of 40 tries are plain nf_nat_used_tuple")
			.noneMatch(Conntrack::removed);
		assertThat(bench.stats().get(1, Counter.FOUND)).as("found counts the plain tries that hit")
			.isEqualTo(profile.has(KernelBehaviour.EVICT_TIME_WAIT) ? 8 : 40);
		ConfirmResult confirmed = bench.confirm(syn, 1);
		assertThat(confirmed instanceof ConfirmResult.Confirmed).isEqualTo(evicts);
	}

	/** An entry holding reply tuple (server:80 -> node:2000+k), in the given state. */
	private static Conntrack hold(NatBench bench, Holders holders, int k) {
		int natPort = 2000 + k;
		Tuple orig = (holders == Holders.LOCAL_TIME_WAIT) ? tcp(NODE_IP, natPort, SERVER, 80)
				: tcp("10.40.1." + k, 3000, SERVER, 80);
		Packet syn = bench.open(orig, 1000, 0);
		if (holders != Holders.LOCAL_TIME_WAIT) {
			bench.snat(syn, ports(natPort, natPort), 0);
			assertThat(syn.ct().has(IpsStatus.SRC_NAT)).isTrue();
		}
		assertThat(bench.confirm(syn, 0)).isInstanceOf(ConfirmResult.Confirmed.class);
		Tuple reply = tcp(SERVER, 80, NODE_IP, natPort);
		step(bench, reply, TcpFlags.SYN | TcpFlags.ACK, 7000);
		step(bench, orig, TcpFlags.ACK, 1001);
		if (holders != Holders.SNAT_ESTABLISHED) {
			step(bench, orig, TcpFlags.FIN | TcpFlags.ACK, 1001);
			step(bench, reply, TcpFlags.FIN | TcpFlags.ACK, 7001);
			step(bench, orig, TcpFlags.ACK, 1002);
		}
		return syn.ct();
	}

	private static void step(NatBench bench, Tuple tuple, int flags, long seq) {
		assertThat(bench.in(tuple, flags, seq, 0).in()).isInstanceOf(ConntrackInResult.Found.class);
	}

	@Test
	@DisplayName("nf_nat_used_tuple_harder 6.x: a UDP search never evicts; it is plain nf_nat_used_tuple to the end (checklist 8)")
	void udpNeverEvicts() {
		ScriptedRandom random = new ScriptedRandom(9);
		NatBench bench = new NatBench(KernelProfile.V6_X, random);
		for (int port = 2000; port <= 2003; port++) {
			bench.occupy(Tuple.of(L4Proto.UDP, NODE_IP, port, SERVER, 53));
		}
		random.next(0);
		Packet p = bench.open(Tuple.of(L4Proto.UDP, "10.40.0.17", 40000, SERVER, 53), 1);
		NatSetup setup = bench.snat(p, ports(2000, 2003), 1);
		assertThat(setup.search().free()).isFalse();
		assertThat(setup.search().evictedCtId()).isEqualTo(-1);
		assertThat(bench.stats().get(1, Counter.FOUND)).as("every try counted").isEqualTo(4);
	}

}
