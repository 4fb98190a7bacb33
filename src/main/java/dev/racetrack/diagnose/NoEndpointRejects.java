package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * kube-proxy's rules for a service port without endpoints (iptables mode,
 * {@code pkg/proxy/iptables/proxier.go}, {@code syncProxyRules}): when
 * {@code hasEndpoints} is false it writes no nat chain for the port, only a rule in the
 * filter table that rejects its traffic, {@code -A KUBE-SERVICES -d <clusterIP>/32 -p udp
 * -m comment --comment "ns/name:port has no endpoints" -m udp --dport 53 -j REJECT}
 * ({@code iptables-save} adds {@code --reject-with icmp-port-unreachable}; the external
 * IPs and node ports get the same rule in {@code KUBE-EXTERNAL-SERVICES}). The REJECT for
 * the cluster IP has been in the filter table's {@code KUBE-SERVICES} since the rule was
 * added (kubernetes/kubernetes#17359, 2016) and still is; {@code KUBE-PROXY-FIREWALL}
 * holds the load balancers' source ranges, not these. Read from {@code iptables-save},
 * {@code iptables -S} (any table) and {@code iptables -L} rows
 * ({@code REJECT udp -- anywhere 10.96.0.10 /* kube-system/kube-dns:dns has no endpoints
 * *}{@code / udp dpt:domain reject-with icmp-port-unreachable}).
 * <p>
 * nftables kube-proxy ({@code pkg/proxy/nftables/proxier.go}) writes no rule for such a
 * port but an element of its {@code no-endpoint-services} map, checked by
 * {@code service-endpoints-check} in the filter hooks: {@code 10.96.0.10 . udp . 53
 * comment "kube-system/kube-dns:dns" : goto reject-chain}, whose one rule is
 * {@code reject}. The same map holds {@code : drop} for a port that has endpoints, none
 * of them on this node, and a traffic policy Local (proxier.go: the ClusterIP's element
 * when {@code internalTrafficPolicy: Local}, {@code internalTrafficFilterVerdict =
 * "drop"}; an external or load-balancer IP's when {@code externalTrafficPolicy: Local};
 * {@code no-endpoint-nodeports} holds the node ports' the same way, keyed
 * {@code tcp . 3001}): that is not read as no endpoint, but as a
 * {@link Reject#localDrop() local drop}, which {@link DnsServiceRule} reports for the
 * cluster DNS's lookup port.
 */
final class NoEndpointRejects {

	/** kube-proxy's comment after the service port's name. */
	static final String SUFFIX = " has no endpoints";

	/** nftables kube-proxy's map of the service ports without endpoints. */
	static final String NFT_MAP = "no-endpoint-services";

	/** The verdict of {@link #NFT_MAP} for a port with no endpoint at all. */
	private static final String NFT_REJECT = "goto reject-chain";

	/**
	 * The verdict of {@link #NFT_MAP} for a port with endpoints, none on this node, and a
	 * traffic policy Local.
	 */
	private static final String NFT_DROP = "drop";

	private static final Pattern COUNTERS_PREFIX = Pattern.compile("\\[\\d{1,18}:\\d{1,20}\\]\\s{1,20}");

	/**
	 * One REJECT rule of a service port without endpoints.
	 *
	 * @param line the line it was read from
	 * @param text the rule as pasted
	 * @param chain its chain ({@code KUBE-SERVICES}, {@code KUBE-EXTERNAL-SERVICES})
	 * @param service the service, {@code kube-system/kube-dns}
	 * @param port the service port's name ({@code dns}), {@code ""} for an unnamed port
	 * @param protocol {@code udp}, {@code tcp}, or {@code ""} when the rule does not say
	 * @param destinationPort the {@code --dport} ({@code domain} read as 53), or
	 * {@code ""}
	 * @param comment the rule's comment,
	 * {@code kube-system/kube-dns:dns has no endpoints}
	 * @param address the address the rule or element matches ({@code -d 10.96.0.10/32}
	 * without its {@code /32}, the element's key), or {@code ""}
	 * @param localDrop whether it is nftables kube-proxy's {@code : drop}: the port has
	 * endpoints, none on this node, and a traffic policy Local; not "no endpoints"
	 */
	record Reject(int line, String text, String chain, String service, String port, String protocol,
			String destinationPort, String comment, String address, boolean localDrop) {

		/** The service's name without its namespace: {@code kube-dns}. */
		String name() {
			int slash = this.service.indexOf('/');
			return this.service.substring(slash + 1);
		}

		/**
		 * The port lookups use: UDP 53, or the port kube-dns and CoreDNS name {@code dns}
		 * when the rule (an excerpt) shows neither protocol nor port.
		 */
		boolean lookupPort() {
			if (!this.protocol.isEmpty() && !this.destinationPort.isEmpty()) {
				return "udp".equals(this.protocol) && "53".equals(this.destinationPort);
			}
			return "dns".equals(this.port);
		}

		/** {@code line 12: -A KUBE-SERVICES … -j REJECT …}. */
		String cite() {
			return "line " + this.line + ": " + this.text;
		}

		/**
		 * What kube-proxy wrote: {@code "this rule"}, or for nftables kube-proxy
		 * {@code "this element of its no-endpoint-services map"}.
		 */
		String what() {
			return nft() ? "this element of its " + NFT_MAP + " map" : "this rule";
		}

		/** Whether nftables kube-proxy wrote it: an element of {@link #NFT_MAP}. */
		boolean nft() {
			return NFT_MAP.equals(this.chain);
		}

	}

	private NoEndpointRejects() {
	}

	/**
	 * The REJECT rules with kube-proxy's "has no endpoints" comment among the lines of
	 * {@code iptables-save} or {@code -S} ({@code save}) and of {@code iptables -L}
	 * ({@code list}), in the order pasted. Lines it does not read are reported by the nat
	 * table's parsers, not here.
	 */
	static List<Reject> read(List<Line> save, List<Line> list) {
		return read(save, list, List.of());
	}

	/**
	 * As {@link #read(List, List)}, with the elements of nftables kube-proxy's
	 * {@code no-endpoint-services} map among the lines of {@code nft list} ({@code nft})
	 * whose verdict is {@code goto reject-chain}.
	 */
	static List<Reject> read(List<Line> save, List<Line> list, List<Line> nft) {
		return read(save, list, NftParser.parse(nft));
	}

	/** As {@link #read(List, List, List)}, with the nft lines already parsed. */
	static List<Reject> read(List<Line> save, List<Line> list, NftParser.Result nft) {
		List<Reject> rejects = new ArrayList<>();
		for (NftParser.MapElement element : nft.elements()) {
			boolean drop = element.verdict().equals(NFT_DROP);
			if (element.map().equals(NFT_MAP) && (element.verdict().equals(NFT_REJECT) || drop)
					&& !element.comment().isEmpty()) {
				rejects.add(reject(element.line(), element.text(), NFT_MAP, element.protocol(), element.port(),
						element.comment(), element.comment(), element.address(), drop));
			}
		}
		List<Line> rules = joinWrapped(save);
		for (Line rule : rules) {
			fromSave(rule).ifPresent(rejects::add);
		}
		for (NatRule row : IptablesListParser.parse(list).rules()) {
			if ("REJECT".equals(row.target()) && row.comment().endsWith(SUFFIX)) {
				rejects.add(reject(row.line(), row.text(), row.chain(), row.protocol(), row.destinationPort(),
						row.comment(), row.destinationAddress()));
			}
		}
		rejects.sort(java.util.Comparator.comparingInt(Reject::line));
		return rejects;
	}

	/** A rule a terminal or a page wrapped is read whole, at its first line. */
	private static List<Line> joinWrapped(List<Line> save) {
		List<Line> rules = new ArrayList<>();
		for (Line line : save) {
			String text = line.text();
			if (text.startsWith(IptablesParser.CONTINUATION) && !rules.isEmpty()) {
				Line last = rules.remove(rules.size() - 1);
				rules.add(new Line(last.number(),
						last.text() + " " + text.substring(IptablesParser.CONTINUATION.length())));
			}
			else {
				rules.add(new Line(line.number(), text.strip()));
			}
		}
		return rules;
	}

	private static java.util.Optional<Reject> fromSave(Line line) {
		String text = COUNTERS_PREFIX.matcher(line.text()).replaceFirst("");
		if (!text.contains(SUFFIX) || !text.contains("REJECT")) {
			return java.util.Optional.empty();
		}
		List<String> words = RuleTokenizer.split(text).words();
		if (words.size() < 2 || !List.of("-A", "--append", "-I", "--insert").contains(words.get(0))) {
			return java.util.Optional.empty();
		}
		String target = "";
		String comment = "";
		String protocol = "";
		String port = "";
		String address = "";
		for (int i = 2; i + 1 < words.size(); i++) {
			switch (words.get(i)) {
				case "-j", "--jump" -> target = words.get(++i);
				case "--comment" -> comment = words.get(++i);
				case "-p", "--protocol" -> protocol = words.get(++i);
				case "--dport", "--destination-port" -> port = words.get(++i);
				case "-d", "--destination" -> {
					boolean negated = words.get(i - 1).equals("!");
					String value = words.get(++i);
					address = negated ? "" : value;
				}
				default -> {
				}
			}
		}
		if (!"REJECT".equals(target) || !comment.endsWith(SUFFIX)) {
			return java.util.Optional.empty();
		}
		return java.util.Optional.of(reject(line.number(), text, words.get(1), protocol,
				"domain".equals(port) ? "53" : port, comment, address.replaceFirst("/32$", "")));
	}

	private static Reject reject(int line, String text, String chain, String protocol, String port, String comment,
			String address) {
		return reject(line, text, chain, protocol, port, comment.substring(0, comment.length() - SUFFIX.length()),
				comment, address, false);
	}

	/** {@code portName} is the service port's, {@code kube-system/kube-dns:dns}. */
	private static Reject reject(int line, String text, String chain, String protocol, String port, String portName,
			String comment, String address, boolean localDrop) {
		String stripped = portName.strip();
		int colon = stripped.lastIndexOf(':');
		String service = (colon >= 0) ? stripped.substring(0, colon) : stripped;
		String name = (colon >= 0) ? stripped.substring(colon + 1) : "";
		return new Reject(line, text, chain, service, name, protocol, port, comment, address, localDrop);
	}

}
