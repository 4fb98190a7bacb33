package dev.racetrack.diagnose;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link EndpointSliceDescriptions}: {@code kubectl describe endpointslice -n
 * kube-system} read as the cluster DNS's endpoints, as {@code kubectl describe endpoints}
 * is.
 * <p>
 * No real paste of {@code kubectl describe endpointslice} for kube-dns was found in the
 * stored issues and pages (kubernetes/website#54340 shows only {@code kubectl get
 * endpointslice -l kubernetes.io/service-name=kube-dns}'s row {@code kube-dns-6gjmr  IPv4
 * 9153,53,53  10.42.0.61}); the blocks here are in the shape kubectl's
 * {@code describeEndpointSliceV1} (kubernetes/kubectl pkg/describe/describe.go) prints:
 * {@code AddressType:}, the {@code Ports:} table, {@code Endpoints:} with
 * {@code - Addresses:}, {@code Conditions:}, {@code Ready:}, {@code Hostname:},
 * {@code TargetRef:}, {@code NodeName:}, {@code Zone:}, its tab-aligned columns as
 * kubectl's tabwriter spaces them, with that row's name and address.
 */
class EndpointSliceDescriptionsTests {

	private static String slice(String ready1, String ready2) {
		return """
				$ kubectl describe endpointslice -n kube-system
				Name:         kube-dns-6gjmr
				Namespace:    kube-system
				Labels:       endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io
				              k8s-app=kube-dns
				              kubernetes.io/cluster-service=true
				              kubernetes.io/name=CoreDNS
				              kubernetes.io/service-name=kube-dns
				Annotations:  endpoints.kubernetes.io/last-change-trigger-time: 2026-02-06T09:12:44Z
				AddressType:  IPv4
				Ports:
				  Name     Port  Protocol
				  ----     ----  --------
				  metrics  9153  TCP
				  dns      53    UDP
				  dns-tcp  53    TCP
				Endpoints:
				  - Addresses:  10.42.0.61
				    Conditions:
				      Ready:    %s
				    Hostname:   <unset>
				    TargetRef:  Pod/coredns-ccb96694c-x8x4k
				    NodeName:   k3s-server
				    Zone:       <unset>
				  - Addresses:  10.42.1.17
				    Conditions:
				      Ready:    %s
				    Hostname:   <unset>
				    TargetRef:  Pod/coredns-ccb96694c-7kq2n
				    NodeName:   k3s-agent-1
				    Zone:       <unset>
				Events:         <none>
				""".formatted(ready1, ready2);
	}

	@Test
	void twoReadyEndpointsAreTheClusterDnsEndpointsAndRace3CanHappen() {
		String paste = slice("true", "<unset>");
		PasteReader.Sorted sorted = PasteReader.read(paste);
		NodeExtras extras = NodeExtras.read(sorted, sorted.commands());
		assertThat(extras.dnsEndpoints()).hasValueSatisfying((e) -> {
			assertThat(e.count()).isEqualTo(2);
			assertThat(e.source()).isEqualTo(NodeExtras.DnsEndpoints.Source.DESCRIBE);
			assertThat(e.evidence()).contains("kubectl describe endpointslice")
				.contains("kube-dns")
				.contains("10.42.0.61,10.42.1.17")
				.contains("dns 53/UDP");
		});
		Diagnoser.Reading reading = new Diagnoser().read(NodeSample.pasted(paste, null));
		assertThat(reading.unread()).isEmpty();
		assertThat(reading.diagnosis().read()).anyMatch((r) -> r.startsWith("kubectl describe endpointslice: line"));
		assertThat(reading.diagnosis().findings()).filteredOn((f) -> f.id().equals("dnat-race-3"))
			.singleElement()
			.satisfies((f) -> assertThat(f.evidence().get(0)).contains("kubectl describe endpointslice"));
	}

	@Test
	void anEndpointNotReadyIsNotCounted() {
		Diagnosis diagnosis = new Diagnoser().diagnose(NodeSample.pasted(slice("true", "false"), null));
		assertThat(diagnosis.findings()).extracting(Finding::id)
			.contains(DnatRaceRules.RACE_3_RULED_OUT)
			.doesNotContain("dnat-race-3");
	}

	@Test
	void noReadyEndpointIsTheClusterDnsDown() {
		Diagnosis diagnosis = new Diagnoser().diagnose(NodeSample.pasted(slice("false", "false"), null));
		assertThat(diagnosis.findings()).filteredOn((f) -> f.id().equals(DnsServiceRule.ID))
			.singleElement()
			.satisfies((f) -> assertThat(f.severity()).isEqualTo(Severity.CRITICAL));
	}

	@Test
	void anotherServicesSliceIsLeftOut() {
		String paste = slice("true", "true").replace("kube-dns", "web").replace("k8s-app=web", "app=web");
		PasteReader.Sorted sorted = PasteReader.read(paste);
		assertThat(NodeExtras.read(sorted, sorted.commands()).dnsEndpoints()).isEmpty();
	}

}
