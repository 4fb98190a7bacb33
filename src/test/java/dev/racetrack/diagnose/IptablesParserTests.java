package dev.racetrack.diagnose;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link IptablesParser}.
 */
class IptablesParserTests {

	@Test
	void parseWhenWholeIptablesSaveKeepsOnlyTheNatTable() {
		NatTable nat = IptablesParser.parse(Fixtures.read("iptables-save-docker.txt"));
		assertThat(nat.problems()).isEmpty();
		assertThat(nat.rules()).extracting(NatRule::chain)
			.containsExactly("PREROUTING", "OUTPUT", "POSTROUTING", "DOCKER");
		assertThat(nat.sourceNatWithoutRandomFully()).singleElement().satisfies((rule) -> {
			assertThat(rule.line()).isEqualTo(20);
			assertThat(rule.text()).isEqualTo("-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE");
			assertThat(rule.withRandomFully()).endsWith("-j MASQUERADE --random-fully");
		});
	}

	@Test
	void parseWhenOldKubeProxyFindsKubeDnsWithTwoEndpointsAndTheMasqueradeRules() {
		NatTable nat = IptablesParser.parse(Fixtures.read("iptables-save-kube-proxy-old.txt"));
		assertThat(nat.problems()).isEmpty();
		assertThat(nat.sourceNatWithoutRandomFully()).extracting(NatRule::chain)
			.containsExactly("KUBE-POSTROUTING", "WEAVE", "WEAVE");
		assertThat(nat.sourceNatRules().get(0).comment()).isEqualTo("kubernetes service traffic requiring SNAT");
		assertThat(nat.dnsService()).hasValueSatisfying((dns) -> {
			assertThat(dns.chain()).isEqualTo("KUBE-SVC-TCOU7JCQXEZGVUNU");
			assertThat(dns.name()).isEqualTo("kube-system/kube-dns:dns");
			assertThat(dns.protocol()).isEqualTo("udp");
			assertThat(dns.port()).isEqualTo("53");
			assertThat(dns.endpointCount()).isEqualTo(2);
			assertThat(dns.endpoints()).containsExactly("10.32.0.6:53", "10.32.0.7:53");
		});
		assertThat(nat.multiEndpointUdpServices()).extracting(KubeService::chain)
			.containsExactly("KUBE-SVC-TCOU7JCQXEZGVUNU");
	}

	@Test
	void parseWhenNewKubeProxyWithIptablesSReadsRandomFullyAndArrowComments() {
		NatTable nat = IptablesParser.parse(Fixtures.read("iptables-S-kube-proxy-new.txt"));
		assertThat(nat.problems()).isEmpty();
		assertThat(nat.sourceNatRules()).hasSize(3).allMatch(NatRule::randomFully);
		assertThat(nat.sourceNatWithoutRandomFully()).isEmpty();
		assertThat(nat.dnsService()).hasValueSatisfying((dns) -> {
			assertThat(dns.name()).isEqualTo("kube-system/kube-dns:dns");
			assertThat(dns.endpointCount()).isEqualTo(3);
			assertThat(dns.describe()).contains("3 endpoints").contains("10.244.2.2:53");
		});
	}

	@Test
	void parseWhenIptablesSaveHasCountersReadsTheRulesBehindThem() {
		NatTable nat = IptablesParser.parse(Fixtures.read("iptables-save-counters.txt"));
		assertThat(nat.problems()).isEmpty();
		assertThat(nat.sourceNatRules()).singleElement().satisfies((rule) -> {
			assertThat(rule.random()).isTrue();
			assertThat(rule.randomFully()).isFalse();
			assertThat(rule.text()).startsWith("-A POSTROUTING");
			assertThat(rule.withRandomFully()).endsWith("-j MASQUERADE --random-fully");
		});
		assertThat(nat.dnsService()).hasValueSatisfying((dns) -> {
			assertThat(dns.protocol()).isEqualTo("udp");
			// No KUBE-SERVICES rule pasted: the service port is not shown (53 is the
			// pods').
			assertThat(dns.port()).isEmpty();
			assertThat(dns.endpoints()).containsExactly("10.131.0.2:53", "10.131.0.4:53");
			assertThat(dns.endpointCount()).isEqualTo(2);
		});
	}

	@Test
	void parseWhenCommentHasEscapedQuotesKeepsThemInTheComment() {
		NatTable nat = IptablesParser
			.parse("-A POSTROUTING -m comment --comment \"say \\\"hi\\\" -j DROP\" -j MASQUERADE\n");
		assertThat(nat.rules()).singleElement().satisfies((rule) -> {
			assertThat(rule.comment()).isEqualTo("say \"hi\" -j DROP");
			assertThat(rule.target()).isEqualTo("MASQUERADE");
		});
	}

	@Test
	void parseWhenQuoteIsNotClosedReadsTheRuleAndReportsTheLine() {
		NatTable nat = IptablesParser.parse("-A POSTROUTING -j MASQUERADE -m comment --comment \"cut");
		assertThat(nat.rules()).hasSize(1);
		assertThat(nat.problems()).singleElement().satisfies((p) -> {
			assertThat(p.line()).isEqualTo(1);
			assertThat(p.reason()).contains("quote is not closed");
		});
	}

	@Test
	void parseWhenIptablesListingIsPastedReadsItAndRebuildsTheSaveForm() {
		NatTable nat = IptablesParser
			.parse("Chain POSTROUTING (policy ACCEPT)\n" + "target     prot opt source               destination\n"
					+ "MASQUERADE  all  --  172.17.0.0/16        0.0.0.0/0\n");
		assertThat(nat.problems()).isEmpty();
		assertThat(nat.rules()).singleElement().satisfies((rule) -> {
			assertThat(rule.chain()).isEqualTo("POSTROUTING");
			assertThat(rule.isSourceNat()).isTrue();
			assertThat(rule.saveText()).isEqualTo("-A POSTROUTING -s 172.17.0.0/16 -j MASQUERADE");
			assertThat(rule.withRandomFully())
				.isEqualTo("-A POSTROUTING -s 172.17.0.0/16 -j MASQUERADE --random-fully");
		});
	}

	@Test
	void parseWhenRuleIsCutShortReadsWhatItCan() {
		NatTable nat = IptablesParser.parse("*nat\n-A POSTROUTING -s 10.0.0.0/8 -j\n-A\n:BROKEN\n");
		assertThat(nat.rules()).hasSize(1);
		assertThat(nat.problems()).extracting(LineProblem::line).containsExactly(2, 3, 4);
	}

	@Test
	void parseWhenInsertWithPositionReadsTheChain() {
		NatTable nat = IptablesParser.parse("-I POSTROUTING 1 -s 10.0.0.0/8 -j SNAT --to-source 192.0.2.1");
		assertThat(nat.sourceNatRules()).singleElement().satisfies((rule) -> {
			assertThat(rule.chain()).isEqualTo("POSTROUTING");
			assertThat(rule.target()).isEqualTo("SNAT");
		});
	}

	/**
	 * kube-proxy's "has no endpoints" REJECT rules in the shapes they are pasted in:
	 * iptables-save with counters ({@code -c}), a rule a page wrapped, the old comment of
	 * an unnamed port ({@code default/ace: has no endpoints}), iptables -L -n -v with
	 * numeric ports, and rules of other targets or comments left out (synthetic lines in
	 * the real formats).
	 */
	@Test
	void noEndpointRejectsAreReadFromSaveAndListForms() {
		String save = """
				[0:0] -A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns has no endpoints" -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable
				-A KUBE-SERVICES -d 10.105.194.19/32 -p tcp -m comment --comment "default/ace: has no endpoints" -m tcp --dport 80 -j
				 REJECT --reject-with icmp-port-unreachable
				-A KUBE-XLB-QKNQQNIN727HO3XU -m comment --comment "default/test-svc has no local endpoints" -j KUBE-MARK-DROP
				-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y
				""";
		PasteReader.Sorted sorted = PasteReader.read(save);
		java.util.List<NoEndpointRejects.Reject> rejects = NoEndpointRejects.read(sorted.of(PasteFormat.IPTABLES_SAVE),
				sorted.of(PasteFormat.IPTABLES_LIST));
		assertThat(rejects).hasSize(2);
		assertThat(rejects.get(0)).satisfies((r) -> {
			assertThat(r.line()).isEqualTo(1);
			assertThat(r.chain()).isEqualTo("KUBE-SERVICES");
			assertThat(r.service()).isEqualTo("kube-system/kube-dns");
			assertThat(r.name()).isEqualTo("kube-dns");
			assertThat(r.port()).isEqualTo("dns");
			assertThat(r.protocol()).isEqualTo("udp");
			assertThat(r.destinationPort()).isEqualTo("53");
			assertThat(r.lookupPort()).isTrue();
			assertThat(r.text()).startsWith("-A KUBE-SERVICES").doesNotContain("[0:0]");
		});
		assertThat(rejects.get(1)).satisfies((r) -> {
			assertThat(r.line()).isEqualTo(2);
			assertThat(r.service()).isEqualTo("default/ace");
			assertThat(r.port()).isEmpty();
			assertThat(r.protocol()).isEqualTo("tcp");
			assertThat(r.lookupPort()).isFalse();
		});

		String list = """
				Chain KUBE-SERVICES (2 references)
				 pkts bytes target     prot opt in     out     source               destination
				    0     0 REJECT     udp  --  *      *       0.0.0.0/0            10.43.0.10           /* kube-system/rke2-coredns-rke2-coredns:udp-53 has no endpoints */ udp dpt:53 reject-with icmp-port-unreachable
				    0     0 REJECT     tcp  --  *      *       0.0.0.0/0            100.64.148.59        /* namespace/service:web-ui has no endpoints */ tcp dpt:8089 reject-with icmp-port-unreachable
				    0     0 DROP       all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* kubernetes firewall for dropping marked packets */ mark match 0x8000/0x8000
				""";
		PasteReader.Sorted listed = PasteReader.read(list);
		assertThat(NoEndpointRejects.read(listed.of(PasteFormat.IPTABLES_SAVE), listed.of(PasteFormat.IPTABLES_LIST)))
			.extracting(NoEndpointRejects.Reject::service, NoEndpointRejects.Reject::port,
					NoEndpointRejects.Reject::lookupPort)
			.containsExactly(
					org.assertj.core.groups.Tuple.tuple("kube-system/rke2-coredns-rke2-coredns", "udp-53", true),
					org.assertj.core.groups.Tuple.tuple("namespace/service", "web-ui", false));
	}

	/**
	 * iptables -L without -t nat lists the filter table, which holds no MASQUERADE and no
	 * DNAT: its rows are not nat rules, whether the command above says so or only the
	 * chains do. Synthetic pastes in the shapes of iptables 1.8's -L (the corpus's
	 * k3s-829-gowebprod is a real one without its command).
	 */
	@Test
	void iptablesListWithoutTableNatIsTheFilterTableAndNoNatRule() {
		String filter = """
				$ sudo iptables -nvL
				Chain INPUT (policy ACCEPT 0 packets, 0 bytes)
				 pkts bytes target     prot opt in     out     source               destination
				 812K   97M KUBE-FIREWALL  all  --  *      *       0.0.0.0/0            0.0.0.0/0
				Chain FORWARD (policy DROP 0 packets, 0 bytes)
				 pkts bytes target     prot opt in     out     source               destination
				 9120 1102K DOCKER-USER  all  --  *      *       0.0.0.0/0            0.0.0.0/0
				 9120 1102K ACCEPT     all  --  docker0 !docker0  0.0.0.0/0            0.0.0.0/0
				Chain OUTPUT (policy ACCEPT 0 packets, 0 bytes)
				 pkts bytes target     prot opt in     out     source               destination
				""";
		NatTable nat = IptablesParser.parse(filter);
		assertThat(nat.rules()).isEmpty();
		assertThat(nat.read()).isFalse();
		assertThat(nat.otherTablesOnly()).isTrue();
		assertThat(nat.otherTables()).singleElement().satisfies((t) -> {
			assertThat(t.table()).isEqualTo("filter");
			assertThat(t.lines()).isEqualTo("lines 2–10");
			assertThat(t.basis()).contains("iptables -nvL has no -t nat");
		});
		assertThat(nat.problems()).isEmpty();

		// The same rows without the command: the built-in chains say it.
		NatTable unprompted = IptablesParser.parse(filter.substring(filter.indexOf('\n') + 1));
		assertThat(unprompted.read()).isFalse();
		assertThat(unprompted.otherTables()).singleElement()
			.satisfies((t) -> assertThat(t.basis()).startsWith("its chains INPUT, FORWARD, OUTPUT, without nat's"));

		// With -t nat (in any place, any spelling) the same command lists nat.
		for (String command : List.of("iptables -t nat -nvL", "iptables -nvL -t nat", "iptables --table=nat -L -n",
				"ip6tables -L POSTROUTING -tnat")) {
			NatTable listed = IptablesParser.parse("# " + command + "\n"
					+ "Chain POSTROUTING (policy ACCEPT)\ntarget     prot opt source               destination\n"
					+ "MASQUERADE  all  --  172.17.0.0/16        anywhere\n");
			assertThat(listed.sourceNatRules()).as(command).hasSize(1);
			assertThat(listed.otherTables()).as(command).isEmpty();
		}
		NatTable mangle = IptablesParser.parse("$ iptables -t mangle -L\nChain PREROUTING (policy ACCEPT)\n"
				+ "target     prot opt source               destination\n"
				+ "MARK       all  --  anywhere             anywhere             MARK set 0x1\n");
		assertThat(mangle.read()).isFalse();
		assertThat(mangle.otherTables()).singleElement().satisfies((t) -> assertThat(t.table()).isEqualTo("mangle"));
	}

	/**
	 * A filter listing and a nat listing pasted one after the other, without their
	 * commands: the nat one starts at its PREROUTING header, and only its rows are nat
	 * rules. A grep excerpt that names no chain is read as nat, as before.
	 */
	@Test
	void aFilterListingThenANatListingAreToldApartByTheirChains() {
		String both = """
				Chain INPUT (policy ACCEPT)
				target     prot opt source               destination
				KUBE-FIREWALL  all  --  anywhere             anywhere
				Chain DOCKER-USER (1 references)
				target     prot opt source               destination
				RETURN     all  --  anywhere             anywhere

				Chain PREROUTING (policy ACCEPT)
				target     prot opt source               destination
				DOCKER     all  --  anywhere             anywhere             ADDRTYPE match dst-type LOCAL
				Chain POSTROUTING (policy ACCEPT)
				target     prot opt source               destination
				MASQUERADE  all  --  172.17.0.0/16        anywhere
				""";
		NatTable nat = IptablesParser.parse(both);
		assertThat(nat.rules()).extracting(NatRule::chain).containsExactly("PREROUTING", "POSTROUTING");
		assertThat(nat.otherTables()).singleElement().satisfies((t) -> assertThat(t.lines()).isEqualTo("lines 1–6"));
		assertThat(nat.otherTablesOnly()).isFalse();

		NatTable excerpt = IptablesParser.parse("  12G 1000G MASQUERADE  all  --  *  eth0  10.0.0.0/8  0.0.0.0/0\n");
		assertThat(excerpt.sourceNatRules()).hasSize(1);
		NatTable rejects = IptablesParser.parse(
				"REJECT     tcp  --  anywhere             10.43.4.68           /* mariadb/mariadb-slave:mysql has no "
						+ "endpoints */ tcp dpt:mysql reject-with icmp-port-unreachable\n");
		assertThat(rejects.read()).as("REJECT is a filter-only target (ipt_REJECT: .table = \"filter\")").isFalse();
	}

	/**
	 * iptables -S without -t nat prints the filter table's policies first
	 * ({@code -P INPUT}, {@code -P FORWARD}, {@code -P OUTPUT}): FORWARD is never a nat
	 * chain, so its rules are not nat rules; a nat -S pasted after it starts at its
	 * {@code -P PREROUTING}. The shape of kubernetes/kubernetes#43969's
	 * {@code iptables -t filter --list-rules}, abridged.
	 */
	@Test
	void iptablesSOfTheFilterTableIsToldByItsForwardPolicy() {
		String filter = """
				-P INPUT ACCEPT
				-P FORWARD ACCEPT
				-P OUTPUT ACCEPT
				-N KUBE-SERVICES
				-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
				-A KUBE-SERVICES -d 100.68.246.136/32 -p tcp -m comment --comment "ingress/kube-lego-nginx: has no endpoints" -m tcp --dport 8080 -j REJECT --reject-with icmp-port-unreachable
				""";
		NatTable nat = IptablesParser.parse(filter);
		assertThat(nat.rules()).isEmpty();
		assertThat(nat.otherTablesOnly()).isTrue();
		assertThat(nat.otherTables()).singleElement().satisfies((t) -> {
			assertThat(t.table()).isEqualTo("filter");
			assertThat(t.lines()).isEqualTo("lines 1–6");
			assertThat(t.basis()).startsWith("its policies -P INPUT, -P FORWARD:");
		});
		NatTable then = IptablesParser.parse(filter + "-P PREROUTING ACCEPT\n-P INPUT ACCEPT\n-P OUTPUT ACCEPT\n"
				+ "-P POSTROUTING ACCEPT\n-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE\n");
		assertThat(then.sourceNatRules()).singleElement().satisfies((r) -> assertThat(r.line()).isEqualTo(11));
		assertThat(then.otherTablesOnly()).isFalse();
		assertThat(IptablesParser.parse(Fixtures.read("iptables-S-kube-proxy-new.txt")).otherTables()).isEmpty();
	}

	/**
	 * A rule quoted alone, with no {@code *table} header or {@code -P} lines, as
	 * kubernetes#23657's maintainer quoted kube-proxy's REJECT: a REJECT (or DROP, or a
	 * filter-only chain) is never a nat rule, so the nat table was not read; an excerpt
	 * with a nat target beside it stays nat.
	 */
	@Test
	void aLoneRuleThatOnlyTheFilterTableTakesIsNotANatRule() {
		String reject = "-A KUBE-SERVICES -d 10.0.0.10/32 -p udp -m comment --comment \"kube-system/kube-dns:dns has "
				+ "no endpoints\" -m udp --dport 53 -j REJECT --reject-with icmp-port-unreachable\n";
		NatTable alone = IptablesParser.parse(reject);
		assertThat(alone.rules()).isEmpty();
		assertThat(alone.otherTablesOnly()).isTrue();
		assertThat(alone.otherTables()).singleElement().satisfies((t) -> {
			assertThat(t.table()).isEqualTo("filter");
			assertThat(t.lines()).isEqualTo("line 1");
			assertThat(t.basis()).isEqualTo("REJECT is never in the nat table");
		});
		NatTable excerpt = IptablesParser
			.parse(reject + "-A POSTROUTING -s 10.244.0.0/16 ! -d 10.244.0.0/16 -j MASQUERADE\n");
		assertThat(excerpt.otherTables()).isEmpty();
		assertThat(excerpt.sourceNatRules()).hasSize(1);
	}

}
