package dev.racetrack.diagnose;

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
			assertThat(dns.port()).isEqualTo("53");
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

}
