package dev.racetrack.kernel.iptables;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import dev.racetrack.Golden;
import dev.racetrack.kernel.KernelRandom;
import dev.racetrack.kernel.nat.NatRange;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.Tuple;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Golden tests for {@link Table#save()}, the text of {@code iptables -t nat -S} (legacy
 * iptables' {@code list_rules}/{@code print_rule4}): {@code -P} for the built-in chains
 * in hook order, {@code -N} for user chains in libiptc's sorted order, then each chain's
 * rules; per rule the IP part ({@code -s -d -i -o -p}), the match modules in order, then
 * the target. Quoting is {@code xtables_save_string}; marks are libxt_mark's
 * {@code print_mark} (the mask is omitted when it is 0xffffffff); {@code --probability}
 * is libxt_statistic's {@code %.11f}; MASQUERADE's flags are libipt_MASQUERADE's
 * {@code --random} and {@code --random-fully} (checklist 16).
 *
 * <p>
 * The tables hold what the model has: Docker's {@code -m addrtype --dst-type LOCAL} jumps
 * to DOCKER and kube-proxy's KUBE-NODEPORTS, KUBE-MARK-DROP and other chains are not
 * modelled, so they are absent from these goldens.
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
class IptablesSaveTests {

	private static String save(Table table) {
		return String.join("\n", table.save()) + "\n";
	}

	static Table docker(SnatMode mode) {
		Table nat = Table.nat();
		nat.newChain("DOCKER");
		nat.append("POSTROUTING", Rule.of(new Target.Masquerade(mode), new Match.OutInterface("docker0", true),
				new Match.Source(Cidr.parse("172.17.0.0/16"), false)));
		nat.append("DOCKER", Rule.of(new Target.Return(), new Match.InInterface("docker0", false)));
		return nat;
	}

	@Test
	@DisplayName("iptables -t nat -S, Docker: the default MASQUERADE rule, IP part in -s/-o order whatever the order given")
	void dockerTable() {
		Golden.assertMatches("iptables-nat-S-docker.txt", save(docker(SnatMode.DEFAULT)));
	}

	@Test
	@DisplayName("iptables -t nat -S, Docker mitigated with --random-fully (libipt_MASQUERADE save)")
	void dockerTableWithRandomFully() {
		Golden.assertMatches("iptables-nat-S-docker-random-fully.txt", save(docker(SnatMode.RANDOM_FULLY)));
	}

	@Test
	@DisplayName("iptables -t nat -S, kube-proxy v1.11 with kube-dns on two endpoints: the Weave article's rules (1) to (6) verbatim (checklist 16)")
	void kubeProxyTwoEndpoints() {
		Table nat = kubeProxy(List.of("10.32.0.6", "10.32.0.7"));
		String text = save(nat);
		Golden.assertMatches("iptables-nat-S-kube-proxy-1.11.txt", text);
		assertThat(text.split("\n")).contains(
				"-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES",
				"-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment \"kube-system/kube-dns:dns cluster IP\" "
						+ "-m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU",
				"-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment \"kube-system/kube-dns:dns\" -m statistic --mode random "
						+ "--probability 0.50000000000 -j KUBE-SEP-LLLB6FGXBLX6PZF7",
				"-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment \"kube-system/kube-dns:dns\" -j KUBE-SEP-LRVEW52VMYCOUSMZ",
				"-A KUBE-SEP-LLLB6FGXBLX6PZF7 -p udp -m comment --comment \"kube-system/kube-dns:dns\" -m udp "
						+ "-j DNAT --to-destination 10.32.0.6:53",
				"-A KUBE-SEP-LRVEW52VMYCOUSMZ -p udp -m comment --comment \"kube-system/kube-dns:dns\" -m udp "
						+ "-j DNAT --to-destination 10.32.0.7:53");
	}

	@Test
	@DisplayName("iptables -t nat -S, kube-proxy with three endpoints: 0.33333 is stored as lround(2^31 x 0.33333) and printed 0.33332999982 (checklist 16)")
	void kubeProxyThreeEndpoints() {
		Golden.assertMatches("iptables-nat-S-kube-proxy-3-endpoints.txt",
				save(kubeProxy(List.of("10.32.0.6", "10.32.0.7", "10.32.0.8"))));
	}

	static Table newerKubePostrouting() {
		Table nat = Table.nat();
		nat.newChain("KUBE-MARK-MASQ").newChain("KUBE-POSTROUTING");
		nat.append("POSTROUTING",
				Rule.of(new Target.Jump("KUBE-POSTROUTING"), new Match.Comment("kubernetes postrouting rules")));
		nat.append("KUBE-MARK-MASQ", Rule.of(new Target.SetMark(0x4000, 0x4000)));
		nat.append("KUBE-POSTROUTING", Rule.of(new Target.Return(), new Match.Mark(0x4000, 0x4000, true)));
		nat.append("KUBE-POSTROUTING", Rule.of(new Target.SetMark(0x4000, 0)));
		nat.append("KUBE-POSTROUTING", Rule.of(new Target.Masquerade(SnatMode.RANDOM_FULLY),
				new Match.Comment("kubernetes service traffic requiring SNAT")));
		return nat;
	}

	@Test
	@DisplayName("iptables -t nat -S, newer kube-proxy: -m mark ! --mark 0x4000/0x4000 -j RETURN, --set-xmark 0x4000/0x0, MASQUERADE --random-fully")
	void newerKubeProxyPostrouting() {
		Golden.assertMatches("iptables-nat-S-kube-proxy-postrouting-random-fully.txt", save(newerKubePostrouting()));
	}

	@Test
	@DisplayName("ipt_do_table over the newer KUBE-POSTROUTING: a marked packet is masqueraded --random-fully and its mark cleared by the xor; an unmarked one returns")
	void newerKubeProxyPostroutingEvaluates() {
		Table nat = newerKubePostrouting();
		Tuple t = Tuple.of(L4Proto.TCP, "10.40.0.17", 32000, "10.0.0.99", 80);
		Traversal marked = IptablesEvaluator.walk(nat, "POSTROUTING",
				new MatchContext(t, null, "eth0", 0x4000, KernelRandom.seeded(1)));
		assertThat(marked.verdict()).isEqualTo(new Target.Masquerade(SnatMode.RANDOM_FULLY));
		assertThat(marked.mark()).isZero();
		Traversal unmarked = IptablesEvaluator.walk(nat, "POSTROUTING",
				new MatchContext(t, null, "eth0", 0, KernelRandom.seeded(1)));
		assertThat(unmarked.verdict()).isNull();
		assertThat(unmarked.hits()).extracting(Traversal.Hit::text)
			.containsExactly("-A POSTROUTING -m comment --comment \"kubernetes postrouting rules\" -j KUBE-POSTROUTING",
					"-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN");
	}

	@Test
	@DisplayName("xtables_save_string quoting (bare only for [A-Za-z0-9_-]+; \" \\ ' escaped) and libxt_mark's print_mark (no mask when it is 0xffffffff)")
	void quotingAndMarks() {
		Table nat = Table.nat();
		nat.newChain("QUOTES");
		nat.append("QUOTES", Rule.of(new Target.Return(), new Match.Comment("kube-dns_udp-53")));
		nat.append("QUOTES", Rule.of(new Target.Return(), new Match.Comment("")));
		nat.append("QUOTES", Rule.of(new Target.Return(), new Match.Comment("it's \"x\" \\ y")));
		nat.append("QUOTES",
				Rule.of(new Target.Return(), new Match.Comment("a.b"), new Match.Mark(1, 0xffffffff, false)));
		nat.append("QUOTES", Rule.of(new Target.Return(), new Match.Mark(1, 0xffffffff, true)));
		nat.append("QUOTES", Rule.of(new Target.Masquerade(SnatMode.RANDOM), new Match.Mark(0, 0xff, false)));
		Golden.assertMatches("iptables-nat-S-quoting.txt", save(nat));
	}

	static Table kubeProxy(List<String> endpoints) {
		Table nat = Table.nat();
		KubeProxy.addBase(nat, SnatMode.DEFAULT);
		KubeProxy.addService(nat, "kube-system/kube-dns:dns", L4Proto.UDP, Ipv4.parse("10.96.0.10"), 53,
				endpoints.stream().map(Ipv4::parse).toList(), Cidr.parse("10.32.0.0/12"));
		return nat;
	}

}
