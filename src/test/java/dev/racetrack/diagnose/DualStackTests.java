package dev.racetrack.diagnose;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * IPv6 and dual-stack nodes: kube-proxy writes the same chains for each family
 * (ip6tables' nat table, nft's {@code table ip6 kube-proxy}), kubectl prints an IPv6
 * ClusterIP in the same column, and conntrack lists IPv6 entries in the same fields. The
 * same readers read both; these pin the IPv6 shapes (kube-proxy's own, from
 * pkg/proxy/nftables/proxier.go and pkg/proxy/iptables/proxier.go, with kind's default
 * IPv6 service range {@code fd00:10:96::/112}), since no stored thread shows them.
 */
class DualStackTests {

	private static final String NFT_IP6 = """
			table ip6 kube-proxy {
				map service-ips {
					type ipv6_addr . inet_proto . inet_service : verdict
					comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"
					elements = { fd00:10:96::a . udp . 53 : goto service-FY5PMXPG-kube-system/kube-dns/udp/dns }
				}

				chain service-FY5PMXPG-kube-system/kube-dns/udp/dns {
					ip6 daddr fd00:10:96::a udp dport 53 ip6 saddr != fd00:10:244::/56 jump mark-for-masquerade
					%s
				}
			%s}
			""";

	/**
	 * kube-proxy's endpoint chains DNAT to {@code [address]:port} for IPv6 (nft prints
	 * the brackets), and its single-endpoint form is {@code dnat ip6 addr . port to
	 * fd00:10:244::4 . 6443} (kubernetes/kubernetes#140960). These used to be no DNAT at
	 * all: the cluster DNS had no endpoint, and race 3 could not be ruled out.
	 */
	@Test
	void nftIp6EndpointsAreReadAsTheIpv4Ones() {
		for (String dnat : List.of("meta l4proto udp dnat ip6 addr . port to fd00:10:244:1::3 . 53",
				"meta l4proto udp dnat ip6 to fd00:10:244:1::3 . 53",
				"meta l4proto udp dnat to [fd00:10:244:1::3]:53")) {
			String ruleset = NFT_IP6.formatted(dnat, "");
			NatTable nat = IptablesParser.parse(ruleset);
			assertThat(nat.dnsService()).as(dnat).hasValueSatisfying((dns) -> {
				assertThat(dns.endpoints()).containsExactly("[fd00:10:244:1::3]:53");
				assertThat(dns.clusterIp()).isEqualTo("fd00:10:96::a");
				assertThat(dns.port()).isEqualTo("53");
			});
			Diagnosis diagnosis = new Diagnoser().diagnose(NodeSample.pasted(ruleset, null));
			assertThat(diagnosis.findings()).as(dnat)
				.extracting(Finding::id)
				.contains(DnatRaceRules.RACE_3_RULED_OUT)
				.doesNotContain("dnat-race-3");
		}
	}

	/**
	 * kube-proxy names an IPv6 endpoint's chain with the address's colons written as dots
	 * ({@code servicePortEndpointChainNameBase}: colons are not allowed in a chain name).
	 */
	@Test
	void nftIp6EndpointChainsAndNumgenMapGiveEachEndpoint() {
		String chains = """
					chain endpoint-5OJB2KTY-kube-system/kube-dns/udp/dns__fd00.10.244.1..3/53 {
						ip6 saddr fd00:10:244:1::3 jump mark-for-masquerade
						meta l4proto udp dnat to [fd00:10:244:1::3]:53
					}

					chain endpoint-ZAL4KXDT-kube-system/kube-dns/udp/dns__fd00.10.244.2..4/53 {
						ip6 saddr fd00:10:244:2::4 jump mark-for-masquerade
						meta l4proto udp dnat to [fd00:10:244:2::4]:53
					}
				""";
		String vmap = NFT_IP6
			.formatted("numgen random mod 2 vmap { 0 : goto endpoint-5OJB2KTY-kube-system/kube-dns/udp/dns"
					+ "__fd00.10.244.1..3/53 , 1 : goto endpoint-ZAL4KXDT-kube-system/kube-dns/udp/dns__fd00.10.244.2..4/53 }",
					chains);
		String map = NFT_IP6
			.formatted("meta l4proto udp dnat ip6 to numgen random mod 2 map { 0 : fd00:10:244:1::3 . 53 ,"
					+ " 1 : fd00:10:244:2::4 . 53 }", "");
		for (String ruleset : List.of(vmap, map)) {
			assertThat(IptablesParser.parse(ruleset).dnsService())
				.hasValueSatisfying((dns) -> assertThat(dns.endpoints()).containsExactly("[fd00:10:244:1::3]:53",
						"[fd00:10:244:2::4]:53"));
		}
	}

	/** ip6tables -t nat -S of kube-proxy: the same chains, IPv6 addresses. */
	@Test
	void ip6tablesServiceChainsAreReadAsIptablesOnes() {
		String rules = """
				-A KUBE-SERVICES -d fd00:10:96::a/128 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
				-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> [fd00:10:244:1::3]:53" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-AAAAAAAAAAAAAAAA
				-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> [fd00:10:244:2::4]:53" -j KUBE-SEP-BBBBBBBBBBBBBBBB
				-A KUBE-SEP-AAAAAAAAAAAAAAAA -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination [fd00:10:244:1::3]:53
				-A KUBE-SEP-BBBBBBBBBBBBBBBB -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination [fd00:10:244:2::4]:53
				""";
		assertThat(IptablesParser.parse(rules).dnsService()).hasValueSatisfying((dns) -> {
			assertThat(dns.clusterIp()).isEqualTo("fd00:10:96::a");
			assertThat(dns.endpoints()).containsExactly("[fd00:10:244:1::3]:53", "[fd00:10:244:2::4]:53");
		});
	}

	/**
	 * kubectl prints a Service's first ClusterIP (spec.clusterIP), IPv6 on an IPv6-only
	 * or IPv6-first dual-stack cluster. Such rows used to be unread, so the cluster DNS
	 * service was not found.
	 */
	@Test
	void kubectlGetSvcWithAnIpv6ClusterIpIsTheClusterDns() {
		String paste = """
				$ kubectl get svc -n kube-system
				NAME       TYPE        CLUSTER-IP      EXTERNAL-IP   PORT(S)                  AGE
				kube-dns   ClusterIP   fd00:10:96::a   <none>        53/UDP,53/TCP,9153/TCP   12d
				""";
		Diagnoser.Reading reading = new Diagnoser().read(NodeSample.pasted(paste, null));
		PasteReader.Sorted sorted = reading.sorted().get(NodeSample.PASTE);
		NodeExtras extras = NodeExtras.read(sorted, sorted.commands());
		assertThat(extras.dnsService())
			.hasValueSatisfying((svc) -> assertThat(svc.clusterIp()).isEqualTo("fd00:10:96::a"));
		assertThat(reading.diagnosis().unreadLines()).isEmpty();
	}

	@Test
	void anIpv6ClusterIpIsAnAddressButATimeIsNot() {
		assertThat(PasteReader.SERVICE_ROW.matcher("kubernetes   ClusterIP   fd00:4000::1   <none>   443/TCP   26m")
			.matches()).isTrue();
		assertThat(
				PasteReader.SERVICE_ROW.matcher("kubernetes   ClusterIP   17:33:03   <none>   443/TCP   26m").matches())
			.isFalse();
	}

	/**
	 * conntrack -L -f ipv6 prints the same fields; the address is bracketed before its
	 * port.
	 */
	@Test
	void conntrackListIpv6DestinationIsWrittenWithBrackets() {
		String paste = """
				$ sudo conntrack -L -f ipv6 -p udp --dport 53
				udp      17 27 src=fd00:10:244:1::7 dst=fd00:10:96::a sport=41234 dport=53 [UNREPLIED] src=fd00:10:244:2::4 dst=fd00:10:244:1::7 sport=53 dport=41234 mark=0 use=1
				udp      17 28 src=fd00:10:244:1::7 dst=fd00:10:96::a sport=41235 dport=53 src=fd00:10:244:1::3 dst=fd00:10:244:1::7 sport=53 dport=41235 mark=0 use=1
				conntrack v1.4.8 (conntrack-tools): 2 flow entries have been shown.
				""";
		Diagnosis diagnosis = new Diagnoser().diagnose(NodeSample.pasted(paste, null));
		assertThat(diagnosis.findings().stream().flatMap((f) -> f.evidence().stream()))
			.contains("Most entries go to udp [fd00:10:96::a]:53 (2).");
	}

	/**
	 * The races are the same on IPv6 (the clash rule is the UDP protocol's, NAT picks
	 * tuples alike for both families); the DNS race findings say so once, and that the
	 * replay uses IPv4 addresses. An IPv4 cluster DNS gets no such line.
	 */
	@Test
	void anIpv6ClusterDnsSaysTheRacesAreTheSameAndTheReplayIsIpv4() {
		String ip6 = """
				-A KUBE-SERVICES -d fd00:10:96::a/128 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
				-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-AAAAAAAAAAAAAAAA
				-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns" -j KUBE-SEP-BBBBBBBBBBBBBBBB
				-A KUBE-SEP-AAAAAAAAAAAAAAAA -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination [fd00:10:244:1::3]:53
				-A KUBE-SEP-BBBBBBBBBBBBBBBB -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination [fd00:10:244:2::4]:53
				""";
		String ip4 = ip6.replace("fd00:10:96::a/128", "10.96.0.10/32")
			.replace("[fd00:10:244:1::3]", "10.244.1.3")
			.replace("[fd00:10:244:2::4]", "10.244.2.4");
		assertThat(evidence(ip6)).anyMatch((e) -> e.startsWith("The cluster DNS is IPv6 (fd00:10:96::a)")
				&& e.contains("the replay shows them with IPv4 addresses"));
		assertThat(evidence(ip4)).noneMatch((e) -> e.contains("IPv6"));
	}

	/** The evidence of every finding (each line is shown once, in the first finding). */
	private static List<String> evidence(String paste) {
		return new Diagnoser().diagnose(NodeSample.pasted(paste, null))
			.findings()
			.stream()
			.flatMap((f) -> f.evidence().stream())
			.toList();
	}

	/**
	 * An ip6tables-save without its nat table: the nat table to ask for is the IPv6 one
	 * (the header {@code # Generated by ip6tables-save}, or the command above
	 * {@code ip6tables -S}); an iptables-save still asks for iptables'.
	 */
	@Test
	void anIp6tablesListingOfAnotherTableAsksForIp6tablesNat() {
		String filter = """
				*filter
				:INPUT ACCEPT [0:0]
				:FORWARD ACCEPT [0:0]
				:OUTPUT ACCEPT [0:0]
				-A INPUT -j KUBE-FIREWALL
				COMMIT
				""";
		assertThat(verdict("# Generated by ip6tables-save v1.8.9 (nf_tables) on Sat Mar  9 17:33:03 2024\n" + filter))
			.contains("The ip6tables paste is the filter table, not nat: paste ip6tables -t nat -S.");
		assertThat(verdict("$ sudo ip6tables -S\n-P INPUT ACCEPT\n-P FORWARD ACCEPT\n-P OUTPUT ACCEPT\n"
				+ "-A INPUT -j KUBE-FIREWALL\n"))
			.contains("paste ip6tables -t nat -S.");
		assertThat(verdict("# Generated by iptables-save v1.8.9 (nf_tables) on Sat Mar  9 17:33:03 2024\n" + filter))
			.contains("The iptables paste is the filter table, not nat: paste iptables -t nat -S.");
	}

	private static String verdict(String paste) {
		return new Diagnoser().diagnose(NodeSample.pasted(paste, null)).verdict().text();
	}

}
