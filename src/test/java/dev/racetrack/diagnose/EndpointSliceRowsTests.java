package dev.racetrack.diagnose;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link EndpointSliceRows}: {@code kubectl get endpointslice} read as how many
 * endpoints the cluster DNS has, ready or not.
 * <p>
 * The first row is kubernetes/website#54340's, verbatim (Frankst2, k3s 1.34: the command
 * the "Debugging DNS Resolution" page gives); the others vary it as kubectl's printer
 * ({@code printEndpointSlice}, {@code formatDiscoveryEndpoints} in
 * pkg/printers/internalversion/printers.go) prints them: {@code <unset>} for a slice with
 * no endpoint, the first three addresses and {@code + N more...}, a NAMESPACE column with
 * {@code -A}, an IPv6 slice beside the IPv4 one on a dual-stack cluster; the
 * {@code kubernetes} row is kubernetes/kubernetes#95149's (fkpwolf).
 */
class EndpointSliceRowsTests {

	private static final String REAL = """
			>
			> ~# kubectl get endpointslice -l kubernetes.io/service-name=kube-dns --namespace=kube-system
			> NAME             ADDRESSTYPE   PORTS        ENDPOINTS    AGE
			> kube-dns-6gjmr   IPv4          9153,53,53   10.42.0.61   2d8h
			""";

	private final Diagnoser diagnoser = new Diagnoser();

	private Optional<NodeExtras.DnsEndpoints> endpoints(String paste) {
		PasteReader.Sorted sorted = PasteReader.read(paste);
		return NodeExtras.read(sorted, sorted.commands()).dnsEndpoints();
	}

	@Test
	void theDebuggingPagesCommandGivesTheClusterDnsOneEndpointAtMost() {
		NodeExtras.DnsEndpoints dns = endpoints(REAL).orElseThrow();
		assertThat(dns.source()).isEqualTo(NodeExtras.DnsEndpoints.Source.ENDPOINTSLICES);
		assertThat(dns.count()).isEqualTo(1);
		assertThat(dns.evidence()).contains("kube-dns's slices list 1 endpoint address, ready or not")
			.contains("line 4: IPv4 10.42.0.61");
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.pasted(REAL, null));
		assertThat(diagnosis.findings()).anySatisfy((f) -> assertThat(f.id()).isEqualTo("dns-single-endpoint"));
		assertThat(diagnosis.findings()).noneSatisfy((f) -> assertThat(f.id()).isEqualTo("dnat-race-3"));
		assertThat(diagnosis.verdict().severity()).isNotEqualTo(Severity.CRITICAL);
	}

	@Test
	void aSliceWithNoEndpointIsAClusterDnsWithNoneReady() {
		String paste = """
				$ kubectl get endpointslice -n kube-system -l kubernetes.io/service-name=kube-dns
				NAME             ADDRESSTYPE   PORTS     ENDPOINTS   AGE
				kube-dns-6gjmr   IPv4          <unset>   <unset>     2d8h
				""";
		NodeExtras.DnsEndpoints dns = endpoints(paste).orElseThrow();
		assertThat(dns.count()).isZero();
		assertThat(dns.ready()).isZero();
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.pasted(paste, null));
		assertThat(diagnosis.verdict().severity()).isEqualTo(Severity.CRITICAL);
		assertThat(diagnosis.verdict().text()).contains("no ready endpoint")
			.contains("kubectl get endpointslice lists none for kube-dns");
	}

	/**
	 * Listed addresses are not ready ones: two listed may both be unready, so the row
	 * says nothing of readiness (-1), and race 3 stays possible.
	 */
	@Test
	void moreAddressesAreCountedButNotCalledReady() {
		String paste = """
				NAMESPACE     NAME             ADDRESSTYPE   PORTS        ENDPOINTS                                             AGE
				default       kubernetes       IPv4          6443         192.168.51.11                                         11d
				kube-system   kube-dns-6gjmr   IPv4          9153,53,53   10.42.0.61,10.42.1.17,10.42.2.9 + 2 more...           2d8h
				kube-system   kube-dns-9xk2p   IPv6          9153,53,53   fd00:10:42::3d,fd00:10:42:1::11,fd00:10:42:2::9 + 2 more...   2d8h
				""";
		NodeExtras.DnsEndpoints dns = endpoints(paste).orElseThrow();
		assertThat(dns.count()).isEqualTo(5);
		assertThat(dns.ready()).isEqualTo(-1);
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.pasted(paste, null));
		assertThat(diagnosis.findings()).noneSatisfy((f) -> assertThat(f.id()).isEqualTo("dns-single-endpoint"));
		assertThat(diagnosis.verdict().text()).doesNotContain("no ready endpoint");
	}

	@Test
	void anotherServicesSlicesAreNotTheClusterDns() {
		assertThat(endpoints("""
				$ kubectl get endpointslice
				NAME         ADDRESSTYPE   PORTS   ENDPOINTS       AGE
				kubernetes   IPv4          6443    192.168.51.11   11d
				""")).isEmpty();
	}

	/**
	 * From 1.33 the API server answers {@code kubectl get endpoints} with a deprecation
	 * warning (KEP-4974, "Deprecate v1.Endpoints"), which kubectl prints on stderr as
	 * {@code Warning: …} above the table: a terminal paste carries it. It was listed as
	 * "not a format Racetrack reads"; it is kubectl's message, as its {@code error: …}
	 * is, and is listed as one.
	 */
	@Test
	void kubectlsDeprecationWarningAboveEndpointsIsToldAsItsMessage() {
		String paste = """
				controlplane:~$ kubectl get endpoints -n kube-system kube-dns
				Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice
				NAME       ENDPOINTS                                               AGE
				kube-dns   10.244.0.2:53,10.244.0.3:53,10.244.0.2:9153 + 3 more...   2d
				""";
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.pasted(paste, null));
		assertThat(diagnosis.unreadLines()).singleElement()
			.satisfies((line) -> assertThat(line.reason()).isEqualTo("a shell or tool message, not command output"));
		assertThat(endpoints(paste).orElseThrow().source()).isEqualTo(NodeExtras.DnsEndpoints.Source.ENDPOINTS);
	}

}
