package dev.racetrack.diagnose;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link KubeServices}: the address and port a kube-proxy service is shown
 * with, and its endpoints'.
 */
class KubeServicesTests {

	/**
	 * kubernetes/kubernetes#110659 (mseiwald, 2022-06-23; the corpus paste
	 * {@code k8s-110659-mseiwald}): the stored window of an {@code iptables-save} of
	 * kube-proxy in iptables mode holds the service chain's own masquerade rule,
	 * {@code -A KUBE-SVC-WL5NQVGZQBT7QDQQ ! -s 10.1.0.0/16 -d 10.104.135.179/32 -p tcp -m
	 * comment --comment "sci-observ/elastic-operator-webhook:https cluster IP" -m tcp
	 * --dport 443 -j KUBE-MARK-MASQ}, and its endpoint's {@code -j DNAT --to-destination
	 * 10.1.75.149:9443}, but not the {@code KUBE-SERVICES} rule. The service is
	 * 10.104.135.179:443; 9443 is the pod's port (the targetPort). It used to be shown as
	 * {@code tcp/9443}.
	 */
	@Test
	void aServiceChainWithoutItsKubeServicesRuleKeepsItsClusterIpAndPort() {
		NatTable nat = IptablesParser.parse(Fixtures.read("corpus/k8s-110659-mseiwald.txt"));
		KubeService webhook = service(nat.services(), "KUBE-SVC-WL5NQVGZQBT7QDQQ");
		assertThat(webhook.protocol()).isEqualTo("tcp");
		assertThat(webhook.port()).isEqualTo("443");
		assertThat(webhook.clusterIp()).isEqualTo("10.104.135.179");
		assertThat(webhook.endpoints()).containsExactly("10.1.75.149:9443");
		assertThat(webhook.describe()).contains("tcp/443")
			.contains("ClusterIP 10.104.135.179")
			.contains("→ 10.1.75.149:9443")
			.doesNotContain("tcp/9443");
		// Its endpoint chain was cut from the window: the port is the rule's all the
		// same.
		KubeService exporter = service(nat.services(), "KUBE-SVC-Z3SICHNKNZGIUBYO");
		assertThat(exporter.port()).isEqualTo("80");
		assertThat(exporter.clusterIp()).isEqualTo("10.105.152.218");
		assertThat(exporter.endpoints()).isEmpty();
	}

	/**
	 * projectcalico/calico#8025 (bchappat, 2023; the corpus paste
	 * {@code calico-8025-bchappat}): iptables-nft's rules as {@code nft list ruleset}
	 * shows them, chain {@code KUBE-SVC-JOQCPDX2ATLAF3TL} with {@code ip daddr
	 * 10.43.23.129 tcp dport 443 … jump KUBE-MARK-MASQ} and its endpoint {@code dnat to
	 * 10.42.0.10:10250} (k3s's metrics-server). It used to be shown as {@code tcp/10250}.
	 */
	@Test
	void anIptablesNftServiceChainListedByNftKeepsItsClusterIpAndPort() {
		NatTable nat = IptablesParser.parse(Fixtures.read("corpus/calico-8025-bchappat.txt"));
		KubeService metrics = service(nat.services(), "KUBE-SVC-JOQCPDX2ATLAF3TL");
		assertThat(metrics.port()).isEqualTo("443");
		assertThat(metrics.clusterIp()).isEqualTo("10.43.23.129");
		assertThat(metrics.endpoints()).containsExactly("10.42.0.10:10250");
		assertThat(nat.dnsService()).hasValueSatisfying((dns) -> {
			assertThat(dns.chain()).isEqualTo("KUBE-SVC-YFPH5LFNKP7E3G4L");
			assertThat(dns.clusterIp()).isEqualTo("10.43.0.10");
			assertThat(dns.describe()).contains("udp/53, ClusterIP 10.43.0.10").contains("→ 10.42.0.7:53");
		});
	}

	/**
	 * kube-proxy before 1.24 sent a node port straight to the service chain, and legacy
	 * {@code iptables-save} prints the chains by name, so {@code KUBE-NODEPORTS} comes
	 * before {@code KUBE-SERVICES}. The two {@code KUBE-NODEPORTS} lines, the
	 * {@code KUBE-SEP-HWBRBQK2D3ON6V2X} lines and the chain names are
	 * kubernetes/kubernetes #41341's (cofyc, 2017); that window ends before its
	 * {@code KUBE-SERVICES} and {@code KUBE-SVC-54WW65JLHZHRV7HC} rules, which are
	 * written here in kube-proxy 1.5's shape (the ClusterIP 10.96.100.10 is made up): the
	 * node port 32051 is not the service's port, 443 is. It used to be shown as
	 * {@code tcp/32051}.
	 */
	@Test
	void aNodePortIsNotTheServicePort() {
		String save = """
				-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:https" -m tcp --dport 32051 -j KUBE-MARK-MASQ
				-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:https" -m tcp --dport 32051 -j KUBE-SVC-54WW65JLHZHRV7HC
				-A KUBE-SEP-HWBRBQK2D3ON6V2X -s 10.244.0.32/32 -m comment --comment "default/web:https" -j KUBE-MARK-MASQ
				-A KUBE-SEP-HWBRBQK2D3ON6V2X -p tcp -m comment --comment "default/web:https" -m tcp -j DNAT --to-destination 10.244.0.32:443
				-A KUBE-SERVICES -d 10.96.100.10/32 -p tcp -m comment --comment "default/web:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-54WW65JLHZHRV7HC
				-A KUBE-SVC-54WW65JLHZHRV7HC -m comment --comment "default/web:https" -j KUBE-SEP-HWBRBQK2D3ON6V2X
				""";
		KubeService web = service(IptablesParser.parse(save).services(), "KUBE-SVC-54WW65JLHZHRV7HC");
		assertThat(web.port()).isEqualTo("443");
		assertThat(web.clusterIp()).isEqualTo("10.96.100.10");
		// Without the KUBE-SERVICES rule the port is not known: neither the node port nor
		// the pod's.
		String nodePortsOnly = save.lines()
			.filter((l) -> !l.startsWith("-A KUBE-SERVICES"))
			.toList()
			.stream()
			.reduce("", (a, b) -> a + b + "\n");
		KubeService cut = service(IptablesParser.parse(nodePortsOnly).services(), "KUBE-SVC-54WW65JLHZHRV7HC");
		assertThat(cut.protocol()).isEqualTo("tcp");
		assertThat(cut.port()).isEmpty();
		assertThat(cut.describe()).contains("(default/web:https, tcp)").contains("→ 10.244.0.32:443");
	}

	/**
	 * {@code iptables -t nat -L} rows of {@code KUBE-NODEPORTS} whose {@code Chain …}
	 * header was cut, in the shape of the rows in medic/cht-core#6876 (mrjones-plip,
	 * 2021:
	 * {@code KUBE-SVC-X3WUOHPTYIG7AA3Q  tcp  --  anywhere  anywhere  /* kube-system/traefik:http
	 * *}{@code /  tcp dpt:30579} under a bare {@code target prot opt source destination}
	 * line); the service chain's rows and the endpoint's DNAT to 10.42.0.56:80 are
	 * written here in kube-proxy's shape. A row without a destination address and without
	 * kube-proxy's "cluster IP" comment is a node port's: its {@code dpt:} is not the
	 * service's port.
	 */
	@Test
	void aNodePortRowWithoutItsChainHeaderIsNotTheServicePort() {
		String listing = """
				target     prot opt source               destination
				KUBE-MARK-MASQ  tcp  --  anywhere             anywhere             /* kube-system/traefik:http */ tcp dpt:30579
				KUBE-SVC-X3WUOHPTYIG7AA3Q  tcp  --  anywhere             anywhere             /* kube-system/traefik:http */ tcp dpt:30579

				Chain KUBE-SVC-X3WUOHPTYIG7AA3Q (2 references)
				target     prot opt source               destination
				KUBE-SEP-3D2PP3ZX6YNMQERR  all  --  anywhere             anywhere             /* kube-system/traefik:http */

				Chain KUBE-SEP-3D2PP3ZX6YNMQERR (1 references)
				target     prot opt source               destination
				KUBE-MARK-MASQ  all  --  10.42.0.56           anywhere             /* kube-system/traefik:http */
				DNAT       tcp  --  anywhere             anywhere             /* kube-system/traefik:http */ tcp to:10.42.0.56:80
				""";
		KubeService traefik = service(IptablesParser.parse(listing).services(), "KUBE-SVC-X3WUOHPTYIG7AA3Q");
		assertThat(traefik.protocol()).isEqualTo("tcp");
		assertThat(traefik.port()).isEmpty();
		assertThat(traefik.endpoints()).containsExactly("10.42.0.56:80");
	}

	/**
	 * kube-proxy's nftables mode writes a service with one endpoint without a map since
	 * kubernetes/kubernetes#140723 ("kube-proxy/nftables: avoid numgen map for
	 * single-endpoint service DNAT", merged 2026-07-19): the service chain DNATs itself,
	 * {@code meta l4proto tcp dnat ip addr . port to 10.180.0.1 . 80} where it wrote
	 * {@code dnat ip addr . port to numgen random mod 1 map { 0 : 10.180.0.1 . 80 }} (the
	 * proxier_test.go lines of kubernetes/kubernetes#140362; #140960 quotes the IPv6 form
	 * {@code dnat ip6 addr . port to fd00:10:244::4 . 6443} that made nft abort, and
	 * rewrote it a week later in a form the stored copies do not show). nft lists the
	 * concatenation as {@code dnat ip to 10.180.0.1 . 80}. No real paste of it exists
	 * yet: the ruleset is kube-proxy's own test shape (the chain, map and masquerade rule
	 * of pkg/proxy/nftables/proxier_test.go and proxier.go), for the cluster DNS with one
	 * CoreDNS replica. Such a chain used to be no service at all: only the map's element
	 * was read, as a chain "not pasted", and race 3 asked for the chain that was there.
	 */
	@Test
	void aSingleEndpointServiceChainThatDnatsItselfHasThatEndpoint() {
		for (String dnat : List.of("meta l4proto udp dnat ip addr . port to 10.244.0.3 . 53",
				"meta l4proto udp dnat ip to 10.244.0.3 . 53", "meta l4proto udp dnat to 10.244.0.3:53")) {
			String ruleset = """
					table ip kube-proxy {
						map service-ips {
							type ipv4_addr . inet_proto . inet_service : verdict
							comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"
							elements = { 10.96.0.10 . udp . 53 : goto service-FY5PMXPG-kube-system/kube-dns/udp/dns }
						}

						chain service-FY5PMXPG-kube-system/kube-dns/udp/dns {
							ip daddr 10.96.0.10 udp dport 53 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
							%s
						}
					}
					""".formatted(dnat);
			NatTable nat = IptablesParser.parse(ruleset);
			assertThat(nat.dnsService()).as(dnat).hasValueSatisfying((dns) -> {
				assertThat(dns.chainPasted()).isTrue();
				assertThat(dns.endpoints()).containsExactly("10.244.0.3:53");
				assertThat(dns.endpointCount()).isEqualTo(1);
				assertThat(dns.clusterIp()).isEqualTo("10.96.0.10");
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
	 * A service whose internal traffic policy is Local: kube-proxy's nftables mode sends
	 * its ClusterIP to its {@code local-HASH-…} chain, which spreads over the endpoints
	 * on this node (pkg/proxy/nftables/proxier.go: {@code internalPolicyChain =
	 * localPolicyChain} when {@code svcInfo.InternalPolicyLocal()}; the service-ips
	 * element {@code goto internalTrafficChain}; {@code writeServiceToEndpointRules}
	 * writes the same {@code numgen random mod N vmap} into it). No real paste of it was
	 * found; the ruleset is in that shape, with kube-proxy's test names (the hash is made
	 * up). Such a cluster DNS used to be no service at all.
	 */
	@Test
	void aLocalPolicyChainTheClusterIpGoesToIsTheService() {
		String ruleset = """
				table ip kube-proxy {
					map service-ips {
						type ipv4_addr . inet_proto . inet_service : verdict
						elements = { 10.96.0.10 . udp . 53 : goto local-FY5PMXPG-kube-system/kube-dns/udp/dns }
					}

					chain local-FY5PMXPG-kube-system/kube-dns/udp/dns {
						ip daddr 10.96.0.10 udp dport 53 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
						numgen random mod 2 vmap { 0 : goto endpoint-5OJB2KTY-kube-system/kube-dns/udp/dns__10.244.1.3/53 , 1 : goto endpoint-SGOXE6O3-kube-system/kube-dns/udp/dns__10.244.1.4/53 }
					}

					chain endpoint-5OJB2KTY-kube-system/kube-dns/udp/dns__10.244.1.3/53 {
						ip saddr 10.244.1.3 jump mark-for-masquerade
						meta l4proto udp dnat to 10.244.1.3:53
					}

					chain endpoint-SGOXE6O3-kube-system/kube-dns/udp/dns__10.244.1.4/53 {
						ip saddr 10.244.1.4 jump mark-for-masquerade
						meta l4proto udp dnat to 10.244.1.4:53
					}
				}
				""";
		NatTable nat = IptablesParser.parse(ruleset);
		assertThat(nat.dnsService()).hasValueSatisfying((dns) -> {
			assertThat(dns.chain()).startsWith("local-");
			assertThat(dns.name()).isEqualTo("kube-system/kube-dns:dns");
			assertThat(dns.endpoints()).containsExactly("10.244.1.3:53", "10.244.1.4:53");
			assertThat(dns.clusterIp()).isEqualTo("10.96.0.10");
		});
		assertThat(nat.multiEndpointUdpServices()).hasSize(1);
	}

	/**
	 * A service whose external traffic policy is Local has both chains: the ClusterIP
	 * goes to {@code service-…} (all endpoints), its external IP to {@code external-…},
	 * which goes to {@code local-…} (this node's endpoints). The shape is
	 * proxier_test.go's TestOverallNFTablesRules
	 * ({@code external-42NFTM6N-ns2/svc2/tcp/p80} with its "short-circuit pod traffic"
	 * and "masquerade local traffic" rules) with a local endpoint added, as proxier.go
	 * writes it ({@code goto externalPolicyChain}). The {@code local-} chain is not a
	 * second service: the service is the ClusterIP's chain, with both endpoints.
	 */
	@Test
	void aLocalPolicyChainOnlyExternalAddressesGoToIsNotASecondService() {
		String ruleset = """
				table ip kube-proxy {
					map service-ips {
						type ipv4_addr . inet_proto . inet_service : verdict
						elements = { 172.30.0.42 . udp . 80 : goto service-42NFTM6N-ns2/svc2/udp/p80,
							     192.168.99.22 . udp . 80 : goto external-42NFTM6N-ns2/svc2/udp/p80 }
					}

					chain service-42NFTM6N-ns2/svc2/udp/p80 {
						ip daddr 172.30.0.42 udp dport 80 ip saddr != 10.0.0.0/8 jump mark-for-masquerade
						numgen random mod 2 vmap { 0 : goto endpoint-SGOXE6O3-ns2/svc2/udp/p80__10.180.0.2/80 , 1 : goto endpoint-UNZV3OEC-ns2/svc2/udp/p80__10.180.1.2/80 }
					}

					chain external-42NFTM6N-ns2/svc2/udp/p80 {
						ip saddr 10.0.0.0/8 goto service-42NFTM6N-ns2/svc2/udp/p80 comment "short-circuit pod traffic"
						fib saddr type local jump mark-for-masquerade comment "masquerade local traffic"
						fib saddr type local goto service-42NFTM6N-ns2/svc2/udp/p80 comment "short-circuit local traffic"
						goto local-42NFTM6N-ns2/svc2/udp/p80
					}

					chain local-42NFTM6N-ns2/svc2/udp/p80 {
						numgen random mod 1 vmap { 0 : goto endpoint-SGOXE6O3-ns2/svc2/udp/p80__10.180.0.2/80 }
					}

					chain endpoint-SGOXE6O3-ns2/svc2/udp/p80__10.180.0.2/80 {
						ip saddr 10.180.0.2 jump mark-for-masquerade
						meta l4proto udp dnat to 10.180.0.2:80
					}

					chain endpoint-UNZV3OEC-ns2/svc2/udp/p80__10.180.1.2/80 {
						ip saddr 10.180.1.2 jump mark-for-masquerade
						meta l4proto udp dnat to 10.180.1.2:80
					}
				}
				""";
		List<KubeService> services = IptablesParser.parse(ruleset).services();
		assertThat(services).singleElement().satisfies((svc) -> {
			assertThat(svc.chain()).isEqualTo("service-42NFTM6N-ns2/svc2/udp/p80");
			assertThat(svc.endpoints()).containsExactly("10.180.0.2:80", "10.180.1.2:80");
			assertThat(svc.clusterIp()).isEqualTo("172.30.0.42");
		});
		// Without the map, the service- chain is still the ClusterIP's.
		String withoutMap = ruleset.replaceAll("(?s)\\tmap service-ips \\{.*?\\n\\t\\}\\n", "");
		assertThat(withoutMap).doesNotContain("service-ips");
		assertThat(IptablesParser.parse(withoutMap).services()).extracting(KubeService::chain)
			.containsExactly("service-42NFTM6N-ns2/svc2/udp/p80");
	}

	private static KubeService service(List<KubeService> services, String chain) {
		return services.stream().filter((s) -> s.chain().equals(chain)).findFirst().orElseThrow();
	}

}
