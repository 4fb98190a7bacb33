package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a paste says besides counters, rules, kernel and resolver: {@code sysctl} values,
 * kernel log lines, {@code conntrack -L} entries and the nodes of
 * {@code kubectl get nodes -o wide}.
 *
 * @param sysctl {@code net.netfilter.nf_conntrack_count} and the like, to their value
 * @param sysctlLines the line each sysctl value was read from
 * @param tableFull the kernel log lines {@code nf_conntrack: table full, dropping packet}
 * ({@code ip_conntrack:} before 2.6.15)
 * @param otherKernelLines kernel log lines that say something else
 * @param suppressed the messages the kernel's rate limit held back, summed over its
 * {@code net_ratelimit: N callbacks suppressed} lines ({@code ___ratelimit}): a full
 * table logs at most ten lines per five seconds, however many packets it drops
 * @param conntrackList what {@code conntrack -L} showed
 * @param nodes the nodes of {@code kubectl get nodes -o wide}
 * @param endpointIps the distinct endpoint addresses of each service
 * {@code kubectl get endpoints} listed, by service name; -1 when it cut the list
 * ({@code + 3 more...}) before a second address showed
 * @param dnsPods the cluster DNS pods and NodeLocal DNSCache pods
 * {@code kubectl get pods} listed (other pods are read and left out)
 * @param dnsServices the cluster DNS services {@code kubectl get svc} listed and the
 * objects {@code kubectl describe svc} and {@code describe endpoints} described (the
 * latter without a ClusterIP); others are read and left out
 * @param dnsWorkloads the cluster DNS Deployments and ReplicaSets that
 * {@code kubectl get deployments}, {@code get replicasets} or {@code get all} listed, and
 * NodeLocal DNSCache's DaemonSet ({@code get daemonsets}); others are read and left out
 * @param dnsRejects kube-proxy's REJECT rules for the cluster DNS service's ports without
 * endpoints ({@code "kube-system/kube-dns:dns has no endpoints"},
 * {@link NoEndpointRejects}; nftables kube-proxy: their elements of its
 * {@code no-endpoint-services} map with {@code goto reject-chain}, and with {@code drop},
 * its local drops, {@link #dnsLocalDrops()}); other services' are read and left out
 * @param bootTime the sysctl keys whose value was read from nf_conntrack's load message
 * ({@code nf_conntrack version 0.5.0 (65536 buckets, 262144 max)}): the size when the
 * module loaded, which a sysctl may have changed since
 * @param sysctlNotes for a sysctl key whose value was pasted twice (a sysctl read and the
 * load message, or two boxes), which one is used and why, for the findings to say
 * @param alert the conntrack alert pasted, when one was
 * @param problems the lines not read
 */
public record NodeExtras(Map<String, String> sysctl, Map<String, Integer> sysctlLines, List<Integer> tableFull,
		int otherKernelLines, long suppressed, ConntrackList conntrackList, List<Node> nodes,
		Map<String, Integer> endpointIps, List<Pod> dnsPods, List<Service> dnsServices, List<Workload> dnsWorkloads,
		List<NoEndpointRejects.Reject> dnsRejects, java.util.Set<String> bootTime, Map<String, String> sysctlNotes,
		java.util.Optional<ConntrackAlert> alert, List<LineProblem> problems) {

	/** The sysctl key of the hash table's size. */
	public static final String BUCKETS = "net.netfilter.nf_conntrack_buckets";

	/**
	 * The message nf_conntrack prints when it loads ({@code nf_conntrack_init_start}:
	 * {@code "nf_conntrack version %s (%u buckets, %d max)\n"}, the hash size and
	 * {@code nf_conntrack_max} it starts with; {@code ip_conntrack version 2.4 (8192
	 * buckets, 65536 max) - 228 bytes per conntrack} before 2.6.15), without its prefix.
	 */
	static final String MODULE_LOAD_TEXT = "(?:nf|ip)_conntrack version [\\d.]{1,12} \\((\\d{1,12}) buckets, (\\d{1,12}) max\\)"
			+ "(?: - \\d{1,6} bytes per conntrack)?[ \\t]*";

	/** The module's load message with any kernel log prefix. */
	private static final Pattern MODULE_LOAD = Pattern.compile(".{0,400}?\\b" + MODULE_LOAD_TEXT);

	/** The sysctl key of the table's size. */
	public static final String MAX = "net.netfilter.nf_conntrack_max";

	/** The sysctl key of the table's current entries. */
	public static final String COUNT = "net.netfilter.nf_conntrack_count";

	/**
	 * What {@code conntrack -L} (or {@code -E}) showed.
	 *
	 * @param entries the entries read
	 * @param shown the count conntrack printed ({@code N flow entries have been shown}),
	 * or -1
	 * @param byState entries per protocol and state ({@code tcp TIME_WAIT}, {@code udp})
	 * @param unrepliedDns UDP entries to port 53 without a reply
	 * @param topDestination the destination ip:port with the most entries, and how many
	 * @param firstLine the first line read, 0 when none
	 */
	public record ConntrackList(int entries, long shown, Map<String, Integer> byState, int unrepliedDns,
			String topDestination, int firstLine) {
	}

	/**
	 * A node of {@code kubectl get nodes -o wide}.
	 *
	 * @param name its name
	 * @param osImage the OS-IMAGE column
	 * @param kernel the KERNEL-VERSION column
	 * @param line the line it was read from
	 */
	public record Node(String name, String osImage, String kernel, int line) {
	}

	/**
	 * A pod of {@code kubectl get pods}: a cluster DNS server or a NodeLocal DNSCache.
	 *
	 * @param name its name ({@code coredns-6955765f44-2qz95})
	 * @param ready the READY column ({@code 1/1})
	 * @param status the STATUS column ({@code Running}, {@code CrashLoopBackOff},
	 * {@code Init:0/1})
	 * @param restarts the RESTARTS column, with its {@code (4m32s ago)} when printed
	 * @param node the NODE column of {@code -o wide}, or {@code ""}
	 * @param line the line it was read from
	 * @param namespace the NAMESPACE column of {@code -A}, or {@code ""}
	 * @param labels the LABELS column of {@code --show-labels}
	 * ({@code k8s-app=kube-dns,pod-template-hash=5d78c9869d}), or {@code ""}
	 */
	public record Pod(String name, String ready, String status, String restarts, String node, int line,
			String namespace, String labels) {

		/**
		 * The labels that pick the pod out, for {@code -l}: {@code k8s-app=…} when it has
		 * one (the DNS services of kubeadm, EKS, GKE, AKS and k3s select it), else its
		 * labels without those each controller adds ({@code pod-template-hash},
		 * {@code controller-revision-hash}, {@code pod-template-generation}).
		 */
		public String selectorLabels() {
			List<String> labels = new ArrayList<>();
			for (String label : this.labels.split(",")) {
				if (label.startsWith("k8s-app=")) {
					return label;
				}
				if (label.contains("=") && !label.startsWith("pod-template-hash=")
						&& !label.startsWith("controller-revision-hash=")
						&& !label.startsWith("pod-template-generation=")) {
					labels.add(label);
				}
			}
			return String.join(",", labels);
		}

		/**
		 * A pod of the cluster DNS Deployment (or DaemonSet): CoreDNS's
		 * ({@code coredns-…}, RKE2's {@code rke2-coredns-rke2-coredns-…}) or kube-dns's
		 * ({@code kube-dns-…}, the old {@code kube-dns-v20-…}), each an endpoint of the
		 * cluster DNS service when ready. Their autoscalers
		 * ({@code kube-dns-autoscaler-…}, {@code …-coredns-autoscaler-…}) and Helm
		 * install jobs ({@code helm-install-rke2-coredns-…}) serve no DNS.
		 */
		public boolean dnsServer() {
			return DNS_SERVER_POD.matcher(this.name).matches() && !this.name.contains("autoscaler")
					&& !this.name.startsWith("helm-install-");
		}

		/**
		 * A pod of NodeLocal DNSCache's DaemonSet: {@code node-local-dns-…} (the upstream
		 * manifest, RKE2), {@code nodelocaldns-…} (kubespray).
		 */
		public boolean nodeLocalDns() {
			return NODELOCAL_POD.matcher(this.name).matches();
		}

		/** READY n/n with n > 0 and STATUS Running: serving now. */
		public boolean serving() {
			String[] parts = this.ready.split("/");
			return "Running".equals(this.status) && parts.length == 2 && parts[0].equals(parts[1])
					&& !parts[0].equals("0");
		}

		/** {@code coredns-6955765f44-2qz95 (1/1 Running, restarts 1, node pime6-14)}. */
		public String describe() {
			return this.name + " (" + this.ready + " " + this.status + ", restarts " + this.restarts
					+ (this.node.isEmpty() ? "" : ", node " + this.node) + ")";
		}

	}

	/**
	 * A service of {@code kubectl get svc} or {@code kubectl describe svc} that is the
	 * cluster DNS.
	 *
	 * @param name {@code kube-dns}, {@code coredns} (kubespray) or
	 * {@code rke2-coredns-rke2-coredns} (RKE2)
	 * @param clusterIp its ClusterIP (describe's {@code IP:}), the address kubelet writes
	 * into the pods' resolv.conf
	 * @param ports the PORT(S) column ({@code 53/UDP,53/TCP}; describe's {@code Port:}
	 * lines in that form)
	 * @param line the line it was read from (describe's {@code Name:} line)
	 * @param namespace the NAMESPACE column of {@code -A} (describe's
	 * {@code Namespace:}), or {@code ""}
	 * @param selector the SELECTOR column of {@code -o wide} (describe's
	 * {@code Selector:}), {@code k8s-app=kube-dns}, or {@code ""}
	 * @param output the output it was read from ({@code kubectl get svc},
	 * {@code kubectl describe svc})
	 * @param endpoints what describe's {@code Endpoints:} says of the lookup port; empty
	 * for {@code kubectl get svc}, or when the block was cut before it
	 * @param selectorLine the line that shows the selector: the row of
	 * {@code kubectl get svc -o wide}, describe's {@code Selector:} line; 0 when none
	 * does
	 */
	public record Service(String name, String clusterIp, String ports, int line, String namespace, String selector,
			String output, java.util.Optional<Described> endpoints, int selectorLine) {
	}

	/**
	 * The {@code Endpoints:} line of {@code kubectl describe svc} for the cluster DNS
	 * service's lookup port, or the {@code Addresses:} and {@code NotReadyAddresses:} of
	 * {@code kubectl describe endpoints} for the subsets with that port.
	 *
	 * @param ready its ready endpoints: the distinct addresses listed, plus the N of
	 * {@code + N more...}; 0 for {@code <none>} or nothing
	 * @param cut whether the list was cut ({@code + N more...})
	 * @param shown what the line shows after {@code Endpoints:} or {@code Addresses:}
	 * (the subsets' joined by {@code ;}), {@code ""} for an Endpoints object with no
	 * subset
	 * @param port the port ({@code dns 53/UDP}), or {@code ""} when no subset shows its
	 * ports
	 * @param line the line
	 * @param notReady what {@code NotReadyAddresses:} shows ({@code <none>} when none is
	 * listed); {@code null} for {@code kubectl describe svc}, which does not show them
	 */
	public record Described(int ready, boolean cut, String shown, String port, int line, String notReady) {

		/**
		 * {@code has 2 addresses (Endpoints: 10.2.68.3:53,10.2.68.4:53 for port dns
		 * 53/UDP)}, or why it has none.
		 */
		String said() {
			if (this.notReady != null) {
				return subsetsSaid();
			}
			if (this.ready > 0) {
				return "has " + this.ready + " address" + ((this.ready == 1) ? "" : "es") + " (Endpoints: "
						+ abbreviate(this.shown) + " for port " + this.port + ")";
			}
			return "has no ready address (Endpoints: "
					+ (this.shown.isEmpty() ? "empty for port " + this.port + ": pods it selects exist, none ready"
							: this.shown + " for port " + this.port + ": no pod it selects has an address")
					+ ")";
		}

		/**
		 * {@code has no ready address (Addresses: <none>, NotReadyAddresses: 10.200.0.44
		 * for port dns 53/UDP: pods it selects exist, none ready)}.
		 */
		private String subsetsSaid() {
			String port = this.port.isEmpty() ? "" : " for port " + this.port;
			if (this.shown.isEmpty()) {
				return "has no address (Subsets: none: no pod it selects has an address)";
			}
			String notReadyShown = "NotReadyAddresses: " + abbreviate(this.notReady);
			if (this.ready > 0) {
				return "has " + this.ready + " ready address" + ((this.ready == 1) ? "" : "es") + " (Addresses: "
						+ abbreviate(this.shown) + (this.notReady.equals("<none>") ? "" : ", " + notReadyShown) + port
						+ ")";
			}
			return "has no ready address (Addresses: " + this.shown + ", " + notReadyShown + port
					+ (this.notReady.equals("<none>") ? ")" : ": pods it selects exist, none ready)");
		}

	}

	/**
	 * The namespace and the label selector of the cluster DNS pods, for the fixes'
	 * kubectl commands.
	 *
	 * @param namespace {@code kube-system}, or the namespace the paste shows
	 * @param selector the labels for {@code -l}
	 * @param source where the paste shows them, or {@code ""} when it does not and the
	 * usual {@code k8s-app=kube-dns} is assumed
	 */
	public record DnsSelector(String namespace, String selector, String source) {

		/** The label kubeadm, EKS, GKE, AKS and k3s give their cluster DNS pods. */
		public static final String USUAL = "k8s-app=kube-dns";

		/** Whether neither the service's selector nor the pods' labels were pasted. */
		public boolean usual() {
			return this.source.isEmpty();
		}

		/**
		 * {@code (the SELECTOR of kubectl get svc -o wide, line 4)}, or a note that
		 * {@code k8s-app=kube-dns} is the usual label.
		 */
		public String said() {
			return usual() ? " (" + USUAL + " is the label kubeadm, EKS, GKE, AKS and k3s give their DNS pods; "
					+ "if yours differ, take the SELECTOR of kubectl get svc -o wide, or the pods' --show-labels)"
					: " (" + this.selector + ": " + this.source + ")";
		}

	}

	/**
	 * A cluster DNS Deployment or ReplicaSet of {@code kubectl get deployments},
	 * {@code get replicasets} or {@code get all}.
	 *
	 * @param kind {@code deployment} or {@code replicaset}
	 * @param name its name ({@code coredns}, {@code coredns-64ff95db9})
	 * @param ready its ready replicas (READY's n, or the READY column)
	 * @param desired the replicas it wants
	 * @param line the line it was read from
	 */
	public record Workload(String kind, String name, int ready, int desired, int line) {

		/** The kind of a Deployment. */
		public static final String DEPLOYMENT = "deployment";

		/** The kind of a ReplicaSet. */
		public static final String REPLICASET = "replicaset";

		/**
		 * The kind of a DaemonSet (NodeLocal DNSCache's: ready is READY, desired
		 * DESIRED).
		 */
		public static final String DAEMONSET = "daemonset";

		/** {@code coredns 2/2 ready}. */
		public String describe() {
			return this.name + " " + this.ready + "/" + this.desired + " ready";
		}

	}

	private static final Pattern DNS_SERVER_POD = Pattern
		.compile("(?:coredns|kube-dns(?:-v\\d{1,3})?|[a-z0-9-]{1,200}-coredns)-[a-z0-9]{4,10}(?:-[a-z0-9]{5})?");

	private static final Pattern NODELOCAL_POD = Pattern.compile("(?:node-local-dns|nodelocaldns)-[a-z0-9]{5}");

	/**
	 * {@code key = value}, and a remark after the value ({@code # …}, a note) ignored.
	 */
	private static final Pattern SYSCTL = Pattern
		.compile("([\\w.]{1,120})[ \\t]*=[ \\t]*(\\S{0,64})(?:[ \\t]+\\S.{0,400})?");

	/**
	 * The {@code /proc/sys} paths of the table's size and count, under their names old
	 * and new; group 1 the path ({@link #normalise} makes it a key).
	 */
	static final String PROC_SYS_PATH = "/?(?:proc/sys/)?(net[./]netfilter[./]nf_conntrack_(?:max|count|buckets)"
			+ "|net[./]nf_conntrack_max|net[./]ipv4[./]netfilter[./]ip_conntrack_(?:max|count|buckets))";

	private static final Pattern PROC_SYS = Pattern.compile(PROC_SYS_PATH);

	private static final Pattern STATE = Pattern.compile(
			"[a-z0-9]{1,10}\\s{1,12}(\\d{1,3})\\s{1,12}(?:\\d{1,10}\\s{1,12})?" + "(?:([A-Z_]{2,12})\\s{1,12})?src=");

	private static final Pattern FIELD = Pattern.compile("(src|dst|sport|dport)=(\\S{1,45})");

	private static final Pattern SHOWN = Pattern.compile(".{0,60}\\): (\\d{1,12}) flow entries have been shown\\.");

	/**
	 * {@code ___ratelimit}'s report: {@code net_ratelimit: 5988 callbacks suppressed}.
	 */
	static final Pattern SUPPRESSED = Pattern.compile(".{0,200}?\\b[\\w.]{1,64}: (\\d{1,12}) callbacks suppressed");

	private static final Pattern PREFIX = Pattern
		.compile("(?:\\[\\d{1,12}\\.\\d{1,9}\\]\\s{0,8})?" + "(?:\\[(?:NEW|UPDATE|DESTROY)\\]\\s{0,8})?");

	/** Reads the sysctl, dmesg, conntrack -L and kubectl lines of a sorted paste. */
	static NodeExtras read(PasteReader.Sorted sorted, List<PastedCommand> commands) {
		return read(sorted, commands, NftParser.parse(sorted.of(PasteFormat.NFT)));
	}

	/** As {@link #read(PasteReader.Sorted, List)}, with the nft lines already parsed. */
	static NodeExtras read(PasteReader.Sorted sorted, List<PastedCommand> commands, NftParser.Result nft) {
		List<LineProblem> problems = new ArrayList<>();
		Map<String, String> sysctl = new LinkedHashMap<>();
		Map<String, Integer> sysctlLines = new LinkedHashMap<>();
		readSysctl(sorted.of(PasteFormat.SYSCTL), commands, sysctl, sysctlLines, problems);
		List<Integer> tableFull = new ArrayList<>();
		List<Line> moduleLoads = new ArrayList<>();
		int other = 0;
		long suppressed = 0;
		for (Line line : sorted.of(PasteFormat.DMESG)) {
			Matcher held = SUPPRESSED.matcher(line.text());
			if (MODULE_LOAD.matcher(line.text()).matches()) {
				moduleLoads.add(line);
			}
			else if (line.text().contains("table full")) {
				tableFull.add(line.number());
			}
			else if (held.matches()) {
				suppressed += Long.parseLong(held.group(1));
			}
			else if (!line.text().startsWith("dropping packet")) {
				other++;
			}
		}
		Map<String, String> notes = new LinkedHashMap<>();
		java.util.Set<String> bootTime = moduleLoad(moduleLoads, sysctl, sysctlLines, notes, problems);
		List<Workload> workloads = new ArrayList<>(workloads(sorted.of(PasteFormat.DEPLOYMENTS),
				PasteReader.DEPLOYMENT_ROW, Workload.DEPLOYMENT, problems));
		workloads.addAll(workloads(sorted.of(PasteFormat.REPLICASETS), PasteReader.REPLICASET_ROW, Workload.REPLICASET,
				problems));
		workloads.addAll(nodeLocalDaemonSets(sorted.of(PasteFormat.DAEMONSETS), problems));
		List<Service> services = services(sorted.of(PasteFormat.SERVICES), problems);
		services.addAll(ServiceDescriptions.read(sorted.of(PasteFormat.SERVICE_DESCRIBE)));
		services.addAll(EndpointsDescriptions.read(sorted.of(PasteFormat.ENDPOINTS_DESCRIBE)));
		services.addAll(EndpointSliceDescriptions.read(sorted.of(PasteFormat.ENDPOINTSLICE_DESCRIBE)));
		services.addAll(EndpointSliceRows.read(sorted.of(PasteFormat.ENDPOINTSLICES), commands));
		return new NodeExtras(sysctl, sysctlLines, tableFull, other, suppressed,
				conntrackList(sorted.of(PasteFormat.CONNTRACK_LIST)), nodes(sorted.of(PasteFormat.NODES), problems),
				endpoints(sorted.of(PasteFormat.ENDPOINTS)), pods(sorted.of(PasteFormat.PODS), problems), services,
				workloads,
				NoEndpointRejects.read(sorted.of(PasteFormat.IPTABLES_SAVE), sorted.of(PasteFormat.IPTABLES_LIST), nft)
					.stream()
					.filter((r) -> isDnsServiceName(r.name()))
					.toList(),
				bootTime, notes, ConntrackAlert.read(sorted.of(PasteFormat.ALERT)), problems);
	}

	/**
	 * The table size nf_conntrack started with, from its load message: the last one
	 * pasted (the running boot; an earlier one is listed), each value only where no
	 * sysctl read gave it, since the sysctl shows the value now and the message the one
	 * at load (kube-proxy and sysctl.conf raise it after boot). Returns the keys it gave.
	 */
	private static java.util.Set<String> moduleLoad(List<Line> loads, Map<String, String> sysctl,
			Map<String, Integer> sysctlLines, Map<String, String> notes, List<LineProblem> problems) {
		java.util.Set<String> given = new java.util.LinkedHashSet<>();
		if (loads.isEmpty()) {
			return given;
		}
		Line last = loads.get(loads.size() - 1);
		for (Line earlier : loads.subList(0, loads.size() - 1)) {
			problems.add(new LineProblem(earlier.number(), "nf_conntrack loaded again later (line " + last.number()
					+ ", a later boot): the table size of the last load is read"));
		}
		Matcher load = MODULE_LOAD.matcher(last.text());
		if (!load.matches()) {
			return given;
		}
		List<String> shadowed = new ArrayList<>();
		String[][] values = { { BUCKETS, load.group(1) }, { MAX, load.group(2) } };
		for (String[] value : values) {
			if (sysctl.containsKey(value[0])) {
				shadowed.add(value[0].substring("net.netfilter.".length()) + "=" + value[1] + " (line "
						+ sysctlLines.get(value[0]) + " gives " + sysctl.get(value[0]) + ")");
				notes.put(value[0],
						runtimeOverBoot("line " + sysctlLines.get(value[0]), "line " + last.number(), value[1]));
			}
			else {
				sysctl.put(value[0], value[1]);
				sysctlLines.put(value[0], last.number());
				given.add(value[0]);
			}
		}
		if (!shadowed.isEmpty()) {
			problems
				.add(new LineProblem(last.number(),
						"the table size when nf_conntrack loaded: " + String.join(", ", shadowed)
								+ " is not used, because the sysctl value pasted is the one now "
								+ "(kube-proxy or sysctl.conf may have changed it since boot)"
								+ (given.isEmpty() ? "" : "; " + String.join(", ", given.stream()
									.map((key) -> key.substring("net.netfilter.".length()) + "=" + sysctl.get(key))
									.toList()) + " is read from it")));
		}
		return given;
	}

	/**
	 * Which of two values of a table size is used: the sysctl read (what the kernel runs
	 * with now), not nf_conntrack's load message (what it started with).
	 * @param used where the sysctl value was read ({@code line 3 of conntrackStats})
	 * @param boot where the load message was
	 * @param bootValue the value at load
	 */
	static String runtimeOverBoot(String used, String boot, String bootValue) {
		return "the sysctl value on " + used + ", the one the kernel runs with now; nf_conntrack's load message on "
				+ boot + " gave " + bootValue + " at boot, which kube-proxy or sysctl.conf may have changed since";
	}

	/**
	 * The cluster DNS Deployments or ReplicaSets of a {@code kubectl get deployments} or
	 * {@code get replicasets} table ({@code get all}'s {@code deployment.apps/} and
	 * {@code replicaset.apps/} rows); others are read and left out.
	 */
	private static List<Workload> workloads(List<Line> lines, Pattern row, String kind, List<LineProblem> problems) {
		List<Workload> workloads = new ArrayList<>();
		String table = kind.equals(Workload.DEPLOYMENT)
				? "kubectl get deployments (NAME READY UP-TO-DATE AVAILABLE AGE)"
				: "kubectl get replicasets (NAME DESIRED CURRENT READY AGE)";
		for (Row r : rows(lines, row, table, problems)) {
			Matcher m = r.match();
			String name = m.group(2);
			boolean deployment = kind.equals(Workload.DEPLOYMENT);
			String owner = deployment ? name : name.substring(0, Math.max(0, name.lastIndexOf('-')));
			if (!isDnsServiceName(owner) || name.contains("autoscaler")) {
				continue;
			}
			int ready = Integer.parseInt(deployment ? m.group(3) : m.group(5));
			int desired = Integer.parseInt(deployment ? m.group(4) : m.group(3));
			workloads.add(new Workload(kind, name, ready, desired, r.number()));
		}
		return workloads;
	}

	/**
	 * NodeLocal DNSCache's DaemonSet ({@code node-local-dns}, kubespray's
	 * {@code nodelocaldns}) in a {@code kubectl get daemonsets} table or
	 * {@code get all}'s {@code daemonset.apps/} rows; the others (a CNI's, kube-proxy's)
	 * are read and left out.
	 */
	private static List<Workload> nodeLocalDaemonSets(List<Line> lines, List<LineProblem> problems) {
		List<Workload> daemonSets = new ArrayList<>();
		for (Row r : rows(lines, PasteReader.DAEMONSET_ROW,
				"kubectl get daemonsets (NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE)",
				problems)) {
			Matcher m = r.match();
			String name = m.group(2);
			if (name.equals("node-local-dns") || name.equals("nodelocaldns")) {
				daemonSets.add(new Workload(Workload.DAEMONSET, name, Integer.parseInt(m.group(5)),
						Integer.parseInt(m.group(3)), r.number()));
			}
		}
		return daemonSets;
	}

	private static void readSysctl(List<Line> lines, List<PastedCommand> commands, Map<String, String> sysctl,
			Map<String, Integer> sysctlLines, List<LineProblem> problems) {
		String series = null;
		// The bare values printed after one command, by the command's line: cat a b
		// prints a's value, then b's.
		Map<Integer, Integer> printed = new java.util.HashMap<>();
		for (Line line : lines) {
			Matcher pair = SYSCTL.matcher(line.text());
			Matcher kubeProxy = PasteReader.KUBE_PROXY_MAX.matcher(line.text());
			java.util.Optional<ConntrackMetric> metric = ConntrackMetric.parse(line.text());
			String key;
			String value;
			if (metric.isPresent()) {
				// node_nf_conntrack_entries(_limit): the same two sysctl values. Only the
				// first series (node, namespace) pasted is read; another's is listed.
				if (series == null) {
					series = metric.get().series();
				}
				key = series.equals(metric.get().series()) ? metric.get().name() : null;
				value = Long.toString(metric.get().value());
				if (key == null) {
					problems.add(new LineProblem(line.number(),
							"the table size of another series (" + abbreviate(metric.get().series())
									+ "): only the first series pasted ("
									+ (series.isEmpty() ? "no labels" : abbreviate(series))
									+ ") is read, so that count and max come from one node"));
				}
			}
			else if (kubeProxy.matches()) {
				key = MAX;
				value = kubeProxy.group(1);
			}
			else if (pair.matches()) {
				key = normalise(pair.group(1));
				value = pair.group(2);
			}
			else {
				key = keyFromCommands(commands, line.number(), printed);
				value = line.text().strip();
			}
			if (key != null) {
				sysctl.putIfAbsent(key, value);
				sysctlLines.putIfAbsent(key, line.number());
			}
		}
	}

	/**
	 * The key a bare number belongs to: the last {@code cat /proc/sys/…} (or
	 * {@code sysctl -n …}) before it; with several paths in it
	 * ({@code cat …/nf_conntrack_count …/nf_conntrack_max}), the path in the place of
	 * this number among the values printed after the command ({@code printed} counts
	 * them); {@code null} for a value past the last path.
	 */
	private static String keyFromCommands(List<PastedCommand> commands, int number, Map<Integer, Integer> printed) {
		java.util.Optional<PastedCommand> command = PasteReader.Sorted.commandAbove(commands, number,
				(c) -> PROC_SYS.matcher(c).find());
		if (command.isEmpty()) {
			return null;
		}
		Matcher path = PROC_SYS.matcher(command.get().text());
		List<String> keys = new ArrayList<>();
		while (path.find() && keys.size() < 16) {
			keys.add(normalise(path.group(1)));
		}
		int place = printed.merge(command.get().line(), 1, Integer::sum) - 1;
		return (keys.size() == 1) ? keys.get(0) : (place < keys.size()) ? keys.get(place) : null;
	}

	private static String abbreviate(String series) {
		return (series.length() > 80) ? series.substring(0, 77) + "…" : series;
	}

	/**
	 * {@code net/netfilter/nf_conntrack_max}, {@code net.nf_conntrack_max} and the
	 * compatibility names of {@code nf_conntrack_proto_compat} /
	 * {@code nf_conntrack_l3proto_ipv4_compat}
	 * ({@code net.ipv4.netfilter.ip_conntrack_max}, {@code _count}, {@code _buckets}: the
	 * same kernel variables under the names of older kernels and old routers) → one key.
	 */
	static String normalise(String key) {
		String dotted = key.replace('/', '.');
		if (dotted.equals("net.nf_conntrack_max")) {
			return MAX;
		}
		if (dotted.startsWith("net.ipv4.netfilter.ip_conntrack_")) {
			return "net.netfilter.nf_conntrack_" + dotted.substring("net.ipv4.netfilter.ip_conntrack_".length());
		}
		return dotted;
	}

	private static ConntrackList conntrackList(List<Line> lines) {
		Map<String, Integer> byState = new LinkedHashMap<>();
		Map<String, Integer> destinations = new LinkedHashMap<>();
		int entries = 0;
		int unreplied = 0;
		long shown = -1;
		for (Line line : lines) {
			Matcher summary = SHOWN.matcher(line.text());
			if (summary.matches()) {
				shown = Long.parseLong(summary.group(1));
				continue;
			}
			String text = PREFIX.matcher(line.text()).replaceFirst("");
			Matcher state = STATE.matcher(text);
			if (!state.lookingAt()) {
				continue;
			}
			entries++;
			String protocol = switch (state.group(1)) {
				case "6" -> "tcp";
				case "17" -> "udp";
				case "1" -> "icmp";
				default -> "proto " + state.group(1);
			};
			String key = protocol + ((state.group(2) != null) ? " " + state.group(2) : "");
			byState.merge(key, 1, Integer::sum);
			Map<String, String> fields = new LinkedHashMap<>();
			Matcher field = FIELD.matcher(text);
			while (field.find() && fields.size() < 4) {
				fields.putIfAbsent(field.group(1), field.group(2));
			}
			String destination = IpAddress.withPort(fields.getOrDefault("dst", "?"), fields.getOrDefault("dport", "?"));
			destinations.merge(protocol + " " + destination, 1, Integer::sum);
			if (protocol.equals("udp") && "53".equals(fields.get("dport")) && text.contains("[UNREPLIED]")) {
				unreplied++;
			}
		}
		String top = destinations.entrySet()
			.stream()
			.max(Map.Entry.comparingByValue())
			.map((e) -> e.getKey() + " (" + e.getValue() + ")")
			.orElse("");
		return new ConntrackList(entries, shown, byState, unreplied, top, lines.isEmpty() ? 0 : lines.get(0).number());
	}

	private static List<Node> nodes(List<Line> lines, List<LineProblem> problems) {
		List<Node> nodes = new ArrayList<>();
		int kernelColumn = -1;
		int osColumn = -1;
		int nextColumn = -1;
		int osEnd = -1;
		for (Line line : lines) {
			String text = line.text();
			if (text.startsWith("NAME ")) {
				kernelColumn = text.indexOf("KERNEL-VERSION");
				osColumn = text.indexOf("OS-IMAGE");
				osEnd = kernelColumn;
				nextColumn = text.indexOf("CONTAINER-RUNTIME");
				continue;
			}
			if (kernelColumn < 0) {
				continue;
			}
			if (text.length() <= kernelColumn) {
				problems.add(new LineProblem(line.number(), "cut short: no KERNEL-VERSION column"));
				continue;
			}
			int end = (nextColumn > kernelColumn && text.length() > nextColumn) ? nextColumn : text.length();
			String kernel = text.substring(kernelColumn, end).strip().split("\\s+")[0];
			String os = (osColumn >= 0 && osEnd > osColumn) ? text.substring(osColumn, osEnd).strip() : "";
			nodes.add(new Node(text.split("\\s+")[0], os, kernel, line.number()));
		}
		return nodes;
	}

	/**
	 * The rows of {@code kubectl get endpoints}:
	 * {@code kube-dns 172.17.0.2:53,172.17.0.2:53
	 * 25m} → kube-dns has one address (its UDP and TCP ports).
	 */
	private static Map<String, Integer> endpoints(List<Line> lines) {
		Map<String, Integer> ips = new LinkedHashMap<>();
		boolean namespaced = false;
		for (Line line : lines) {
			String[] columns = line.text().strip().split("\\s+");
			if (columns[0].equals("NAME") || columns[0].equals("NAMESPACE")) {
				namespaced = columns[0].equals("NAMESPACE");
				continue;
			}
			int name = namespaced ? 1 : 0;
			if (columns.length < name + 2) {
				continue;
			}
			java.util.Set<String> addresses = new java.util.LinkedHashSet<>();
			for (String endpoint : columns[name + 1].split(",")) {
				int colon = endpoint.lastIndexOf(':');
				if (colon > 0) {
					addresses.add(endpoint.substring(0, colon));
				}
			}
			boolean cut = line.text().contains(" more...");
			ips.put(columns[name], (cut && addresses.size() < 2) ? -1 : addresses.size());
		}
		return ips;
	}

	/**
	 * The rows of {@code kubectl get pods} that are cluster DNS or NodeLocal DNSCache
	 * pods: {@code [namespace] name 1/1 Running 8 (4m32s ago) 5d5h [IP NODE …]}.
	 */
	private static List<Pod> pods(List<Line> lines, List<LineProblem> problems) {
		List<Pod> pods = new ArrayList<>();
		for (Row row : rows(lines, PasteReader.POD_ROW, "kubectl get pods (NAME READY STATUS RESTARTS AGE)",
				problems)) {
			Matcher m = row.match();
			String restarts = row.text()
				.substring(m.start(6), (m.group(7) != null) ? m.start(7) : row.text().length())
				.strip();
			// AGE, then with -o wide IP and NODE.
			String[] rest = (m.group(7) != null) ? m.group(7).strip().split("\\s+") : new String[0];
			String node = (rest.length >= 3) ? rest[2] : "";
			String last = (rest.length > 0) ? rest[rest.length - 1] : "";
			String labels = (rest.length >= 2 && LABELS.matcher(last).matches()) ? last : "";
			Pod pod = new Pod(m.group(2), m.group(3) + "/" + m.group(4), m.group(5), restarts, node, row.number(),
					(m.group(1) != null) ? m.group(1) : "", labels);
			if (pod.dnsServer() || pod.nodeLocalDns()) {
				pods.add(pod);
			}
		}
		return pods;
	}

	/** The rows of {@code kubectl get svc} that are the cluster DNS service. */
	private static List<Service> services(List<Line> lines, List<LineProblem> problems) {
		List<Service> services = new ArrayList<>();
		for (Row row : rows(lines, PasteReader.SERVICE_ROW,
				"kubectl get svc (NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE)", problems)) {
			Matcher m = row.match();
			String namespace = (m.group(1) != null) ? m.group(1) : "";
			if (isDnsService(m.group(2), namespace, m.group(5))) {
				// -o wide: AGE, then SELECTOR (a label selector, or <none>).
				String[] rest = row.text().substring(m.end(5)).strip().split("\\s+");
				String last = rest[rest.length - 1];
				String selector = (rest.length >= 2 && LABELS.matcher(last).matches()) ? last : "";
				services.add(new Service(m.group(2), m.group(3), m.group(5), row.number(), namespace, selector,
						PasteFormat.SERVICES.title(), java.util.Optional.empty(), row.number()));
			}
		}
		return services;
	}

	/**
	 * {@code k8s-app=kube-dns,pod-template-hash=5d78c9869d}: a LABELS or SELECTOR column.
	 */
	private static final Pattern LABELS = Pattern
		.compile("[\\w./-]{1,253}=[\\w.-]{0,63}(?:,[\\w./-]{1,253}=[\\w.-]{0,63}){0,30}");

	/** Whether a value is a LABELS or SELECTOR list ({@code k8s-app=kube-dns}). */
	static boolean isLabels(String value) {
		return LABELS.matcher(value).matches();
	}

	/** A row of a kubectl table, matched. */
	private record Row(int number, String text, Matcher match) {
	}

	/**
	 * The rows of a kubectl table past its header that match {@code row}; each other line
	 * is reported as not a row of {@code table}.
	 */
	private static List<Row> rows(List<Line> lines, Pattern row, String table, List<LineProblem> problems) {
		List<Row> rows = new ArrayList<>();
		for (Line line : lines) {
			String text = line.text().strip();
			if (text.startsWith("NAME ") || text.startsWith("NAMESPACE ")) {
				continue;
			}
			Matcher m = row.matcher(text);
			if (m.matches()) {
				rows.add(new Row(line.number(), text, m));
			}
			else {
				problems.add(new LineProblem(line.number(), "not a row of " + table));
			}
		}
		return rows;
	}

	/**
	 * The cluster DNS service's name: {@code kube-dns} (kubeadm, k3s, most clusters, also
	 * with CoreDNS), {@code coredns} (kubespray), {@code rke2-coredns-rke2-coredns}
	 * (RKE2), {@code kubedns} (kubespray before CoreDNS: its rules say
	 * {@code kube-system/kubedns:dns}). NodeLocal DNSCache's {@code kube-dns-upstream} is
	 * not the address pods ask.
	 */
	static boolean isDnsServiceName(String name) {
		return name.equals("kube-dns") || name.equals("coredns") || name.endsWith("-coredns") || name.equals("kubedns");
	}

	/**
	 * A service ({@code kubectl get svc} or {@code describe svc}) that is the cluster
	 * DNS: its name says so ({@link #isDnsServiceName}), or it serves 53/UDP in the
	 * cluster DNS's namespace ({@code kube-system}, OpenShift's {@code openshift-dns})
	 * with {@code dns} in its name, like OpenShift's {@code dns-default}; never NodeLocal
	 * DNSCache's {@code kube-dns-upstream}.
	 * @param name the service
	 * @param namespace its namespace, or {@code ""} when not pasted
	 * @param ports its ports as PORT(S) prints them ({@code 53/UDP,53/TCP})
	 */
	static boolean isDnsService(String name, String namespace, String ports) {
		if (isDnsServiceName(name)) {
			return true;
		}
		boolean lookupPort = java.util.Arrays.asList(ports.split(",")).contains("53/UDP");
		return lookupPort && name.contains("dns") && !name.equals("kube-dns-upstream")
				&& (namespace.equals("kube-system") || namespace.equals("openshift-dns"));
	}

	/**
	 * How many addresses the cluster DNS service has, and what says so: its row of
	 * {@code kubectl get endpoints}, else kube-proxy's REJECT rule for its lookup port
	 * ("has no endpoints": none now, whatever pods or replicas were pasted, since it is
	 * what the node does), else the cluster DNS pods {@code kubectl get pods} listed
	 * (each an endpoint when ready; a pod not ready now may be one later, so every listed
	 * pod counts), else the ready replicas of its Deployment. Empty when none was pasted;
	 * a count of -1 when the endpoint list was cut before a second address.
	 *
	 * @param count the addresses
	 * @param ready how many of them serve now: the addresses of
	 * {@code kubectl get endpoints} (it lists ready addresses only), none under a REJECT
	 * rule, the pods ready and running, the ready replicas; -1 when the list was cut
	 * short, or the output does not say ({@code kubectl get endpointslice} lists every
	 * endpoint, ready or not)
	 * @param evidence where it was read, for a finding
	 * @param readiness what the paste says of the endpoints' readiness, in a few words
	 * for a verdict ("none of its 2 pods ready")
	 * @param source which output said it
	 */
	public record DnsEndpoints(int count, int ready, String evidence, String readiness, Source source) {

		/** The output the count was read from, in the order of precedence. */
		public enum Source {

			/** {@code kubectl get endpoints}. */
			ENDPOINTS,

			/**
			 * {@code kubectl get endpointslice}: every endpoint's addresses, ready or
			 * not; none ready only when it lists none.
			 */
			ENDPOINTSLICES,

			/**
			 * {@code kubectl describe endpoints}: the {@code Addresses:} of the subsets
			 * with the lookup port; else {@code kubectl describe svc}: the lookup port's
			 * {@code Endpoints:} line.
			 */
			DESCRIBE,

			/** kube-proxy's REJECT rule "… has no endpoints". */
			KUBE_PROXY,

			/** {@code kubectl get pods}. */
			PODS,

			/** {@code kubectl get deployments} or {@code get replicasets}. */
			WORKLOADS

		}

	}

	/** The cluster DNS service's endpoints as pasted, when they were. */
	public java.util.Optional<DnsEndpoints> dnsEndpoints() {
		java.util.Optional<DnsEndpoints> api = apiEndpoints();
		if (api.isPresent()) {
			return api;
		}
		java.util.Optional<DnsEndpoints> rejected = rejectedEndpoints();
		if (rejected.isPresent()) {
			return rejected;
		}
		List<Pod> servers = this.dnsPods.stream().filter(Pod::dnsServer).toList();
		if (servers.isEmpty()) {
			return workloadEndpoints();
		}
		long serving = servers.stream().filter(Pod::serving).count();
		String lines = (servers.size() == 1) ? "line " + servers.get(0).line()
				: "lines " + servers.get(0).line() + "–" + servers.get(servers.size() - 1).line();
		String pods = servers.stream().map(Pod::describe).collect(java.util.stream.Collectors.joining(", "));
		return java.util.Optional.of(new DnsEndpoints(servers.size(), (int) serving,
				lines + ": kubectl get pods lists " + servers.size() + " cluster DNS pod"
						+ ((servers.size() == 1) ? "" : "s") + " (" + serving + " ready and running): " + pods + ".",
				readiness(serving, servers.size(), "pod"), DnsEndpoints.Source.PODS));
	}

	/**
	 * The cluster DNS service's ready addresses as the API lists them: its row of
	 * {@code kubectl get endpoints}, else its rows of {@code kubectl get endpointslice}
	 * (how many endpoints, ready or not), else the {@code Endpoints:} line of its lookup
	 * port in {@code kubectl describe svc} (the same addresses: {@code <none>} or nothing
	 * there is {@code <none>} in {@code get endpoints}).
	 */
	private java.util.Optional<DnsEndpoints> apiEndpoints() {
		java.util.Optional<Map.Entry<String, Integer>> listed = this.endpointIps.entrySet()
			.stream()
			.filter((e) -> isDnsServiceName(e.getKey()))
			.findFirst();
		if (listed.isPresent()) {
			int count = listed.get().getValue();
			return java.util.Optional.of(new DnsEndpoints(count, count,
					"kubectl get endpoints: " + listed.get().getKey() + " has "
							+ ((count < 0) ? "a list cut short"
									: (count == 0) ? "no address (<none>: no pod it selects is ready)"
											: count + " address" + ((count == 1) ? "" : "es"))
							+ ".",
					"kubectl get endpoints shows "
							+ ((count == 0) ? "none" : (count < 0) ? "a list cut short" : String.valueOf(count))
							+ " for " + listed.get().getKey(),
					DnsEndpoints.Source.ENDPOINTS));
		}
		java.util.Optional<Service> slices = this.dnsServices.stream()
			.filter((s) -> s.output().equals(PasteFormat.ENDPOINTSLICES.title()) && s.endpoints().isPresent())
			.findFirst();
		if (slices.isPresent()) {
			Described sliced = slices.get().endpoints().get();
			int count = sliced.ready();
			String name = slices.get().name();
			return java.util.Optional.of(new DnsEndpoints(count, (count == 0) ? 0 : -1,
					"kubectl get endpointslice: " + name + "'s slices list "
							+ ((count == 0) ? "no endpoint (<unset>)"
									: count + " endpoint address" + ((count == 1) ? "" : "es")
											+ ", ready or not (kubectl lists every endpoint's)")
							+ " (" + abbreviate(sliced.shown()) + ").",
					"kubectl get endpointslice lists " + ((count == 0) ? "none" : String.valueOf(count)) + " for "
							+ name,
					DnsEndpoints.Source.ENDPOINTSLICES));
		}
		return describedEndpoints().map((s) -> {
			Described shown = s.endpoints().get();
			return new DnsEndpoints(shown.ready(), shown.ready(),
					"line " + shown.line() + ": " + s.output() + ": " + s.name() + " " + shown.said() + ".",
					s.output() + " shows " + ((shown.ready() == 0) ? "none" : String.valueOf(shown.ready())) + " for "
							+ s.name(),
					DnsEndpoints.Source.DESCRIBE);
		});
	}

	/**
	 * The cluster DNS service whose endpoints a describe shows: its
	 * {@code kubectl describe endpoints} (the object itself, with its not-ready addresses
	 * too), else its {@code kubectl describe svc}.
	 */
	public java.util.Optional<Service> describedEndpoints() {
		java.util.function.Predicate<Service> shown = (s) -> s.endpoints().isPresent()
				&& !s.output().equals(PasteFormat.ENDPOINTSLICES.title());
		return this.dnsServices.stream()
			.filter(shown.and((s) -> s.output().equals(PasteFormat.ENDPOINTS_DESCRIBE.title())))
			.findFirst()
			.or(() -> this.dnsServices.stream().filter(shown).findFirst());
	}

	/**
	 * "its one pod not ready", "none of its 2 pods ready", "1 of its 2 replicas ready".
	 */
	private static String readiness(long ready, long of, String what) {
		if (of == 1) {
			return "its one " + what + ((ready == 0) ? " not ready" : " ready");
		}
		return ((ready == 0) ? "none" : String.valueOf(ready)) + " of its " + of + " " + what + "s ready";
	}

	/**
	 * kube-proxy's REJECT rule for the cluster DNS pasted beside a
	 * {@code kubectl get endpoints} row that lists addresses: the row wins for the count,
	 * and this says what the rule says. Empty unless both were pasted.
	 */
	public java.util.Optional<DnsEndpoints> rejectedDespiteEndpoints() {
		boolean listed = apiEndpoints().map((e) -> e.count() != 0).orElse(false);
		return listed ? rejectedEndpoints() : java.util.Optional.empty();
	}

	/**
	 * None, when kube-proxy rejects the cluster DNS service's lookup port (UDP 53) with
	 * "has no endpoints" (nftables: lists it in no-endpoint-services with
	 * {@code goto reject-chain}): it writes that rule only while the port has no ready
	 * endpoint. The rules for its other ports ({@code dns-tcp}, {@code metrics}) are
	 * cited with it.
	 */
	private java.util.Optional<DnsEndpoints> rejectedEndpoints() {
		List<NoEndpointRejects.Reject> lookups = this.dnsRejects.stream()
			.filter((r) -> r.lookupPort() && !r.localDrop())
			.toList();
		if (lookups.isEmpty()) {
			return java.util.Optional.empty();
		}
		List<String> cited = new ArrayList<>(lookups.stream().map(NoEndpointRejects.Reject::cite).toList());
		List<String> others = this.dnsRejects.stream()
			.filter((r) -> !r.lookupPort() && !r.localDrop())
			.map((r) -> "line " + r.line() + " (" + r.comment() + ")")
			.toList();
		String comments = String.join(", ", lookups.stream().map((r) -> "\"" + r.comment() + "\"").distinct().toList());
		NoEndpointRejects.Reject first = lookups.get(0);
		return java.util.Optional.of(new DnsEndpoints(0, 0,
				String.join("; ", cited) + ": kube-proxy rejects lookups to the cluster DNS service (" + comments
						+ "): it writes " + first.what()
						+ " only for a service port with no ready endpoint, so the service has none now"
						+ (others.isEmpty() ? "" : "; its other ports too: " + String.join(", ", others)) + ".",
				"kube-proxy's " + (first.nft() ? NoEndpointRejects.NFT_MAP + " map" : "rule") + ", line " + first.line()
						+ ": \"" + first.comment() + "\"",
				DnsEndpoints.Source.KUBE_PROXY));
	}

	/**
	 * nftables kube-proxy's {@code : drop} elements of its {@code no-endpoint-services}
	 * map for the cluster DNS's lookup port (UDP 53): the service has endpoints, none on
	 * this node, and a traffic policy Local, so this node drops lookups to that address.
	 */
	public List<NoEndpointRejects.Reject> dnsLocalDrops() {
		return this.dnsRejects.stream().filter((r) -> r.localDrop() && r.lookupPort()).toList();
	}

	/**
	 * The ready replicas of the cluster DNS Deployment ({@code kubectl get deployments},
	 * {@code get all}), else of its ReplicaSets, when neither endpoints nor pods were
	 * pasted: each ready replica is a pod the service sends to.
	 */
	private java.util.Optional<DnsEndpoints> workloadEndpoints() {
		List<Workload> deployments = this.dnsWorkloads.stream()
			.filter((w) -> w.kind().equals(Workload.DEPLOYMENT))
			.toList();
		List<Workload> replicaSets = this.dnsWorkloads.stream()
			.filter((w) -> w.kind().equals(Workload.REPLICASET))
			.toList();
		List<Workload> listed = deployments.isEmpty() ? replicaSets : deployments;
		if (listed.isEmpty()) {
			return java.util.Optional.empty();
		}
		int ready = listed.stream().mapToInt(Workload::ready).sum();
		int desired = listed.stream().mapToInt(Workload::desired).sum();
		String lines = (listed.size() == 1) ? "line " + listed.get(0).line()
				: "lines " + listed.get(0).line() + "–" + listed.get(listed.size() - 1).line();
		String table = deployments.isEmpty() ? "kubectl get replicasets" : "kubectl get deployments";
		String rows = listed.stream().map(Workload::describe).collect(java.util.stream.Collectors.joining(", "));
		String what = (ready == 0)
				? "no replica is ready, so the cluster DNS service has no endpoint now (" + desired + " wanted)"
				: ready + " ready replica" + ((ready == 1) ? " is its endpoint" : "s are its endpoints")
						+ ((desired > ready) ? " (" + desired + " wanted)" : "");
		return java.util.Optional.of(new DnsEndpoints(ready, ready,
				lines + ": " + table + ": " + rows + ": " + what
						+ "; neither kubectl get endpoints nor the cluster DNS pods were pasted.",
				readiness(ready, desired, "replica"), DnsEndpoints.Source.WORKLOADS));
	}

	/**
	 * Whether the paste shows the cluster DNS service ({@code kube-dns}, {@code coredns})
	 * with one address, or one cluster DNS pod: race 3 needs two.
	 */
	public boolean singleDnsEndpoint() {
		return dnsEndpoints().map((e) -> e.count() == 1).orElse(false);
	}

	/**
	 * Whether the paste shows the cluster DNS with nothing serving: no address in
	 * {@code kubectl get endpoints}, no cluster DNS pod ready and running, no ready
	 * replica.
	 */
	public boolean noReadyDnsEndpoint() {
		return dnsEndpoints().map((e) -> e.ready() == 0).orElse(false);
	}

	/**
	 * The cluster DNS pods ready and running that the paste lists, whatever
	 * {@code kubectl get endpoints} says.
	 */
	public List<Pod> servingDnsPods() {
		return this.dnsPods.stream().filter((p) -> p.dnsServer() && p.serving()).toList();
	}

	/** Whether the paste shows the cluster DNS service with two addresses or more. */
	public boolean severalDnsEndpoints() {
		return dnsEndpoints().map((e) -> e.count() > 1).orElse(false);
	}

	/** The NodeLocal DNSCache pods that serve now (READY n/n, Running). */
	public List<Pod> nodeLocalDnsServing() {
		return this.dnsPods.stream().filter((p) -> p.nodeLocalDns() && p.serving()).toList();
	}

	/**
	 * What shows NodeLocal DNSCache serving on the nodes, for a finding: one of its pods
	 * ready and running, else its DaemonSet with a ready pod; empty when neither was
	 * pasted.
	 */
	public java.util.Optional<String> nodeLocalDnsEvidence() {
		List<Pod> serving = nodeLocalDnsServing();
		if (!serving.isEmpty()) {
			return java.util.Optional.of("line " + serving.get(0).line() + ": " + serving.get(0).describe());
		}
		return this.dnsWorkloads.stream()
			.filter((w) -> w.kind().equals(Workload.DAEMONSET) && w.ready() > 0)
			.findFirst()
			.map((w) -> "line " + w.line() + ": kubectl get daemonsets: " + w.describe()
					+ ((w.ready() < w.desired()) ? " (the nodes without one are not covered)" : ""));
	}

	/** The cluster DNS service {@code kubectl get svc} showed, when it did. */
	public java.util.Optional<Service> dnsService() {
		return this.dnsServices.stream()
			.filter((s) -> !s.clusterIp().equals("None") && !s.clusterIp().isEmpty())
			.findFirst();
	}

	/**
	 * The cluster DNS service's name as the paste gives it ({@code kubectl get endpoints}
	 * or {@code get svc}, kube-proxy's rule), for the commands a finding suggests;
	 * {@code kube-dns}, the name kubeadm and most distributions keep, when none was
	 * pasted.
	 */
	public String dnsServiceName() {
		return this.endpointIps.keySet()
			.stream()
			.filter(NodeExtras::isDnsServiceName)
			.findFirst()
			.or(() -> dnsService().map(Service::name))
			.or(() -> this.dnsRejects.stream().map(NoEndpointRejects.Reject::name).findFirst())
			.orElse("kube-dns");
	}

	/**
	 * The cluster DNS pods' namespace and labels as the paste shows them: the labels from
	 * the pods' {@code --show-labels} (what they are), else the service's SELECTOR (what
	 * selects them when it is right), else the usual {@code k8s-app=kube-dns}; the
	 * namespace from the service's or the pods' NAMESPACE column, or kube-proxy's rule
	 * ({@code kube-system/kube-dns:dns}), else {@code kube-system}.
	 */
	public DnsSelector dnsSelector() {
		String namespace = this.dnsServices.stream()
			.map(Service::namespace)
			.filter((n) -> !n.isEmpty())
			.findFirst()
			.or(() -> this.dnsPods.stream()
				.filter(Pod::dnsServer)
				.map(Pod::namespace)
				.filter((n) -> !n.isEmpty())
				.findFirst())
			.or(() -> this.dnsRejects.stream()
				.map(NoEndpointRejects.Reject::service)
				.filter((s) -> s.contains("/"))
				.map((s) -> s.substring(0, s.indexOf('/')))
				.findFirst())
			.orElse("kube-system");
		java.util.Optional<Pod> labelled = this.dnsPods.stream()
			.filter((p) -> p.dnsServer() && !p.selectorLabels().isEmpty())
			.findFirst();
		if (labelled.isPresent()) {
			return new DnsSelector(namespace, labelled.get().selectorLabels(), "the labels of " + labelled.get().name()
					+ " in kubectl get pods --show-labels, line " + labelled.get().line());
		}
		java.util.Optional<Service> selecting = this.dnsServices.stream()
			.filter((s) -> !s.selector().isEmpty())
			.findFirst();
		if (selecting.isPresent()) {
			boolean described = selecting.get().output().equals(PasteFormat.SERVICE_DESCRIBE.title());
			return new DnsSelector(namespace, selecting.get().selector(),
					(described ? "the Selector: of " + selecting.get().name() + " in its kubectl describe svc at line "
							: "the SELECTOR of " + selecting.get().name() + " in kubectl get svc -o wide, line ")
							+ selecting.get().selectorLine());
		}
		return new DnsSelector(namespace, DnsSelector.USUAL, "");
	}

	/** A sysctl value as a number, when it is one. */
	public OptionalLong number(String key) {
		String value = this.sysctl.get(key);
		if (value == null || !value.matches("\\d{1,18}")) {
			return OptionalLong.empty();
		}
		return OptionalLong.of(Long.parseLong(value));
	}

	/** Nothing read. */
	static NodeExtras empty() {
		return new NodeExtras(Map.of(), Map.of(), List.of(), 0, 0, new ConntrackList(0, -1, Map.of(), 0, "", 0),
				List.of(), Map.of(), List.of(), List.of(), List.of(), List.of(), java.util.Set.of(), Map.of(),
				java.util.Optional.empty(), List.of());
	}

}
