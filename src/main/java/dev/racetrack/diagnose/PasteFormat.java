package dev.racetrack.diagnose;

/**
 * The outputs a pasted line can belong to. {@link PasteReader} sorts every line of a
 * paste into one of these, then hands each group to its parser.
 */
public enum PasteFormat {

	/** {@code conntrack -S} (any layout) or {@code /proc/net/stat/nf_conntrack}. */
	CONNTRACK_STATS("conntrack statistics"),

	/** {@code iptables-save} or {@code iptables -S}. */
	IPTABLES_SAVE("iptables-save"),

	/** {@code iptables -L} in any flavour, whole or through grep. */
	IPTABLES_LIST("iptables -L"),

	/** {@code nft list ruleset} or {@code nft list table ip nat}. */
	NFT("nft ruleset"),

	/** {@code uname -a}, {@code uname -r}, {@code /proc/version}, a "Kernel:" note. */
	UNAME("kernel release"),

	/** {@code kubectl get nodes -o wide}. */
	NODES("kubectl get nodes"),

	/** {@code kubectl get endpoints} (or {@code ep}): a service's endpoints. */
	ENDPOINTS("kubectl get endpoints"),

	/**
	 * {@code kubectl get endpointslice}: a service's EndpointSlices, each with every
	 * endpoint's addresses, ready or not ({@link EndpointSliceRows}).
	 */
	ENDPOINTSLICES("kubectl get endpointslice"),

	/**
	 * {@code kubectl get pods} (any namespace, {@code -o wide}, through {@code grep}):
	 * the cluster DNS pods and NodeLocal DNSCache's.
	 */
	PODS("kubectl get pods"),

	/** {@code kubectl get svc}: the cluster DNS service's ClusterIP. */
	SERVICES("kubectl get svc"),

	/**
	 * {@code kubectl describe svc} (or {@code service}): each service's block, from its
	 * {@code Name:} line; the cluster DNS service's ClusterIP, selector and endpoints.
	 */
	SERVICE_DESCRIBE("kubectl describe svc"),

	/**
	 * {@code kubectl describe endpoints} (or {@code ep}): each Endpoints object's block,
	 * from its {@code Name:} line to its subsets' {@code Addresses:},
	 * {@code NotReadyAddresses:} and {@code Ports:}; the cluster DNS service's ready and
	 * not-ready addresses.
	 */
	ENDPOINTS_DESCRIBE("kubectl describe endpoints"),

	/**
	 * {@code kubectl describe endpointslice}: each EndpointSlice's block, from its
	 * {@code Name:} line to its {@code Endpoints:} ({@code - Addresses:} and
	 * {@code Conditions:} {@code Ready:} of each); the cluster DNS service's ready
	 * endpoints.
	 */
	ENDPOINTSLICE_DESCRIBE("kubectl describe endpointslice"),

	/**
	 * {@code kubectl get deployments} (also {@code get all}'s {@code deployment.apps/}
	 * rows): the cluster DNS Deployment's ready replicas.
	 */
	DEPLOYMENTS("kubectl get deployments"),

	/**
	 * {@code kubectl get replicasets} (also {@code get all}'s {@code replicaset.apps/}
	 * rows): the cluster DNS ReplicaSets' ready replicas.
	 */
	REPLICASETS("kubectl get replicasets"),

	/**
	 * {@code kubectl get daemonsets} (also {@code get all}'s {@code daemonset.apps/}
	 * rows): NodeLocal DNSCache's DaemonSet, ready on the nodes or not.
	 */
	DAEMONSETS("kubectl get daemonsets"),

	/**
	 * A conntrack alert of Alertmanager or Grafana: its rule ({@code name:},
	 * {@code expr:}), its title ({@code [FIRING:1] …}) or its text
	 * ({@code 82.5% of conntrack entries are used}, {@code value=0.82}).
	 */
	ALERT("conntrack alert"),

	/** {@code /etc/resolv.conf}. */
	RESOLV_CONF("/etc/resolv.conf"),

	/** {@code sysctl} lines and {@code cat /proc/sys/...} values. */
	SYSCTL("sysctl"),

	/** Kernel log lines ({@code dmesg}, {@code journalctl -k}, syslog). */
	DMESG("kernel log"),

	/**
	 * The symptom timed ({@link SymptomTimings}): {@code time}'s {@code real} of a lookup
	 * or a request, dig's {@code Query time}, curl's {@code -w} timings,
	 * {@code no servers could be reached}, CoreDNS's {@code i/o timeout} to its upstream.
	 */
	SYMPTOM("lookup and connect timings"),

	/** {@code conntrack -L} and {@code conntrack -E} entries. */
	CONNTRACK_LIST("conntrack -L"),

	/**
	 * {@code cilium status} (or {@code cilium-dbg status}, {@code --verbose}): its
	 * {@code KubeProxyReplacement:}, {@code Masquerading:} and {@code Host Routing:}
	 * lines ({@link CiliumStatus}); its other lines are read and left out.
	 */
	CILIUM_STATUS("cilium status"),

	/**
	 * {@code tcpdump -n} output, one packet a line (with {@code -v}, the packet's
	 * indented line after its {@code IP (tos …)} line), and tcpdump's own messages
	 * ({@link TcpdumpParser}).
	 */
	TCPDUMP("tcpdump"),

	/**
	 * tshark's one-line summary ({@code 1 0.000000000 10.244.1.5 → 10.96.0.10 DNS 86
	 * Standard query …}), Wireshark's summary lines, and tshark's own messages
	 * ({@link TsharkParser}).
	 */
	TSHARK("tshark");

	private final String title;

	PasteFormat(String title) {
		this.title = title;
	}

	public String title() {
		return this.title;
	}

}
