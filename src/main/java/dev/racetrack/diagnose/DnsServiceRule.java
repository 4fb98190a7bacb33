package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The cluster DNS with nothing serving: {@code kubectl get endpoints} shows
 * {@code <none>} for it, or kube-proxy's {@code REJECT} rule for its lookup port is
 * pasted, or every cluster DNS pod pasted is not ready, or its Deployment has no ready
 * replica ({@link NodeExtras#dnsEndpoints()}, in that order). Then no race is why lookups
 * fail: kube-proxy gives a service without endpoints a {@code REJECT} rule ("has no
 * endpoints", {@code icmp-port-unreachable}), so every lookup through the ClusterIP fails
 * at once, or after the resolver's timeouts where the rejection does not come back. At 3
 * a.m. this is the answer to "is this my problem?": no, this is, and it comes first.
 */
final class DnsServiceRule {

	static final String ID = "dns-no-ready-endpoint";

	private DnsServiceRule() {
	}

	/** The id of {@link #behind}. */
	static final String BEHIND_ID = "dns-rejected-here";

	static Optional<Finding> assess(Facts facts) {
		NodeExtras extras = facts.extras();
		if (!extras.noReadyDnsEndpoint()) {
			return behind(facts);
		}
		NodeExtras.DnsEndpoints endpoints = extras.dnsEndpoints().get();
		List<String> evidence = new ArrayList<>();
		evidence.add(endpoints.evidence());
		String service = extras.dnsServiceName();
		NodeExtras.DnsSelector pods = extras.dnsSelector();
		String ns = pods.namespace();
		List<NodeExtras.Pod> serving = extras.servingDnsPods();
		mismatch(extras).ifPresent(evidence::add);
		List<String> fixes = new ArrayList<>();
		if (!serving.isEmpty() && endpoints.source() == NodeExtras.DnsEndpoints.Source.KUBE_PROXY) {
			// kube-proxy's rule, not the API's endpoints: the selector, or a kube-proxy
			// that has not seen the endpoints.
			evidence.add(serving.size() + " cluster DNS pod" + ((serving.size() == 1) ? " is" : "s are")
					+ " ready and running ("
					+ String.join(", ", serving.stream().map(NodeExtras.Pod::describe).toList())
					+ "), yet kube-proxy on this node rejects: the service selects none of them, or kube-proxy has "
					+ "not seen their endpoints.");
			fixes.add("Compare kubectl -n " + ns + " get endpoints " + service
					+ " with the rule: if it lists the pods, "
					+ "kube-proxy on this node is behind (its log says why; restart it); if it shows <none>, make the "
					+ "service select the DNS pods (its SELECTOR against the pods' labels, " + podLabels(extras)
					+ ").");
		}
		else if (!serving.isEmpty()) {
			// The pods serve, the service selects none of them.
			evidence.add(serving.size() + " cluster DNS pod" + ((serving.size() == 1) ? " is" : "s are")
					+ " ready and running ("
					+ String.join(", ", serving.stream().map(NodeExtras.Pod::describe).toList())
					+ "), yet the service has no address: its selector matches none of them.");
			fixes.add("Make the service select the DNS pods: compare the SELECTOR of kubectl -n " + ns + " get svc "
					+ service + " -o wide with the pods' labels (kubectl -n " + ns
					+ " get pods --show-labels), and set it back (" + podLabels(extras) + ").");
		}
		else {
			List<String> starting = extras.dnsPods()
				.stream()
				.filter((p) -> p.dnsServer() && "Running".equals(p.status()) && "0".equals(p.restarts()))
				.map(NodeExtras.Pod::name)
				.toList();
			if (!starting.isEmpty()) {
				evidence.add(String.join(", ", starting) + ((starting.size() == 1) ? " is" : " are")
						+ " running, not yet ready, with no restart: it may still be starting; if it stays not "
						+ "ready, its log says why.");
			}
			fixes.add("Bring the cluster DNS pods up: kubectl -n " + ns + " describe pods -l " + pods.selector()
					+ " and kubectl -n " + ns + " logs -l " + pods.selector() + " --previous say why they are not ready"
					+ pods.said() + ".");
		}
		evidence.add("A service without endpoints gets a REJECT rule from kube-proxy: every lookup through the "
				+ "cluster DNS address fails, whatever the kernel or the resolver, until an endpoint is ready. "
				+ "The races below only matter once it is back.");
		return Optional.of(new Finding(ID, Severity.CRITICAL,
				"The cluster DNS has no ready endpoint: every lookup through it fails, and no race is why", evidence,
				fixes));
	}

	/**
	 * The labels the service should select: the pods' own when pasted
	 * ({@code --show-labels}), else the usual {@code k8s-app=kube-dns}, said so. Never
	 * the service's SELECTOR, which is what may be wrong.
	 */
	private static String podLabels(NodeExtras extras) {
		NodeExtras.DnsSelector pods = extras.dnsSelector();
		boolean fromPods = pods.source().startsWith("the labels of");
		return fromPods ? pods.selector() + ", " + pods.source()
				: NodeExtras.DnsSelector.USUAL + ", the usual label of kubeadm, EKS, GKE, AKS and k3s";
	}

	/**
	 * The service's SELECTOR and the pods' labels, when both were pasted and the labels
	 * lack a part of the selector: the service selects none of these pods.
	 */
	private static Optional<String> mismatch(NodeExtras extras) {
		Optional<NodeExtras.Service> service = extras.dnsServices()
			.stream()
			.filter((s) -> !s.selector().isEmpty())
			.findFirst();
		Optional<NodeExtras.Pod> pod = extras.dnsPods()
			.stream()
			.filter((p) -> p.dnsServer() && !p.labels().isEmpty())
			.findFirst();
		if (service.isEmpty() || pod.isEmpty()) {
			return Optional.empty();
		}
		List<String> labels = List.of(pod.get().labels().split(","));
		List<String> missing = java.util.Arrays.stream(service.get().selector().split(","))
			.filter((part) -> !labels.contains(part))
			.toList();
		if (missing.isEmpty()) {
			return Optional.empty();
		}
		return Optional.of("line " + service.get().selectorLine() + ": " + service.get().name() + " selects "
				+ service.get().selector() + ", and line " + pod.get().line() + ": " + pod.get().name() + " has no "
				+ String.join(", ", missing) + " (its labels: " + pod.get().labels()
				+ "): the service selects none of these pods.");
	}

	/**
	 * kube-proxy's rule says the cluster DNS has no endpoint while
	 * {@code kubectl get endpoints} lists addresses: if both are from now, kube-proxy on
	 * this node has not seen the endpoints (it is stuck, or cannot reach the API server),
	 * and every lookup from this node is rejected. A warning: the paste does not say
	 * whether the two outputs were taken at the same time.
	 */
	private static Optional<Finding> behind(Facts facts) {
		Optional<NodeExtras.DnsEndpoints> rejected = facts.extras().rejectedDespiteEndpoints();
		if (rejected.isEmpty()) {
			return Optional.empty();
		}
		String service = facts.extras().dnsServiceName();
		return Optional.of(new Finding(BEHIND_ID, Severity.WARNING,
				"kube-proxy on this node rejects the cluster DNS, though its endpoints list addresses",
				List.of(facts.extras().dnsEndpoints().get().evidence(), rejected.get().evidence(),
						"If both outputs are from now, kube-proxy on this node has not seen the endpoints (stuck, or "
								+ "cut off from the API server): every lookup from its pods is rejected, whatever "
								+ "the races; if the rule is older, the DNS was down then and is back."),
				List.of("Take " + listing(facts.extras())
						+ " on the node again: if the rule is still there, kube-proxy " + "is behind; its "
						+ "log says why (kubectl -n kube-system logs on the node's kube-proxy pod), and restarting it "
						+ "rewrites the rules from kubectl get endpoints " + service + ".")));
	}

	/** The id of {@link #localDrop}. */
	static final String LOCAL_DROP_ID = "dns-dropped-here";

	/**
	 * nftables kube-proxy drops the cluster DNS's lookups on this node: its
	 * {@code no-endpoint-services} map holds {@code 10.96.0.10 . udp . 53 comment
	 * "kube-system/kube-dns:dns" : drop}, which it writes for a service port that has
	 * endpoints, none on this node, and a traffic policy Local (pkg/proxy/nftables/
	 * proxier.go: {@code internalTrafficFilterVerdict = "drop"} for the ClusterIP when
	 * {@code internalTrafficPolicy: Local}; {@code externalTrafficFilterVerdict} for an
	 * external or load-balancer IP when {@code externalTrafficPolicy: Local}). Lookups to
	 * that address from this node go nowhere, silently: timeouts, whatever the races.
	 * Critical when the address is the pods' nameserver or the service's ClusterIP as
	 * another output gives it; a warning otherwise (the element alone does not say which
	 * address it is).
	 */
	static Optional<Finding> localDrop(Facts facts) {
		List<NoEndpointRejects.Reject> drops = facts.extras().dnsLocalDrops();
		if (drops.isEmpty() || facts.extras().noReadyDnsEndpoint()) {
			return Optional.empty();
		}
		NoEndpointRejects.Reject drop = drops.get(0);
		List<String> nameservers = facts.resolver().nameservers();
		Optional<String> clusterIp = facts.extras()
			.dnsService()
			.map(NodeExtras.Service::clusterIp)
			.or(() -> facts.nat().dnsService().map(KubeService::clusterIp))
			.filter((ip) -> !ip.isEmpty());
		String role;
		if (nameservers.contains(drop.address())) {
			role = "the pods' nameserver (resolv.conf)";
		}
		else if (clusterIp.filter(drop.address()::equals).isPresent()) {
			role = "the cluster DNS service's ClusterIP";
		}
		else {
			role = "";
		}
		List<String> evidence = new ArrayList<>();
		drops.forEach((d) -> evidence.add(d.cite() + ": kube-proxy drops UDP 53 to " + d.address() + " (" + d.comment()
				+ ")" + (d == drop && !role.isEmpty() ? ", " + role : "") + "."));
		evidence.add("kube-proxy writes drop, not goto reject-chain, for a service port that has endpoints, none "
				+ "on this node, and a traffic policy Local: internalTrafficPolicy: Local for its ClusterIP, "
				+ "externalTrafficPolicy: Local for an external or load-balancer IP. A lookup from this node to "
				+ "that address is dropped without an answer or an ICMP error: it times out, whatever the kernel "
				+ "or the resolver, and no race is why.");
		String service = facts.extras().dnsServiceName();
		String ns = facts.extras().dnsSelector().namespace();
		return Optional.of(new Finding(LOCAL_DROP_ID, role.isEmpty() ? Severity.WARNING : Severity.CRITICAL,
				"kube-proxy on this node drops lookups to the cluster DNS at "
						+ drop.address() + ": its traffic policy is Local and none of its pods runs on this node",
				evidence,
				List.of("kubectl -n " + ns + " get svc " + service
						+ " -o jsonpath='{.spec.internalTrafficPolicy} {.spec.externalTrafficPolicy}' shows which "
						+ "policy is Local: set it back to Cluster, or run a cluster DNS pod on every node that "
						+ "queries it (a DaemonSet, or NodeLocal DNSCache).")));
	}

	/**
	 * The listing that shows kube-proxy's rule again: {@code iptables-save}, or for
	 * nftables kube-proxy's map element {@code nft list table ip kube-proxy}.
	 */
	private static String listing(NodeExtras extras) {
		boolean nft = extras.dnsRejects().stream().anyMatch(NoEndpointRejects.Reject::nft);
		return nft ? "nft list table ip kube-proxy" : "iptables-save";
	}

}
