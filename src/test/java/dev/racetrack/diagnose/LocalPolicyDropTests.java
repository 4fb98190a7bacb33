package dev.racetrack.diagnose;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * nftables kube-proxy's {@code : drop} elements of its {@code no-endpoint-services} map:
 * a service port with endpoints, none on this node, and a traffic policy Local.
 */
class LocalPolicyDropTests {

	/**
	 * The map and its elements in the shape kube-proxy writes them
	 * (pkg/proxy/nftables/proxier_test.go, TestOverallNFTablesRules:
	 * {@code add element ip
	 * kube-proxy no-endpoint-services { 1.2.3.4 . tcp . 80 comment "ns2/svc2:p80" : drop
	 * }}; proxier.go sets {@code internalTrafficFilterVerdict = "drop"} for the ClusterIP
	 * of a service with {@code internalTrafficPolicy: Local} and no endpoint on the
	 * node), with the map's header as nft lists it in kubernetes/kubernetes#131765 (the
	 * corpus paste {@code k8s-131765-ffilippopoulos}, whose drop is an ingress
	 * controller's external IP). No real paste of the cluster DNS dropped this way was
	 * found; the service is kube-dns with its usual ClusterIP. It used to be read as
	 * nothing at all: no finding, and "nothing pasted shows these races costing this node
	 * connections".
	 */
	private static final String DROPPED = """
			table ip kube-proxy {
				map no-endpoint-services {
					type ipv4_addr . inet_proto . inet_service : verdict
					comment "vmap to drop or reject packets to services with no endpoints"
					elements = { 10.96.0.10 . udp . 53 comment "kube-system/kube-dns:dns" : drop,
						     10.96.0.10 . tcp . 53 comment "kube-system/kube-dns:dns-tcp" : drop }
				}
			}
			""";

	@Test
	void theClusterDnsDroppedForThePodsNameserverIsCritical() {
		Diagnosis diagnosis = new Diagnoser()
			.diagnose(NodeSample.pasted(DROPPED + "\n$ cat /etc/resolv.conf\nnameserver 10.96.0.10\n", null));
		Finding drop = diagnosis.findings()
			.stream()
			.filter((f) -> f.id().equals("dns-dropped-here"))
			.findFirst()
			.orElseThrow();
		assertThat(drop.severity()).isEqualTo(Severity.CRITICAL);
		assertThat(drop.title()).contains("10.96.0.10").contains("Local");
		assertThat(drop.evidence().get(0)).contains("10.96.0.10 . udp . 53")
			.contains("the pods' nameserver")
			.doesNotContain("dns-tcp");
		assertThat(drop.mitigations().get(0)).contains("internalTrafficPolicy");
		assertThat(diagnosis.verdict().text()).contains("drops lookups to the cluster DNS at 10.96.0.10");
		// A drop is not "no endpoints": the service has endpoints, elsewhere.
		assertThat(diagnosis.findings()).extracting(Finding::id).doesNotContain("dns-no-ready-endpoint");
	}

	@Test
	void anAddressNoOtherOutputNamesIsAWarning() {
		Diagnosis diagnosis = new Diagnoser().diagnose(NodeSample.pasted(DROPPED, null));
		assertThat(diagnosis.findings()).filteredOn((f) -> f.id().equals("dns-dropped-here"))
			.singleElement()
			.satisfies((f) -> assertThat(f.severity()).isEqualTo(Severity.WARNING));
	}

	/** kubernetes/kubernetes#131765's drop is an ingress controller's, not the DNS's. */
	@Test
	void anotherServicesDropIsNotTheDns() {
		Diagnosis diagnosis = new Diagnoser()
			.diagnose(NodeSample.pasted(Fixtures.read("corpus/k8s-131765-ffilippopoulos.txt"), null));
		assertThat(diagnosis.findings()).extracting(Finding::id).doesNotContain("dns-dropped-here");
	}

}
