package dev.racetrack.diagnose;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.racetrack.diagnose.KernelFixes.Fix;

import dev.racetrack.kernel.KernelProfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Tests for {@link PasteReader} and the parsers it feeds: every form of Deliver 1 of
 * issue 15, the noise around it, and inputs built to break a regex.
 */
class PasteReaderTests {

	private final Diagnoser diagnoser = new Diagnoser();

	private Diagnosis paste(String text) {
		return this.diagnoser.diagnose(NodeSample.pasted(text, null));
	}

	private static NatTable nat(String text) {
		PasteReader.Sorted sorted = PasteReader.read(text);
		return IptablesParser.parse(sorted.of(PasteFormat.IPTABLES_SAVE), sorted.of(PasteFormat.IPTABLES_LIST),
				sorted.of(PasteFormat.NFT));
	}

	@Test
	void eachCommandIsKeptOnceWithItsLineAndTheLastOneAboveALineIsFound() {
		PasteReader.Sorted sorted = PasteReader.read("""
				$ cat /proc/sys/net/netfilter/nf_conntrack_max
				262144
				$ kubectl get endpointslices -n kube-system -o custom-columns=NAME:.metadata.name
				NAME
				kube-dns-x7k2p
				""");
		PastedCommand cat = new PastedCommand(1, "cat /proc/sys/net/netfilter/nf_conntrack_max");
		PastedCommand kubectl = new PastedCommand(3,
				"kubectl get endpointslices -n kube-system -o custom-columns=NAME:.metadata.name");
		assertThat(sorted.commands()).containsExactly(cat, kubectl);
		assertThat(PasteReader.Sorted.commandAbove(sorted.commands(), 2, (c) -> true)).contains(cat);
		assertThat(PasteReader.Sorted.commandAbove(sorted.commands(), 3, (c) -> true)).contains(kubectl);
		assertThat(PasteReader.Sorted.commandAbove(sorted.commands(), 5, (c) -> c.startsWith("cat "))).contains(cat);
		assertThat(PasteReader.Sorted.commandAbove(sorted.commands(), 5, (c) -> c.contains("tcpdump"))).isEmpty();
	}

	@Test
	void iptablesListWithLineNumbersVerboseAndExactCountersRebuildsEachRule() {
		NatTable nat = nat(
				"""
						$ sudo iptables -t nat -L POSTROUTING -n -v -x --line-numbers
						Chain POSTROUTING (policy ACCEPT 0 packets, 0 bytes)
						num      pkts      bytes target     prot opt in     out     source               destination
						1     1235002  74100120 KUBE-POSTROUTING  all  --  *      *       0.0.0.0/0            0.0.0.0/0            /* kubernetes postrouting rules */
						2        3612    216720 MASQUERADE  all  --  *      !docker0  172.17.0.0/16        0.0.0.0/0
						""");
		assertThat(nat.problems()).isEmpty();
		assertThat(nat.sourceNatRules()).singleElement().satisfies((rule) -> {
			assertThat(rule.packets()).isEqualTo(3612);
			assertThat(rule.saveText()).isEqualTo("-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE");
			assertThat(MasqueradeOwners.owner(rule)).isEqualTo("Docker");
		});
	}

	@Test
	void iptablesListWithoutNumericOrVerboseAndWithUnitCountersIsRead() {
		NatTable plain = nat("Chain POSTROUTING (policy ACCEPT)\ntarget     prot opt source               destination\n"
				+ "MASQUERADE  all  --  172.17.0.0/16        anywhere             random-fully\n");
		assertThat(plain.sourceNatRules()).singleElement().satisfies((rule) -> assertThat(rule.randomFully()).isTrue());
		NatTable units = nat("  12G 1000G MASQUERADE  all  --  *  eth0  10.0.0.0/8  0.0.0.0/0\n");
		assertThat(units.sourceNatRules()).singleElement()
			.satisfies((rule) -> assertThat(rule.packets()).isEqualTo(12_000_000_000L));
		assertThat(IptablesListParser.counter("1497K")).isEqualTo(1_497_000);
	}

	@Test
	void aTcpServiceIsNoRace3ExposureAndAUdpDnsServiceIs() {
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.of(null,
				"""
						-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y
						-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https" -m statistic --mode random --probability 0.33332999982 -j KUBE-SEP-A
						-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-B
						-A KUBE-SVC-NPX46M4PTMTKRN6Y -m comment --comment "default/kubernetes:https" -j KUBE-SEP-C
						""",
				"5.4.0-1103-azure", null));
		assertThat(diagnosis.findings()).noneMatch((f) -> f.id().equals("dnat-race-3"));
	}

	@Test
	void nftRulesetOfIptablesNftAndOfNftablesKubeProxyAreRead() {
		NatTable nat = nat(
				"""
						table ip nat {
							chain POSTROUTING {
								type nat hook postrouting priority srcnat; policy accept;
								oifname != "docker0" ip saddr 172.17.0.0/16 counter packets 12 bytes 720 masquerade
							}
						}
						table ip kube-proxy {
							chain masquerading {
								meta mark & 0x00004000 == 0x00000000 return
								meta mark set meta mark ^ 0x00004000
								masquerade fully-random
							}
							chain service-ULMVA6XW-kube-system/kube-dns/udp/dns {
								ip daddr 10.96.0.10 udp dport 53 ip saddr != 10.244.0.0/16 jump mark-for-masquerade
								numgen random mod 2 vmap { 0 : goto endpoint-5OJB2KTY-kube-system/kube-dns/udp/dns__10.244.0.3/53 , 1 : goto endpoint-KPBHKWXE-kube-system/kube-dns/udp/dns__10.244.0.4/53 }
							}
							chain endpoint-5OJB2KTY-kube-system/kube-dns/udp/dns__10.244.0.3/53 {
								ip saddr 10.244.0.3 jump mark-for-masquerade
								meta l4proto udp dnat to 10.244.0.3:53
							}
							chain endpoint-KPBHKWXE-kube-system/kube-dns/udp/dns__10.244.0.4/53 {
								ip saddr 10.244.0.4 jump mark-for-masquerade
								meta l4proto udp dnat to 10.244.0.4:53
							}
						}
						""");
		assertThat(nat.problems()).isEmpty();
		assertThat(nat.sourceNatWithoutRandomFully()).singleElement().satisfies((rule) -> {
			assertThat(rule.packets()).isEqualTo(12);
			assertThat(rule.withRandomFully()).endsWith("masquerade fully-random");
		});
		assertThat(nat.sourceNatRules()).filteredOn(NatRule::randomFully)
			.singleElement()
			.satisfies((rule) -> assertThat(MasqueradeOwners.owner(rule)).isEqualTo("kube-proxy"));
		assertThat(nat.multiEndpointUdpServices()).singleElement().satisfies((service) -> {
			assertThat(service.name()).isEqualTo("kube-system/kube-dns:dns");
			assertThat(service.endpoints()).containsExactly("10.244.0.3:53", "10.244.0.4:53");
		});
	}

	/**
	 * {@code nft -a} prints each object's handle after it ({@code chain … { # handle 54},
	 * {@code … dnat to 10.244.1.71:8000 # handle 140}): the listing is nft all the same,
	 * and a {@code ....} where the one who pasted cut it is not a rule.
	 */
	@Test
	void nftListingWithHandlesIsReadAndAnElisionIsNoRule() {
		String paste = """
				# nft -a list table kube-proxy
				table ip kube-proxy { # handle 18
					comment "rules for kube-proxy"
					chain masquerading { # handle 9
						meta mark & 0x00004000 == 0x00000000 return # handle 10
						meta mark set meta mark ^ 0x00004000 # handle 11
						masquerade fully-random # handle 12
					}

					chain endpoint-5OJB2KTY-kube-system/kube-dns/udp/dns__10.244.0.3/53 { # handle 54
						ip saddr 10.244.0.3 jump mark-for-masquerade # handle 59
						meta l4proto udp dnat to 10.244.0.3:53 # handle 60
					}

					chain service-FY5PMXPG-kube-system/kube-dns/udp/dns { # handle 55
						ip daddr 10.96.0.10 udp dport 53 ip saddr != 10.244.0.0/16 jump mark-for-masquerade # handle 56
						numgen random mod 1 vmap { 0 : goto endpoint-5OJB2KTY-kube-system/kube-dns/udp/dns__10.244.0.3/53 } # handle 58
					}

				....
				""";
		NatTable nat = nat(paste);
		assertThat(nat.sourceNatRules()).singleElement().satisfies((rule) -> {
			assertThat(rule.randomFully()).isTrue();
			assertThat(MasqueradeOwners.owner(rule)).isEqualTo("kube-proxy");
		});
		assertThat(nat.dnsService()).hasValueSatisfying((service) -> {
			assertThat(service.name()).isEqualTo("kube-system/kube-dns:dns");
			assertThat(service.endpoints()).containsExactly("10.244.0.3:53");
		});
		assertThat(nat.rules()).noneMatch((rule) -> rule.text().startsWith("...."));
		Diagnosis diagnosis = paste(paste);
		assertThat(diagnosis.unreadLines()).isEmpty();
		assertThat(diagnosis.findings()).extracting(Finding::id)
			.contains("dns-single-endpoint")
			.doesNotContain(SnatPortRaceRule.ID);
	}

	/**
	 * A window of {@code nft list ruleset} that starts inside {@code table ip nat}: the
	 * chains iptables-nft writes for kube-proxy are nat chains by their names
	 * ({@code KUBE-SVC-…}, {@code KUBE-SEP-…}), so a service's jumps to its endpoints are
	 * read, not only the rules that DNAT.
	 */
	@Test
	void kubeProxyChainsPastedWithoutTheirTableAreNatChainsByTheirNames() {
		NatTable nat = nat(
				"""
							chain KUBE-SVC-YFPH5LFNKP7E3G4L {
								meta l4proto udp ip saddr != 10.42.0.0/16 ip daddr 10.43.0.10  udp dport 53 counter packets 0 bytes 0 jump KUBE-MARK-MASQ
								 counter packets 0 bytes 0 jump KUBE-SEP-FVAQVM3OEXTBBV2O
							}

							chain KUBE-SEP-FVAQVM3OEXTBBV2O {
								ip saddr 10.42.0.7  counter packets 0 bytes 0 jump KUBE-MARK-MASQ
								meta l4proto udp   counter packets 0 bytes 0 dnat to 10.42.0.7:53
							}
						""");
		assertThat(nat.dnsService()).hasValueSatisfying((service) -> {
			assertThat(service.chain()).isEqualTo("KUBE-SVC-YFPH5LFNKP7E3G4L");
			assertThat(service.endpoints()).containsExactly("10.42.0.7:53");
		});
		NatTable filter = nat("""
					chain FLANNEL-FWD {
						ip saddr 10.42.0.0/16  counter packets 0 bytes 0 accept
					}
				""");
		assertThat(filter.rules()).isEmpty();
	}

	/**
	 * nftables kube-proxy keeps each ClusterIP in its {@code service-ips} map
	 * ({@code 10.255.0.10 . udp . 53 : goto service-FY5PMXPG-kube-system/kube-dns/udp/dns}):
	 * the cluster DNS is found there though its chain was cut from the paste, and its
	 * endpoints are said not to be shown rather than counted as none: race 3 is neither
	 * ruled out nor said to be exposed, the finding asks for the chain. The lines are
	 * those of the corpus paste {@code k8s-training-temach-kube-proxy} (a real
	 * {@code nft -a} listing), the map moved after a chain as {@code nft list} also
	 * prints it: a map's elements are no rules of the chain before it.
	 */
	@Test
	void serviceIpsMapFindsTheClusterDnsWhoseChainWasCut() {
		String paste = """
				# nft -a list table kube-proxy
				table ip kube-proxy { # handle 18
					comment "rules for kube-proxy"
					chain endpoint-573J25N3-default/kubernetes/tcp/https__10.128.0.16/6443 { # handle 54
						ip saddr 10.128.0.16 jump mark-for-masquerade # handle 59
						meta l4proto tcp dnat to 10.128.0.16:6443 # handle 60
					}

					map service-ips { # handle 50
						type ipv4_addr . inet_proto . inet_service : verdict
						comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"
						elements = { 10.255.0.10 . tcp . 53 : goto service-NWBZK7IH-kube-system/kube-dns/tcp/dns-tcp,
							     10.255.0.10 . udp . 53 : goto service-FY5PMXPG-kube-system/kube-dns/udp/dns,
							     10.128.0.16 . tcp . 80 : goto external-TAO5FKKM-ingress-nginx/ingress-nginx-controller/tcp/http,
							     10.255.0.1 . tcp . 443 : goto service-2QRHZV4L-default/kubernetes/tcp/https,
							     10.255.0.10 . tcp . 9153 : goto service-AS2KJYAD-kube-system/kube-dns/tcp/metrics }
					}

					chain service-2QRHZV4L-default/kubernetes/tcp/https { # handle 55
						ip daddr 10.255.0.1 tcp dport 443 ip saddr != 10.244.0.0/16 jump mark-for-masquerade # handle 56
						numgen random mod 1 vmap { 0 : goto endpoint-573J25N3-default/kubernetes/tcp/https__10.128.0.16/6443 } # handle 58
					}
				....
				""";
		NatTable nat = nat(paste);
		assertThat(nat.rules()).noneMatch((rule) -> rule.text().contains(" . "));
		assertThat(nat.dnsService()).hasValueSatisfying((service) -> {
			assertThat(service.chain()).isEqualTo("service-FY5PMXPG-kube-system/kube-dns/udp/dns");
			assertThat(service.name()).isEqualTo("kube-system/kube-dns:dns");
			assertThat(service.clusterIp()).isEqualTo("10.255.0.10");
			assertThat(service.protocol()).isEqualTo("udp");
			assertThat(service.port()).isEqualTo("53");
			assertThat(service.chainPasted()).isFalse();
			assertThat(service.describe()).isEqualTo("line 13: service-FY5PMXPG-kube-system/kube-dns/udp/dns "
					+ "(kube-system/kube-dns:dns, udp/53, ClusterIP 10.255.0.10), in kube-proxy's service-ips map: "
					+ "its chain was not pasted, so its endpoints are not shown");
		});
		assertThat(nat.services()).filteredOn((service) -> service.name().equals("default/kubernetes:https"))
			.singleElement()
			.satisfies((service) -> {
				assertThat(service.clusterIp()).isEqualTo("10.255.0.1");
				assertThat(service.port()).isEqualTo("443");
				assertThat(service.endpoints()).containsExactly("10.128.0.16:6443");
			});
		Diagnosis diagnosis = paste(paste);
		assertThat(diagnosis.unreadLines()).isEmpty();
		// No uname: kube-proxy's own table says 5.13 or later (1.33+), read as 6.x.
		assertThat(diagnosis.profile().profile()).isEqualTo(KernelProfile.V6_X);
		assertThat(diagnosis.findings()).filteredOn((f) -> f.id().equals(KernelRule.ID))
			.singleElement()
			.satisfies((finding) -> assertThat(finding.evidence().get(0))
				.contains("kube-proxy's own nftables table (line 2: table ip kube-proxy)"));
		// On a kernel without the race 3 fix, the finding asks for the chain.
		Diagnosis older = paste("$ uname -r\n5.4.0\n" + paste);
		assertThat(older.findings()).extracting(Finding::id).doesNotContain(DnatRaceRules.RACE_3_RULED_OUT);
		assertThat(older.findings()).filteredOn((f) -> f.id().equals(DnatRaceRules.RACE_3.id()))
			.singleElement()
			.satisfies((finding) -> assertThat(finding.evidence().get(0))
				.endsWith("its endpoints are not shown. Race 3 needs two endpoints or more: nft list chain ip "
						+ "kube-proxy service-FY5PMXPG-kube-system/kube-dns/udp/dns shows them."));
	}

	/**
	 * kube-proxy's endpoint selection without endpoint chains, as its
	 * {@code pkg/proxy/nftables/proxier_test.go} (TestOverallNFTablesRules) expected it
	 * in July 2026 ({@code add rule ip kube-proxy service-ULMVA6XW-ns1/svc1/tcp/p80 meta
	 * l4proto tcp dnat ip addr . port to numgen random mod 1 map { 0 : 10.180.0.1 . 80
	 * }}, quoted in kubernetes/kubernetes#140362's review, 2026-07-09), and as nft lists
	 * it since the nftables change "src: infer NAT mapping with concatenation from set"
	 * (netfilter-devel, 2021-07-13: {@code dnat ip to numgen …}, its
	 * tests/shell/testcases/maps/dumps/nat_addr_port.nft). kube-proxy's test fixture
	 * shape, not a user paste; the service is the cluster DNS with the addresses of that
	 * test.
	 */
	@Test
	void numgenDnatMapGivesTheEndpointsOfAService() {
		NatTable written = nat(
				"""
						table ip kube-proxy {
							chain service-FY5PMXPG-kube-system/kube-dns/udp/dns {
								meta l4proto udp dnat ip addr . port to numgen random mod 2 map { 0 : 10.180.0.1 . 53 , 1 : 10.180.2.1 . 53 }
							}
						}
						""");
		assertThat(written.multiEndpointUdpServices()).singleElement().satisfies((service) -> {
			assertThat(service.name()).isEqualTo("kube-system/kube-dns:dns");
			assertThat(service.endpoints()).containsExactly("10.180.0.1:53", "10.180.2.1:53");
			// Neither the service-ips map nor the chain's masquerade rule was pasted: the
			// service port is not shown (53 is the endpoints').
			assertThat(service.port()).isEmpty();
		});
		String listed = """
				table ip kube-proxy {
					chain service-FY5PMXPG-kube-system/kube-dns/udp/dns {
						meta l4proto udp dnat ip to numgen random mod 1 map { 0 : 10.180.0.1 . 53 }
					}
				}
				""";
		assertThat(nat(listed).dnsService()).hasValueSatisfying((service) -> {
			assertThat(service.endpointCount()).isEqualTo(1);
			assertThat(service.endpoints()).containsExactly("10.180.0.1:53");
		});
		assertThat(paste(listed).findings()).extracting(Finding::id).contains(DnatRaceRules.RACE_3_RULED_OUT);
	}

	/**
	 * nftables kube-proxy's equivalent of iptables mode's REJECT "has no endpoints": an
	 * element of its {@code no-endpoint-services} map with {@code goto reject-chain}
	 * (kubernetes/kubernetes {@code pkg/proxy/nftables/proxier.go} at b0f823e6ccd8,
	 * syncProxyRules; its proxier_test.go at 81810de635aa, TestOverallNFTablesRules,
	 * expects {@code add element ip kube-proxy no-endpoint-services { 172.30.0.46 . tcp .
	 * 80 comment "ns6/svc6:p80" : goto reject-chain }}). The listing is in the shape nft
	 * prints the map, as in the real paste of kubernetes/kubernetes#131765 (corpus
	 * {@code k8s-131765-ffilippopoulos}); the elements for kube-dns are kube-proxy's test
	 * fixture shape, not a user paste. {@code drop} (a Local traffic policy with no
	 * endpoint on this node) is not read as no endpoint.
	 */
	@Test
	void noEndpointServicesRejectOfTheClusterDnsIsNoReadyEndpoint() {
		String map = """
				table ip kube-proxy {
					map no-endpoint-services {
						type ipv4_addr . inet_proto . inet_service : verdict
						comment "vmap to drop or reject packets to services with no endpoints"
						elements = { 10.96.0.10 . tcp . 53 comment "kube-system/kube-dns:dns-tcp" : goto reject-chain,
							     10.96.0.10 . udp . 53 comment "kube-system/kube-dns:dns" : goto reject-chain,
							     10.96.0.10 . tcp . 9153 comment "kube-system/kube-dns:metrics" : goto reject-chain }
					}
				}
				""";
		Diagnosis diagnosis = paste(map);
		assertThat(diagnosis.unreadLines()).isEmpty();
		assertThat(diagnosis.findings()).filteredOn((f) -> f.id().equals(DnsServiceRule.ID))
			.singleElement()
			.satisfies((finding) -> {
				assertThat(finding.severity()).isEqualTo(Severity.CRITICAL);
				assertThat(finding.evidence().get(0)).startsWith("line 6: 10.96.0.10 . udp . 53 comment "
						+ "\"kube-system/kube-dns:dns\" : goto reject-chain: kube-proxy rejects lookups to the cluster "
						+ "DNS service (\"kube-system/kube-dns:dns\"): it writes this element of its "
						+ "no-endpoint-services map only for a service port with no ready endpoint");
			});
		Diagnosis dropped = paste(
				map.replace("\"kube-system/kube-dns:dns\" : goto reject-chain", "\"kube-system/kube-dns:dns\" : drop"));
		assertThat(dropped.findings()).noneMatch((f) -> f.id().equals(DnsServiceRule.ID));
	}

	/**
	 * A map quoted without its table and cut inside it, in a Markdown fence (the real
	 * paste of kubernetes/kubernetes#131765, corpus {@code k8s-131765-ffilippopoulos}):
	 * the map header is nft, its element is read, and the fence ends the listing, so the
	 * prose after it is not taken for nft.
	 */
	@Test
	void aMapQuotedWithoutItsTableIsNftAndAFenceEndsIt() {
		String paste = """
				like:

				```
				        map no-endpoint-services {
				                type ipv4_addr . inet_proto . inet_service : verdict
				                comment "vmap to drop or reject packets to services with no endpoints"
				                elements = {\s
				                             10.88.1.2 . tcp . 80 comment "sys-ingress-priv/internal-ingress-controller-v2:web" : drop,
				```

				and iptables (https://github.com/kubernetes/kubernetes/pull/77523) modes.
				""";
		PasteReader.Sorted sorted = PasteReader.read(paste);
		assertThat(NftParser.parse(sorted.of(PasteFormat.NFT)).elements()).singleElement().satisfies((element) -> {
			assertThat(element.map()).isEqualTo("no-endpoint-services");
			assertThat(element.address()).isEqualTo("10.88.1.2");
			assertThat(element.comment()).isEqualTo("sys-ingress-priv/internal-ingress-controller-v2:web");
			assertThat(element.verdict()).isEqualTo("drop");
		});
		assertThat(sorted.of(PasteFormat.NFT)).extracting(Line::number).containsExactly(4, 5, 6, 7, 8);
		assertThat(paste(paste).unreadLines()).extracting(UnreadLine::line).containsExactly(11);
	}

	/**
	 * A kube-proxy service chain quoted without its table, its name holding slashes
	 * (pkg/proxy/nftables/proxier.go's {@code servicePortChainNameBase}), is nft.
	 */
	@Test
	void aKubeProxyServiceChainQuotedAloneIsNft() {
		String paste = """
				chain service-ULMVA6XW-kube-system/kube-dns/udp/dns {
					ip daddr 10.96.0.10 udp dport 53 jump mark-for-masquerade
					numgen random mod 2 vmap { 0 : goto endpoint-5OJB2KTY-kube-system/kube-dns/udp/dns__10.244.0.2/53, 1 : goto endpoint-ZBB3GYLD-kube-system/kube-dns/udp/dns__10.244.0.3/53 }
				}
				""";
		PasteReader.Sorted sorted = PasteReader.read(paste);
		assertThat(sorted.of(PasteFormat.NFT)).extracting(Line::number).containsExactly(1, 2, 3, 4);
		assertThat(paste(paste).unreadLines()).isEmpty();
	}

	/** Docker's MASQUERADE as nft lists iptables-nft's rule is Docker's, as in -S. */
	@Test
	void dockersMasqueradeAsNftListsItIsDockers() {
		NatTable nat = nat(
				"""
						table ip nat {
						        chain POSTROUTING {
						                type nat hook postrouting priority srcnat; policy accept;
						                oifname != "docker0" ip saddr 172.17.0.0/16 counter packets 0 bytes 0 masquerade
						                oifname != "br-591ca8bdf81a" ip saddr 172.18.0.0/16 counter packets 14 bytes 1215 masquerade
						                oifname != "eth0" ip saddr 10.0.0.0/8 counter packets 0 bytes 0 masquerade
						        }
						}
						""");
		assertThat(nat.sourceNatRules()).extracting(MasqueradeOwners::owner).containsExactly("Docker", "Docker", "");
	}

	@Test
	void outputOnTheSameLineAsItsCommandIsRead() {
		Diagnosis uname = paste(
				" uname -a Linux  5.10.0-9-amd64 #1 SMP Debian 5.10.70-1 (2021-09-30) x86_64 GNU/Linux");
		assertThat(uname.profile().uname()).isEqualTo("5.10.0-9-amd64");
		assertThat(uname.profile().explanation()).contains("5.10.70").contains("3 s here, not 2 s");
		Diagnosis stats = paste(
				"$ conntrack -S cpu=0 found=1 insert_failed=3 drop=3 cpu=1 found=2 insert_failed=4 drop=4");
		assertThat(stats.verdict().text()).startsWith("7 clash drops since the counters started");
		assertThat(stats.unreadLines()).isEmpty();
	}

	@Test
	void markdownQuotesAndFencesAroundAPasteAreTakenOff() {
		Diagnosis diagnosis = paste(
				"""
						> ```console
						> root@node:~# uname -r
						> 4.19.0-18-amd64
						> root@node:~# cat /proc/net/stat/nf_conntrack
						> entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart
						> 0000071e  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000004 00000002 00000000 00000000  00000000 00000000 00000000 00000000
						> ```
						""");
		assertThat(diagnosis.profile().uname()).isEqualTo("4.19.0-18-amd64");
		assertThat(diagnosis.profile().fixes().race2()).as("Debian 10 shipped 4.19.37").isEqualTo(Fix.FIXED);
		assertThat(diagnosis.unreadLines()).isEmpty();
		assertThat(diagnosis.verdict().text()).startsWith("2 clash drops");
	}

	@Test
	void procVersionOfAnAks415KernelHasTheUbuntuBackportOfRaces1And2() {
		Diagnosis diagnosis = paste("Linux version 4.15.0-1098-azure (buildd@lcy01-amd64-018) (gcc version 5.4.0 "
				+ "20160609 (Ubuntu 5.4.0-6ubuntu1~16.04.12)) #109~16.04.1-Ubuntu SMP Thu Oct 15 21:43:51 UTC 2020");
		assertThat(diagnosis.profile().uname()).isEqualTo("4.15.0-1098-azure");
		assertThat(diagnosis.profile().fixes().race1()).isEqualTo(Fix.FIXED);
		assertThat(diagnosis.profile().fixes().race2()).isEqualTo(Fix.FIXED);
		assertThat(diagnosis.profile().fixes().race3()).isEqualTo(Fix.DROPS);
		assertThat(diagnosis.profile().explanation()).contains("LP #1836816");
		assertThat(DistroKernels.fixes(UnameParser.find("4.15.0-1044-azure", 1).orElseThrow()).race1())
			.as("older than the SRU")
			.isEqualTo(Fix.DROPS);
	}

	@Test
	void distributionsAreRecognisedFromTheirReleaseStrings() {
		assertThat(release("3.10.0-1160.el7.x86_64")).startsWith(DistroKernels.RHEL);
		assertThat(release("4.18.0-372.9.1.el8.x86_64")).isEqualTo(DistroKernels.RHEL + " el8");
		assertThat(release("5.4.217-126.408.amzn2.x86_64")).isEqualTo(DistroKernels.AMAZON + " 2");
		assertThat(release("6.1.82-99.168.amzn2023.x86_64")).isEqualTo(DistroKernels.AMAZON + " 2023");
		assertThat(release("5.15.0-1057-azure")).startsWith(DistroKernels.UBUNTU);
		assertThat(release("5.10.0-28-cloud-amd64")).isEqualTo(DistroKernels.DEBIAN);
		assertThat(release("5.15.153.1-2.cm2")).isEqualTo(DistroKernels.AZURE_LINUX);
		assertThat(release("4.19.112+")).isEqualTo(DistroKernels.COS);
		assertThat(UnameParser.fromNode("5.10.186", "Bottlerocket OS 1.14.3 (aws-k8s-1.25)", 2)
			.orElseThrow()
			.distribution()).isEqualTo(DistroKernels.BOTTLEROCKET);
		assertThat(DistroKernels.fixes(UnameParser.find("4.18.0-372.9.1.el8.x86_64", 1).orElseThrow()).race1())
			.isEqualTo(Fix.UNKNOWN);
		assertThat(DistroKernels.fixes(UnameParser.find("4.14.154-128.181.amzn2.x86_64", 1).orElseThrow()).race1())
			.isEqualTo(Fix.DROPS);
		assertThat(DistroKernels.fixes(UnameParser.find("4.14.214-160.339.amzn2.x86_64", 1).orElseThrow()).race1())
			.isEqualTo(Fix.FIXED);
	}

	private static String release(String release) {
		return UnameParser.find(release, 1).orElseThrow().distribution();
	}

	@Test
	void kubectlGetNodesWideGivesTheKernelAndTheOsImage() {
		Diagnosis diagnosis = paste(
				"""
						NAME                 STATUS   ROLES    AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE                                KERNEL-VERSION   CONTAINER-RUNTIME
						ip-10-0-1-17.ec2     Ready    <none>   12d   v1.27.3   10.0.1.17     <none>        Bottlerocket OS 1.14.3 (aws-k8s-1.27)   5.15.117         containerd://1.6.20+bottlerocket
						""");
		assertThat(diagnosis.profile().uname()).isEqualTo("5.15.117");
		assertThat(diagnosis.profile().distribution()).isEqualTo(DistroKernels.BOTTLEROCKET);
	}

	@Test
	void sysctlNearTheMaximumIsATableFullWarningWithTheCurrentMaximumInTheFix() {
		Diagnosis diagnosis = paste("""
				$ sysctl net.netfilter.nf_conntrack_count net.netfilter.nf_conntrack_max
				net.netfilter.nf_conntrack_count = 130001
				net.netfilter.nf_conntrack_max = 131072
				""");
		Finding full = diagnosis.findings()
			.stream()
			.filter((f) -> f.id().equals("table-full"))
			.findFirst()
			.orElseThrow();
		assertThat(full.severity()).isEqualTo(Severity.WARNING);
		assertThat(full.title()).contains("nearly full");
		assertThat(full.mitigations().get(0)).contains("(now 131072)");
		Diagnosis proc = paste("# cat /proc/sys/net/netfilter/nf_conntrack_max\n262144\n");
		assertThat(proc.unreadLines()).isEmpty();
		assertThat(proc.read()).containsExactly("sysctl: line 2");
	}

	@Test
	void aDmesgTableFullIsCriticalAndDropsWithoutInsertFailedAreNotBlamedOnTheRaces() {
		Diagnosis dmesg = paste("[ 1454500.910215] nf_conntrack: table full, dropping packet");
		assertThat(dmesg.verdict().severity()).isEqualTo(Severity.CRITICAL);
		Diagnosis stats = this.diagnoser
			.diagnose(NodeSample.of("cpu=0 found=9 insert_failed=0 drop=1346 early_drop=0", null, "4.17.19", null));
		assertThat(stats.findings()).noneMatch((f) -> f.severity() == Severity.CRITICAL);
		assertThat(stats.findings()).noneMatch((f) -> f.id().startsWith("dnat-race") && !f.evidence().isEmpty()
				&& f.title().contains("drop packets now"));
		assertThat(stats.verdict().text()).contains("no insert race explains");
	}

	@Test
	void samplesGivenInTheWrongOrderAreSaidPlainlyAndReadTheOtherWayRound() {
		String earlier = "cpu=0 found=90 insert_failed=80 drop=80\ncpu=1 found=95 insert_failed=84 drop=84\n";
		String later = "cpu=0 found=80 insert_failed=74 drop=74\ncpu=1 found=81 insert_failed=81 drop=81\n";
		Diagnosis diagnosis = this.diagnoser.diagnose(new NodeSample(earlier, null, "6.1.0-18-amd64", null, later, 60));
		Finding rates = diagnosis.findings()
			.stream()
			.filter((f) -> f.id().equals("conntrack-rates"))
			.findFirst()
			.orElseThrow();
		assertThat(rates.evidence().get(0)).contains("wrong order");
		assertThat(diagnosis.verdict().perMinute()).hasValue(9.0);
	}

	@Test
	void conntrackListCountsEntriesByStateAndUnrepliedDns() {
		Diagnosis diagnosis = paste(
				"""
						udp      17 29 src=10.40.0.17 dst=10.96.0.10 sport=53378 dport=53 [UNREPLIED] src=10.32.0.6 dst=10.40.0.17 sport=53 dport=53378 mark=0 use=1
						tcp      6 431999 ESTABLISHED src=10.40.0.17 dst=10.0.0.99 sport=40000 dport=80 src=10.0.0.99 dst=192.168.1.5 sport=80 dport=40000 [ASSURED] mark=0 use=1
						conntrack v1.4.6 (conntrack-tools): 2 flow entries have been shown.
						""");
		Finding entries = diagnosis.findings()
			.stream()
			.filter((f) -> f.id().equals("conntrack-entries"))
			.findFirst()
			.orElseThrow();
		assertThat(entries.evidence().get(0)).contains("2 entries read (conntrack said 2 were shown)")
			.contains("udp 1")
			.contains("tcp ESTABLISHED 1");
		assertThat(entries.evidence()).anySatisfy((e) -> assertThat(e).startsWith("1 UDP DNS entry has no reply"));
	}

	@Test
	void advisesNothingThatIsAlreadyThere() {
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.of("cpu=0 insert_failed=5 drop=5",
				"-A KUBE-POSTROUTING -m comment --comment \"kubernetes service traffic requiring SNAT\" -j MASQUERADE --random-fully",
				"5.4.0-1103-azure",
				"nameserver 169.254.20.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5"));
		assertThat(diagnosis.findings().stream().flatMap((f) -> f.mitigations().stream()))
			.noneMatch((m) -> m.contains("NodeLocal DNSCache") || m.contains("Add --random-fully"));
	}

	@Test
	void theSynBackoffIsThreeSecondsBefore65AndTwoFrom65() {
		String rule = "-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE";
		assertThat(snatEvidence(this.diagnoser.diagnose(NodeSample.of(null, rule, "5.10.0-9-amd64", null))))
			.anySatisfy((e) -> assertThat(e).contains("then 3 s in total"));
		assertThat(snatEvidence(this.diagnoser.diagnose(NodeSample.of(null, rule, "6.8.0-1008-azure", null))))
			.anySatisfy((e) -> assertThat(e).contains("then 2 s in total"));
	}

	private static List<String> snatEvidence(Diagnosis diagnosis) {
		return diagnosis.findings()
			.stream()
			.filter((f) -> f.id().equals(SnatPortRaceRule.ID))
			.findFirst()
			.orElseThrow()
			.evidence();
	}

	@Test
	void inputsBuiltToBreakARegexNeitherOverflowTheStackNorHang() {
		List<String> nasty = List.of("sudo" + " -a".repeat(3000) + " x", "00000000" + " 0000000a".repeat(1500),
				"cpu=0 " + "a=1 ".repeat(3000) + "b", "-A X" + " -m comment --comment \"x\"".repeat(500),
				"table ip nat {\nchain c {\n" + "goto x ".repeat(2000) + "\n}\n}", "Chain X (" + "(".repeat(6000),
				"[" + " ".repeat(6000) + "1.5] nf_conntrack: table full", "a".repeat(70_000),
				">".repeat(6000) + " cpu=0 drop=1", "`".repeat(6000), "Linux " + "9.9.9-".repeat(1000),
				"udp 17 29 " + "src=1.1.1.1 ".repeat(600), "entries " + "searched ".repeat(1000),
				"table ip kube-proxy {\nmap service-ips {\nelements = { " + "1.1.1.1 . udp . 53 : goto x, ".repeat(900)
						+ "1.1.1.1 . ".repeat(3000) + "\n}\n}",
				"table ip kube-proxy {\nchain service-X-a/b/udp/dns {\ndnat ip to numgen random mod 9 map { "
						+ "0 : 1.1.1.1 . 53, ".repeat(1500) + "\n}\n}");
		for (String text : nasty) {
			assertThatCode(() -> this.diagnoser.diagnose(new NodeSample(text, text, text, text, text, 60, text)))
				.as(text.substring(0, 20))
				.doesNotThrowAnyException();
		}
	}

}
