package dev.racetrack.kernel.nat;

import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.KernelRandom;
import dev.racetrack.kernel.NatBench;
import dev.racetrack.kernel.NatBench.Packet;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;
import dev.racetrack.kernel.conntrack.IpsStatus;
import dev.racetrack.kernel.nat.NatSetup.Step;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.Tuple;

import static dev.racetrack.kernel.NatBench.NODE;
import static dev.racetrack.kernel.NatBench.SERVER;
import static dev.racetrack.kernel.NatBench.tcp;
import static dev.racetrack.kernel.NatBench.udp;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the steps of {@code get_unique_tuple} (net/netfilter/nf_nat_core.c, the same
 * structure in 4.17 and 6.x): 1a keep the original tuple, 1b reuse the source's mapping
 * ({@code find_appropriate_src}), 2 pick the address, 3 keep the port, 4 search; and
 * {@code --random}/{@code --random-fully} skipping steps 1 and 3 (checklist 4). Every
 * profile, since the steps did not change.
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
class GetUniqueTupleTests {

	private static final String NODE_IP = Ipv4.format(NODE);

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("get_unique_tuple step 1a: a null binding's own tuple is in range and unused, so it is kept (checklist 4)")
	void step1aKeepsTheOriginalTuple(KernelProfile profile) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
		Packet p = bench.open(udp("10.40.0.17", 53378, SERVER, 53), 0);
		NatSetup setup = bench.nullBinding(p, ManipType.SRC, 0);
		assertThat(setup.step()).isEqualTo(Step.ORIGINAL_KEPT);
		assertThat(setup.chosen()).isEqualTo(setup.before());
		assertThat(setup.mangles()).isFalse();
		assertThat(setup.usedChecks()).isEqualTo(1);
		assertThat(p.ct().has(IpsStatus.SRC_NAT)).isFalse();
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("get_unique_tuple step 1a: an original tuple in range but used falls through to the search (checklist 4)")
	void step1aUsedTupleIsNotKept(KernelProfile profile) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
		// A pod's connection was masqueraded onto node:40000 -> server:80 ...
		bench.masqueradeAndConfirm(tcp("10.40.0.17", 40000, SERVER, 80), 0, 0);
		// ... so a local process connecting from that port finds its own tuple taken.
		Packet p = bench.open(tcp(NODE_IP, 40000, SERVER, 80), 1000, 1);
		NatSetup setup = bench.masquerade(p, 0, 1);
		assertThat(setup.step()).isEqualTo(Step.PORT_SEARCHED);
		assertThat(setup.chosen().srcPort()).isNotEqualTo(40000).isBetween(1024, 65535);
		assertThat(setup.usedChecks()).as("step 1a and step 3 each asked nf_nat_used_tuple").isEqualTo(2);
		assertThat(bench.stats().get(1, Counter.FOUND)).as("both checks hit").isEqualTo(2);
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("get_unique_tuple step 1b: find_appropriate_src reuses the port an earlier mapping of the same source got (checklist 4)")
	void step1bReusesTheSourceMapping(KernelProfile profile) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
		bench.occupy(tcp(NODE_IP, 40000, SERVER, 80));
		int mapped = bench.masqueradeAndConfirm(tcp("10.40.0.17", 40000, SERVER, 80), 0, 0).chosen().srcPort();
		assertThat(mapped).as("the first mapping had to search").isNotEqualTo(40000);
		Packet second = bench.open(tcp("10.40.0.17", 40000, "10.0.0.98", 443), 1000, 1);
		NatSetup setup = bench.masquerade(second, 0, 1);
		assertThat(setup.step()).isEqualTo(Step.SOURCE_MAPPING_REUSED);
		assertThat(setup.chosen()).isEqualTo(tcp(NODE_IP, mapped, "10.0.0.98", 443));
		assertThat(setup.usedChecks()).isEqualTo(1);
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("get_unique_tuple step 3: MASQUERADE keeps the pod's source port when the node has not used it towards that ip:port (checklist 4)")
	void step3KeepsAFreePort(KernelProfile profile) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
		Packet p = bench.open(tcp("10.40.0.17", 32000, SERVER, 80), 1000, 0);
		NatSetup setup = bench.masquerade(p, 0, 0);
		assertThat(setup.step()).isEqualTo(Step.PORT_KEPT);
		assertThat(setup.chosen()).isEqualTo(tcp(NODE_IP, 32000, SERVER, 80));
		assertThat(setup.replyAfter()).isEqualTo(tcp(SERVER, 80, NODE_IP, 32000));
		assertThat(p.ct().has(IpsStatus.SRC_NAT | IpsStatus.SRC_NAT_DONE)).isTrue();
		assertThat(setup.search()).isNull();
	}

	static Stream<Arguments> portRanges() {
		// sport, range, expected step
		return Stream.of(Arguments.of(2001, 2000, 2003, Step.PORT_KEPT),
				Arguments.of(40000, 2000, 2003, Step.PORT_SEARCHED), Arguments.of(2000, 2000, 2000, Step.PORT_KEPT));
	}

	@ParameterizedTest(name = "sport {0} into {1}-{2}: {3}")
	@MethodSource("portRanges")
	@DisplayName("get_unique_tuple step 3 with a port range: kept only if inside it (4.17)")
	void step3WithAPortRange(int sport, int min, int max, Step expected) {
		NatBench bench = new NatBench(KernelProfile.V4_17, KernelRandom.seeded(1));
		Packet p = bench.open(tcp("10.40.0.17", sport, SERVER, 80), 1000, 0);
		NatSetup setup = bench.snat(p, new NatRange(NatRange.MAP_IPS | NatRange.PROTO_SPECIFIED, NODE, NODE, min, max),
				0);
		assertThat(setup.step()).isEqualTo(expected);
		assertThat(setup.chosen().srcPort()).isBetween(min, max);
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("get_unique_tuple step 3: a DNAT to one fixed port returns with no uniqueness check at all (checklist 4)")
	void dnatToOneFixedPortSkipsTheCheck(KernelProfile profile) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
		bench.occupy(udp("10.40.0.17", 53378, "10.32.0.6", 53));
		Packet p = bench.open(udp("10.40.0.17", 53378, "10.96.0.10", 53), 1);
		NatSetup setup = bench.dnat(p, NatRange.addressAndPort(Ipv4.parse("10.32.0.6"), 53), 1);
		assertThat(setup.step()).isEqualTo(Step.PORT_KEPT);
		assertThat(setup.chosen()).as("the taken tuple is chosen anyway")
			.isEqualTo(udp("10.40.0.17", 53378, "10.32.0.6", 53));
		assertThat(setup.usedChecks()).isZero();
		assertThat(bench.stats().get(1, Counter.FOUND)).isZero();
		assertThat(p.ct().has(IpsStatus.DST_NAT | IpsStatus.DST_NAT_DONE)).isTrue();
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("get_unique_tuple step 4: a DST manip without a port range never changes the port")
	void dstWithoutPortRangeCannotChangeThePort(KernelProfile profile) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
		bench.occupy(udp("10.40.0.17", 53378, "10.32.0.6", 53));
		Packet p = bench.open(udp("10.40.0.17", 53378, "10.96.0.10", 53), 1);
		NatSetup setup = bench.dnat(p, NatRange.address(Ipv4.parse("10.32.0.6"), 0), 1);
		assertThat(setup.step()).isEqualTo(Step.PORT_UNCHANGEABLE);
		assertThat(setup.chosen()).isEqualTo(udp("10.40.0.17", 53378, "10.32.0.6", 53));
		assertThat(setup.usedChecks()).as("step 3 asked once").isEqualTo(1);
	}

	static Stream<Arguments> flagsOnEveryKernel() {
		return Stream.of(KernelProfile.values())
			.flatMap((p) -> Stream.of(Arguments.of(p, 0, Step.ORIGINAL_KEPT),
					Arguments.of(p, NatRange.PROTO_RANDOM, Step.PORT_SEARCHED),
					Arguments.of(p, NatRange.PROTO_RANDOM_FULLY, Step.PORT_SEARCHED)));
	}

	@ParameterizedTest(name = "{0}, flags {1}: {2}")
	@MethodSource("flagsOnEveryKernel")
	@DisplayName("get_unique_tuple: --random and --random-fully skip step 1a, so even a free original tuple is re-chosen (checklist 4)")
	void randomFlagsSkipStep1a(KernelProfile profile, int flags, Step expected) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(3));
		Packet p = bench.open(udp(NODE_IP, 40000, SERVER, 53), 0);
		NatSetup setup = bench.masquerade(p, flags, 0);
		assertThat(setup.step()).isEqualTo(expected);
		if (flags != 0) {
			assertThat(setup.usedChecks()).as("no step 1 or 3 check").isZero();
			assertThat(setup.search()).isNotNull();
		}
	}

	static Stream<Arguments> flagsSkipStep3() {
		return Stream.of(KernelProfile.values())
			.flatMap((p) -> Stream.of(Arguments.of(p, 0, Step.PORT_KEPT),
					Arguments.of(p, NatRange.PROTO_RANDOM, Step.PORT_SEARCHED),
					Arguments.of(p, NatRange.PROTO_RANDOM_FULLY, Step.PORT_SEARCHED)));
	}

	@ParameterizedTest(name = "{0}, flags {1}: {2}")
	@MethodSource("flagsSkipStep3")
	@DisplayName("get_unique_tuple: --random and --random-fully skip steps 1b and 3, so a pod's free port is re-chosen (checklist 4)")
	void randomFlagsSkipStep3(KernelProfile profile, int flags, Step expected) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(3));
		Packet p = bench.open(tcp("10.40.0.17", 32000, SERVER, 80), 1000, 0);
		NatSetup setup = bench.masquerade(p, flags, 0);
		assertThat(setup.step()).isEqualTo(expected);
		assertThat(setup.usedChecks()).isEqualTo((flags == 0) ? 1 : 0);
	}

	@ParameterizedTest(name = "{0}")
	@EnumSource(KernelProfile.class)
	@DisplayName("nf_nat_setup_info: a chosen tuple that differs rewrites the reply (nf_conntrack_alter_reply) and sets IPS_SRC_NAT")
	void setupInfoRewritesTheReply(KernelProfile profile) {
		NatBench bench = new NatBench(profile, KernelRandom.seeded(1));
		Packet p = bench.open(tcp("10.40.0.17", 32000, SERVER, 80), 1000, 0);
		Tuple before = p.ct().reply();
		bench.masquerade(p, 0, 0);
		assertThat(before).isEqualTo(tcp(SERVER, 80, "10.40.0.17", 32000));
		assertThat(p.ct().reply()).isEqualTo(tcp(SERVER, 80, NODE_IP, 32000));
		assertThat(p.ct().original()).as("the original tuple never changes")
			.isEqualTo(tcp("10.40.0.17", 32000, SERVER, 80));
	}

}
