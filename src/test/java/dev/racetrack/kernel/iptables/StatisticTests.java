package dev.racetrack.kernel.iptables;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.racetrack.kernel.KernelRandom;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.Tuple;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for kube-proxy's endpoint choice: {@code -m statistic --mode random --probability
 * 1/(n-i)} for endpoint i of n, written by kube-proxy v1.11 with five decimals, stored by
 * iptables' libxt_statistic as {@code lround(0x80000000 * p)}, printed back with
 * {@code %.11f}, and matched by xt_statistic.c when
 * {@code (prandom_u32() & 0x7FFFFFFF) < probability} (checklist 16).
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
class StatisticTests {

	private static final Pattern PROBABILITY = Pattern.compile("--probability (\\S+)");

	static Stream<Arguments> printed() {
		return Stream.of(Arguments.of(1, List.of()), Arguments.of(2, List.of("0.50000000000")),
				Arguments.of(3, List.of("0.33332999982", "0.50000000000")),
				Arguments.of(4, List.of("0.25000000000", "0.33332999982", "0.50000000000")),
				Arguments.of(5, List.of("0.20000000019", "0.25000000000", "0.33332999982", "0.50000000000")));
	}

	@ParameterizedTest(name = "{0} endpoints: {1}")
	@MethodSource("printed")
	@DisplayName("kube-proxy 1/(n-i) with %0.5f, stored as lround(2^31 p), printed by iptables -S with %.11f; the last endpoint has no statistic match (checklist 16)")
	void probabilitiesAsIptablesPrintsThem(int n, List<String> expected) {
		Table nat = service(n);
		String svc = KubeProxy.serviceChain("kube-system/kube-dns:dns", L4Proto.UDP);
		List<Rule> rules = nat.rules(svc);
		assertThat(rules).hasSize(n);
		List<String> probabilities = rules.stream()
			.map((r) -> r.save(svc))
			.map(PROBABILITY::matcher)
			.filter(Matcher::find)
			.map((m) -> m.group(1))
			.toList();
		assertThat(probabilities).isEqualTo(expected);
		assertThat(rules.get(n - 1).matches()).noneMatch((m) -> m instanceof Match.Statistic);
	}

	@Test
	@DisplayName("libxt_statistic statistic_parse: the kernel gets lround(0x80000000 * p)")
	void storedThresholds() {
		assertThat(Match.Statistic.of("0.50000").threshold()).isEqualTo(0x4000_0000L);
		assertThat(Match.Statistic.of("0.33333").threshold()).isEqualTo(715_820_724L);
		assertThat(Match.Statistic.of("0.20000").threshold()).isEqualTo(429_496_730L);
	}

	static Stream<Arguments> shares() {
		return Stream.of(Arguments.of(2, 7L), Arguments.of(3, 11L));
	}

	@ParameterizedTest(name = "{0} endpoints, seed {1}")
	@MethodSource("shares")
	@DisplayName("xt_statistic over kube-proxy's chain: each of n endpoints gets about 1/n of 20000 seeded draws (checklist 16)")
	void endpointsShareTheTrafficEvenly(int n, long seed) {
		Table nat = service(n);
		KernelRandom random = KernelRandom.seeded(seed);
		Map<Integer, Integer> picks = new HashMap<>();
		int draws = 20_000;
		for (int i = 0; i < draws; i++) {
			picks.merge(pick(nat, random), 1, Integer::sum);
		}
		assertThat(picks).hasSize(n);
		picks.forEach((ip, count) -> assertThat(count / (double) draws).as("share of %s", Ipv4.format(ip))
			.isCloseTo(1.0 / n, within(0.015)));
	}

	@Test
	@DisplayName("race 3 needs A and AAAA to pick different endpoints: with two endpoints about half the pairs do (checklist 16)")
	void halfOfThePairsDiffer() {
		Table nat = service(2);
		KernelRandom random = KernelRandom.seeded(3);
		int pairs = 10_000;
		int differ = 0;
		for (int i = 0; i < pairs; i++) {
			if (pick(nat, random) != pick(nat, random)) {
				differ++;
			}
		}
		assertThat(differ / (double) pairs).isCloseTo(0.5, within(0.02));
	}

	@Test
	@DisplayName("kube-proxy chain names are the article's: KUBE-SVC-TCOU7JCQXEZGVUNU, KUBE-SEP-LLLB6FGXBLX6PZF7 (10.32.0.6:53), KUBE-SEP-LRVEW52VMYCOUSMZ (10.32.0.7:53) (checklist 16)")
	void chainNamesMatchTheWeaveArticle() {
		String name = "kube-system/kube-dns:dns";
		assertThat(KubeProxy.serviceChain(name, L4Proto.UDP)).isEqualTo("KUBE-SVC-TCOU7JCQXEZGVUNU");
		assertThat(KubeProxy.endpointChain(name, L4Proto.UDP, "10.32.0.6:53")).isEqualTo("KUBE-SEP-LLLB6FGXBLX6PZF7");
		assertThat(KubeProxy.endpointChain(name, L4Proto.UDP, "10.32.0.7:53")).isEqualTo("KUBE-SEP-LRVEW52VMYCOUSMZ");
	}

	static Table service(int n) {
		Table nat = Table.nat();
		KubeProxy.addBase(nat, SnatMode.DEFAULT);
		List<Integer> endpoints = Stream.iterate(6, (i) -> i + 1)
			.limit(n)
			.map((i) -> Ipv4.parse("10.32.0." + i))
			.toList();
		KubeProxy.addService(nat, "kube-system/kube-dns:dns", L4Proto.UDP, Ipv4.parse("10.96.0.10"), 53, endpoints,
				Cidr.parse("10.32.0.0/12"));
		return nat;
	}

	static int pick(Table nat, KernelRandom random) {
		Tuple query = Tuple.of(L4Proto.UDP, "10.40.0.17", 53378, "10.96.0.10", 53);
		Traversal walk = IptablesEvaluator.walk(nat, "PREROUTING", new MatchContext(query, "cni0", null, 0, random));
		assertThat(walk.verdict()).isInstanceOf(Target.Dnat.class);
		return ((Target.Dnat) walk.verdict()).ip();
	}

}
