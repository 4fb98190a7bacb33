package dev.racetrack.kernel.nat;

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
import dev.racetrack.kernel.ScriptedRandom;
import dev.racetrack.kernel.conntrack.ConfirmResult;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;
import dev.racetrack.kernel.conntrack.CtDir;
import dev.racetrack.kernel.nat.NatSetup.Step;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.L4Proto;

import static dev.racetrack.kernel.NatBench.NODE;
import static dev.racetrack.kernel.NatBench.SERVER;
import static dev.racetrack.kernel.NatBench.tcp;
import static dev.racetrack.kernel.NatBench.udp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@code nf_nat_l4proto_unique_tuple} as it was in 4.17
 * (net/netfilter/nf_nat_proto_common.c, with {@code static u16 tcp_port_rover} in
 * nf_nat_proto_tcp.c and {@code udp_port_rover} in nf_nat_proto_udp.c): the default
 * offset is the shared per-protocol rover, written back as the chosen {@code off};
 * {@code --random} starts at {@code secure_port}; {@code --random-fully} at
 * {@code prandom_u32()}; the walk is linear and uncapped (checklist 5, 6).
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
class PortRover417Tests {

	private static final String NODE_IP = Ipv4.format(NODE);

	private final NatBench bench = new NatBench(KernelProfile.V4_17, KernelRandom.seeded(1));

	/** A pod's SYN from {@code sport}, masqueraded on a CPU, not yet confirmed. */
	private Packet masqueradedSyn(String pod, int sport, int flags, int cpu) {
		Packet p = this.bench.open(tcp(pod, sport, SERVER, 80), 1000, cpu);
		this.bench.masquerade(p, flags, cpu);
		return p;
	}

	private PortSearch search(String pod, int sport, int cpu) {
		Packet p = this.bench.open(tcp(pod, sport, SERVER, 80), 1000, cpu);
		NatSetup setup = this.bench.masquerade(p, 0, cpu);
		assertThat(setup.step()).isEqualTo(Step.PORT_SEARCHED);
		assertThat(this.bench.confirm(p, cpu)).isInstanceOf(ConfirmResult.Confirmed.class);
		return setup.search();
	}

	@Test
	@DisplayName("nf_nat_l4proto_unique_tuple 4.17: the rover is written back as the chosen offset, so the next search starts AT the last chosen port (checklist 5)")
	void roverIsWrittenBackAsTheChosenOffset() {
		this.bench.masqueradeAndConfirm(tcp("10.40.0.17", 40000, SERVER, 80), 0, 0);
		assertThat(this.bench.nat().rover(L4Proto.TCP)).isZero();

		PortSearch b = search("10.40.0.18", 40000, 0);
		assertThat(b).isEqualTo(new PortSearch(1024, true, 1, 1024, "rover", 0, 0, 1, -1));

		PortSearch c = search("10.40.0.19", 40000, 0);
		assertThat(c).isEqualTo(new PortSearch(1025, true, 2, 1024, "rover", 0, 1, 1, -1));

		PortSearch d = search("10.40.0.20", 40000, 0);
		assertThat(d.firstPort()).as("the search starts at the port chosen last time").isEqualTo(1025);
		assertThat(d).isEqualTo(new PortSearch(1026, true, 2, 1025, "rover", 1, 2, 1, -1));
		assertThat(this.bench.nat().rover(L4Proto.TCP)).isEqualTo(2);
	}

	@Test
	@DisplayName("nf_nat_l4proto_unique_tuple 4.17: one rover per protocol, shared by every CPU (checklist 5)")
	void roverIsPerProtocolAndSharedByCpus() {
		this.bench.masqueradeAndConfirm(tcp("10.40.0.17", 40000, SERVER, 80), 0, 0);
		search("10.40.0.18", 40000, 0);
		search("10.40.0.19", 40000, 0);
		assertThat(this.bench.nat().rover(L4Proto.TCP)).isEqualTo(1);

		this.bench.masqueradeAndConfirm(udp("10.40.0.17", 40000, SERVER, 53), 0, 1);
		Packet udp = this.bench.open(udp("10.40.0.18", 40000, SERVER, 53), 1);
		PortSearch u = this.bench.masquerade(udp, 0, 1).search();
		assertThat(u.firstPort()).as("UDP has its own rover, still 0").isEqualTo(1024);
		assertThat(this.bench.nat().rover(L4Proto.UDP)).isZero();
		assertThat(this.bench.nat().rover(L4Proto.TCP)).isEqualTo(1);

		PortSearch onCpu1 = search("10.40.0.20", 40000, 1);
		assertThat(onCpu1.roverBefore()).as("CPU 1 reads the rover CPU 0 wrote").isEqualTo(1);
		assertThat(onCpu1.firstPort()).isEqualTo(1025);
	}

	@Test
	@DisplayName("4.17 XING race: two CPUs read the same rover, reach the same free port, neither sees the other's unconfirmed entry, the later confirm drops (checklist 5, 12)")
	void twoCpusReachTheSamePortFromTheRover() {
		this.bench.masqueradeAndConfirm(tcp("10.40.0.17", 40000, SERVER, 80), 0, 0);
		Packet b = masqueradedSyn("10.40.0.18", 40000, 0, 0);
		Packet c = masqueradedSyn("10.40.0.19", 40000, 0, 1);
		assertThat(b.ct().reply()).isEqualTo(tcp(SERVER, 80, NODE_IP, 1024));
		assertThat(c.ct().reply()).isEqualTo(b.ct().reply());
		assertThat(this.bench.confirm(b, 0)).isInstanceOf(ConfirmResult.Confirmed.class);
		ConfirmResult lost = this.bench.confirm(c, 1);
		assertThat(lost).isInstanceOfSatisfying(ConfirmResult.Clash.class, (clash) -> {
			assertThat(clash.clashedOn()).isEqualTo(CtDir.REPLY);
			assertThat(clash.dropped()).isTrue();
			assertThat(clash.counted()).containsExactly(Counter.DROP, Counter.INSERT_FAILED);
		});
	}

	@Test
	@DisplayName("nf_nat_l4proto_unique_tuple 4.17 --random: secure_port(saddr, daddr, dport) gives two pods behind MASQUERADE the SAME start; the rover is not written (checklist 5)")
	void randomStartsAtTheSameKeyedHashForEveryPod() {
		Packet a = this.bench.open(tcp("10.40.0.17", 40000, SERVER, 80), 1000, 0);
		PortSearch first = this.bench.masquerade(a, NatRange.PROTO_RANDOM, 0).search();
		Packet b = this.bench.open(tcp("10.40.0.18", 51000, SERVER, 80), 1000, 1);
		PortSearch second = this.bench.masquerade(b, NatRange.PROTO_RANDOM, 1).search();
		Packet https = this.bench.open(tcp("10.40.0.17", 40001, SERVER, 443), 1000, 0);
		PortSearch toHttps = this.bench.masquerade(https, NatRange.PROTO_RANDOM, 0).search();

		assertThat(first.offsetSource()).isEqualTo("secure_port");
		assertThat(second.firstPort()).as("same node ip, server ip and dport after step 2")
			.isEqualTo(first.firstPort());
		assertThat(b.ct().reply()).as("same port: the XING race stays possible with --random")
			.isEqualTo(a.ct().reply());
		assertThat(toHttps.firstPort()).as("another dport hashes elsewhere").isNotEqualTo(first.firstPort());
		assertThat(first.roverAfter()).isEqualTo(first.roverBefore()).isZero();
		assertThat(this.bench.nat().rover(L4Proto.TCP)).isZero();

		assertThat(this.bench.confirm(a, 0)).isInstanceOf(ConfirmResult.Confirmed.class);
		Packet c = this.bench.open(tcp("10.40.0.19", 33000, SERVER, 80), 1000, 0);
		PortSearch third = this.bench.masquerade(c, NatRange.PROTO_RANDOM, 0).search();
		assertThat(third.firstPort()).isEqualTo(first.firstPort());
		assertThat(third.tries()).as("the shared start is taken now").isEqualTo(2);
	}

	@Test
	@DisplayName("nf_nat_l4proto_unique_tuple 4.17 --random-fully: the start is prandom_u32() as a u16; the rover is not written (checklist 5)")
	void randomFullyStartsAtPrandom() {
		ScriptedRandom random = new ScriptedRandom(9).next(0x7fff_2345, 5);
		NatBench fully = new NatBench(KernelProfile.V4_17, random);
		Packet a = fully.open(tcp("10.40.0.17", 40000, SERVER, 80), 1000, 0);
		PortSearch s = fully.masquerade(a, NatRange.PROTO_RANDOM_FULLY, 0).search();
		assertThat(s.offsetSource()).isEqualTo("prandom");
		assertThat(s.firstPort()).isEqualTo(1024 + 0x2345);
		Packet b = fully.open(tcp("10.40.0.18", 40000, SERVER, 80), 1000, 1);
		assertThat(fully.masquerade(b, NatRange.PROTO_RANDOM_FULLY, 1).search().firstPort()).isEqualTo(1029);
		assertThat(fully.nat().rover(L4Proto.TCP)).isZero();
		assertThat(random.draws()).isEqualTo(2);
	}

	static Stream<Arguments> portClasses() {
		// sport, class min, class max, first port for off = 600
		return Stream.of(KernelProfile.V4_17, KernelProfile.V6_X)
			.flatMap((p) -> Stream.of(Arguments.of(p, 1, 1, 511, 1 + 600 % 511),
					Arguments.of(p, 100, 1, 511, 1 + 600 % 511), Arguments.of(p, 511, 1, 511, 1 + 600 % 511),
					Arguments.of(p, 512, 600, 1023, 600 + 600 % 424), Arguments.of(p, 1023, 600, 1023, 600 + 600 % 424),
					Arguments.of(p, 1024, 1024, 65535, 1024 + 600), Arguments.of(p, 65535, 1024, 65535, 1024 + 600)));
	}

	@ParameterizedTest(name = "{0}: sport {1} searches [{2},{3}], first candidate {4}")
	@MethodSource("portClasses")
	@DisplayName("nf_nat_l4proto_unique_tuple: without a port range, SRC ports < 512 stay in [1,511], < 1024 in [600,1023], others in [1024,65535] (checklist 6)")
	void lowPortClasses(KernelProfile profile, int sport, int min, int max, int first) {
		NatBench b = new NatBench(profile, new ScriptedRandom(9).next(600));
		Packet p = b.open(tcp("10.40.0.17", sport, SERVER, 80), 1000, 0);
		PortSearch s = b.masquerade(p, NatRange.PROTO_RANDOM_FULLY, 0).search();
		assertThat(s.firstPort()).isEqualTo(first);
		assertThat(s.port()).isBetween(min, max);
	}

	@Test
	@DisplayName("nf_nat_l4proto_unique_tuple 4.17: the linear walk has no cap, 301 tries past 300 used ports (checklist 6)")
	void linearWalkIsUncapped() {
		for (int port = 1024; port < 1024 + 300; port++) {
			this.bench.occupy(tcp(NODE_IP, port, SERVER, 80));
		}
		this.bench.masqueradeAndConfirm(tcp("10.40.0.17", 40000, SERVER, 80), 0, 0);
		PortSearch s = search("10.40.0.18", 40000, 1);
		assertThat(s.tries()).isEqualTo(301).isGreaterThan(248);
		assertThat(s.port()).isEqualTo(1324);
		assertThat(s.free()).isTrue();
		assertThat(s.roverAfter()).isEqualTo(300);
		assertThat(this.bench.stats().get(1, Counter.FOUND)).as("step 3 plus 300 used ports").isEqualTo(301);
	}

	@Test
	@DisplayName("nf_nat_l4proto_unique_tuple 4.17: when the whole range was tried the last candidate is returned unchecked though used, and confirm drops (checklist 6, 9)")
	void lastCandidateIsReturnedWhenTheRangeIsExhausted() {
		for (int port = 2000; port <= 2003; port++) {
			this.bench.occupy(tcp(NODE_IP, port, SERVER, 80));
		}
		Packet p = this.bench.open(tcp("10.40.0.17", 40000, SERVER, 80), 1000, 1);
		NatSetup setup = this.bench.snat(p,
				new NatRange(NatRange.MAP_IPS | NatRange.PROTO_SPECIFIED, NODE, NODE, 2000, 2003), 1);
		assertThat(setup.search()).isEqualTo(new PortSearch(2003, false, 4, 2000, "rover", 0, 3, 1, -1));
		assertThat(this.bench.stats().get(1, Counter.FOUND)).as("the fourth candidate is not checked").isEqualTo(3);
		ConfirmResult r = this.bench.confirm(p, 1);
		assertThat(r).isInstanceOfSatisfying(ConfirmResult.Clash.class, (c) -> {
			assertThat(c.clashedOn()).isEqualTo(CtDir.REPLY);
			assertThat(c.dropped()).isTrue();
		});
		assertThat(this.bench.stats().get(1, Counter.DROP)).isEqualTo(1);
		assertThat(this.bench.stats().get(1, Counter.INSERT_FAILED)).isEqualTo(1);
	}

}
