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

	private static KubeService service(List<KubeService> services, String chain) {
		return services.stream().filter((s) -> s.chain().equals(chain)).findFirst().orElseThrow();
	}

}
