package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the nat rules of {@code nft list ruleset} or {@code nft list table ip nat}: the
 * rules iptables-nft writes for kube-proxy, Docker and the CNI plugins
 * ({@code … counter packets 12 bytes 720 masquerade}), and nftables kube-proxy's own
 * table ({@code table ip kube-proxy}: {@code masquerade fully-random}, {@code numgen
 * random mod 2 vmap { 0 : goto endpoint-…, 1 : goto endpoint-… }},
 * {@code dnat to 10.244.0.3:53}, {@code dnat ip to numgen random mod 2 map { … }}). Only
 * chains of a table whose name or hook says nat are kept; rules of other tables are read
 * and left out. The elements of the maps keyed by address, protocol and port
 * (kube-proxy's {@code service-ips} and {@code no-endpoint-services}) are read apart:
 * they are no rules. Never throws.
 */
final class NftParser {

	private static final Pattern TABLE = Pattern.compile("table (\\w{1,10}) ([\\w-]{1,64}) \\{");

	private static final Pattern CHAIN = Pattern.compile("chain (\\S{1,200}) \\{");

	private static final Pattern HOOK = Pattern.compile("type (\\w{1,10}) hook (\\w{1,16}) .{0,200}");

	private static final Pattern COMMENT = Pattern.compile("comment \"([^\"]{0,400})\"");

	/**
	 * A DNAT to one address: {@code dnat to 10.180.0.1:80}, or with the concatenation
	 * kube-proxy wrote for a single-endpoint service in July 2026
	 * (kubernetes/kubernetes#140723), {@code dnat ip addr . port to 10.180.0.1 . 80},
	 * which nft lists as {@code dnat ip to 10.180.0.1 . 80}; an IPv6 endpoint in
	 * brackets, {@code dnat to [fd00:10:244::3]:53} ({@code dnat ip6 to} in an
	 * {@code inet} table).
	 */
	private static final Pattern DNAT = Pattern.compile("\\bdnat (?:ip6? )?(?:addr \\. port )?to (?:\\[(" + IpAddress.V6
			+ ")\\]|(" + IpAddress.ANY + "))(?:(?::| \\. )(\\d{1,5}))?(?![\\d.:])");

	private static final Pattern JUMP = Pattern.compile("\\b(?:jump|goto) ([\\w./-]{1,200})");

	private static final Pattern PACKETS = Pattern.compile("\\bcounter packets (\\d{1,18})");

	private static final Pattern DPORT = Pattern.compile("\\b(udp|tcp) dport (\\d{1,5})");

	private static final Pattern L4PROTO = Pattern.compile("\\bl4proto (udp|tcp|sctp)");

	private static final Pattern NUMGEN = Pattern.compile("numgen random mod (\\d{1,4}) vmap \\{(.{0,8000})\\}");

	/**
	 * kube-proxy's endpoint selection without endpoint chains: {@code meta l4proto udp
	 * dnat ip addr . port to numgen random mod 2 map { 0 : 10.180.0.1 . 53 , 1 :
	 * 10.180.2.1 . 53 }} (the rule kube-proxy writes, as its proxier_test.go expects it
	 * in 2026), which nft lists as {@code dnat ip to numgen …} since the change "src:
	 * infer NAT mapping with concatenation from set" (2021).
	 */
	private static final Pattern NUMGEN_DNAT = Pattern
		.compile("\\bdnat (?:ip6? )?(?:addr \\. port )?to numgen random mod (\\d{1,4}) map \\{(.{0,8000})\\}");

	/** One endpoint of {@link #NUMGEN_DNAT}'s map: {@code 0 : 10.180.0.1 . 53}. */
	private static final Pattern NUMGEN_ENDPOINT = Pattern
		.compile("\\b\\d{1,4} : (" + IpAddress.ANY + ") \\. (\\d{1,5})\\b");

	/** A named set or map of a table: {@code map service-ips {}. */
	private static final Pattern SET_HEADER = Pattern.compile("(set|map) ([\\w./-]{1,200}) \\{");

	/**
	 * One element of a map keyed by address, protocol and port, as nft lists it:
	 * {@code 10.96.0.10 . udp . 53 : goto service-FY5PMXPG-kube-system/kube-dns/udp/dns}
	 * ({@code service-ips}),
	 * {@code 10.96.0.10 . udp . 53 comment "kube-system/kube-dns:dns"
	 * : goto reject-chain} ({@code no-endpoint-services}, which kube-proxy writes with
	 * the service port's name as the element's comment).
	 */
	private static final Pattern ELEMENT = Pattern
		.compile("(?<![\\w.:])([0-9a-fA-F.:]{2,45}) \\. (tcp|udp|sctp) \\. (\\d{1,5})(?: comment \"([^\"]{0,400})\")?"
				+ " : ((?:goto|jump) [\\w./:-]{1,250}|drop|accept|return)");

	/** At most this many map elements are read from one paste. */
	private static final int MAX_ELEMENTS = 4096;

	/**
	 * An iptables-nft MASQUERADE or SNAT as nft lists it: {@code xt target "MASQUERADE"},
	 * or {@code # xt_MASQUERADE} (nft before 0.9.8 could not name it).
	 */
	private static final Pattern XT_TARGET = Pattern
		.compile("\\bxt target \"(MASQUERADE|SNAT)\"|# xt_(MASQUERADE|SNAT)\\b");

	/**
	 * A rule whose first statement nft cannot name: nft built without xtables prints an
	 * iptables-nft match or target as {@code # xt_<name>} (src/xt.c,
	 * {@code xt_stmt_xlate}, up to nftables 1.0.5), so kube-proxy's
	 * {@code -m statistic --mode random … -j KUBE-SEP-…} lists as
	 * {@code # xt_statistic counter … jump KUBE-SEP-…}: a rule, not a comment, and the
	 * endpoint it jumps to counts.
	 */
	private static final Pattern XT_FIRST = Pattern.compile("# xt_\\w");

	/** A statement that only a nat chain may hold. */
	private static final Pattern NAT_STATEMENT = Pattern.compile("(?:^|\\s)masquerade(?:\\s|$)"
			+ "|(?:^|\\s)(?:snat|dnat) (?:ip6? )?(?:addr \\. port )?to\\s|\\bxt target \"(?:MASQUERADE|SNAT|DNAT)\"|# xt_(?:MASQUERADE|SNAT|DNAT)\\b");

	/**
	 * The handle {@code nft -a} (or {@code --handle}) prints after every table, chain,
	 * set, map and rule: {@code chain services { # handle 5}, {@code masquerade
	 * fully-random # handle 12} (src/rule.c, {@code chain_print}, {@code rule_print}).
	 */
	private static final Pattern HANDLE = Pattern.compile("\\s{1,20}# handle \\d{1,20}$");

	/** Where the one who pasted left rules out: {@code ...}, {@code ....}, {@code …}. */
	private static final Pattern ELISION = Pattern.compile("\\.{3,20}|…");

	private NftParser() {
	}

	/**
	 * The line without the handle {@code nft -a} prints at its end: {@code table ip
	 * kube-proxy { # handle 18} reads as {@code table ip kube-proxy {}.
	 */
	static String withoutHandle(String text) {
		return HANDLE.matcher(text).replaceFirst("");
	}

	/**
	 * The nat rules, the elements of the maps keyed by address, protocol and port, the
	 * lines it could not read, and where kube-proxy's own table shows.
	 *
	 * @param rules the nat rules
	 * @param problems the lines not read
	 * @param elements the map elements keyed by address, protocol and port
	 * @param kubeProxyLine the first line that only kube-proxy's own nftables table has
	 * ({@code table ip kube-proxy}, a {@code service-ips} or {@code no-endpoint-services}
	 * map, a {@code service-HASH-ns/name/proto/port} chain), or 0
	 */
	record Result(List<NatRule> rules, List<LineProblem> problems, List<MapElement> elements, int kubeProxyLine) {
	}

	/**
	 * The names only nftables kube-proxy gives: its maps, and its per-service chains,
	 * whose names hold the service's namespace, name, protocol and port
	 * (pkg/proxy/nftables/proxier.go, {@code servicePortChainNameBase}).
	 */
	private static final Pattern KUBE_PROXY_NAME = Pattern.compile(
			"service-ips|no-endpoint-services|(?:service|endpoint|external|local|firewall)-[A-Z0-9]{8}-[^/ ]{1,200}/.{1,300}");

	/**
	 * One element of a verdict map keyed by address, protocol and port: kube-proxy's
	 * {@code service-ips} (a service IP and port, and the chain its packets go to) and
	 * {@code no-endpoint-services} (a service IP and port with no endpoint, and whether
	 * its packets are rejected or dropped).
	 *
	 * @param line the line it was read from
	 * @param map the map's name ({@code service-ips})
	 * @param address the address of the key
	 * @param protocol {@code udp}, {@code tcp} or {@code sctp}
	 * @param port the port of the key
	 * @param comment the element's comment, or {@code ""}
	 * @param verdict {@code goto <chain>}, {@code jump <chain>}, {@code drop},
	 * {@code accept} or {@code return}
	 * @param text the element as pasted
	 */
	record MapElement(int line, String map, String address, String protocol, String port, String comment,
			String verdict, String text) {

		/** The chain a {@code goto} or {@code jump} verdict names, or {@code ""}. */
		String chain() {
			int space = this.verdict.indexOf(' ');
			return (space >= 0) ? this.verdict.substring(space + 1) : "";
		}

		/** {@code line 37: 10.96.0.10 . udp . 53 : goto service-…}. */
		String cite() {
			return "line " + this.line + ": " + this.text;
		}

	}

	static Result parse(List<Line> lines) {
		List<NatRule> rules = new ArrayList<>();
		List<LineProblem> problems = new ArrayList<>();
		List<MapElement> elements = new ArrayList<>();
		String table = "";
		String chain = "";
		boolean natTable = false;
		boolean natChain = false;
		// Inside a set or map: its name and how deep in its braces; its lines are no
		// rules.
		String set = "";
		int setDepth = 0;
		int kubeProxyLine = 0;
		for (Line line : lines) {
			String text = withoutHandle(line.text().strip());
			// A set cut short in the paste ends where a chain or table begins.
			if (setDepth > 0 && !CHAIN.matcher(text).matches() && !TABLE.matcher(text).matches()) {
				elements(line.number(), set, text, elements);
				setDepth = depth(setDepth, text);
				continue;
			}
			setDepth = 0;
			Matcher setHeader = SET_HEADER.matcher(text);
			if (setHeader.matches()) {
				set = setHeader.group(1).equals("map") ? setHeader.group(2) : "";
				setDepth = 1;
				if (kubeProxyLine == 0 && KUBE_PROXY_NAME.matcher(setHeader.group(2)).matches()) {
					kubeProxyLine = line.number();
				}
				continue;
			}
			Matcher tableHeader = TABLE.matcher(text);
			if (tableHeader.matches()) {
				table = tableHeader.group(2);
				if (kubeProxyLine == 0 && table.equals("kube-proxy")) {
					kubeProxyLine = line.number();
				}
				natTable = table.contains("nat") || table.equals("kube-proxy");
				chain = "";
				continue;
			}
			Matcher chainHeader = CHAIN.matcher(text);
			if (chainHeader.matches()) {
				chain = chainHeader.group(1);
				if (kubeProxyLine == 0 && KUBE_PROXY_NAME.matcher(chain).matches()) {
					kubeProxyLine = line.number();
				}
				// A chain pasted without its table is a nat chain when its name is one
				// only the nat table has: iptables-nft's KUBE-SVC-…, KUBE-SEP-….
				natChain = natTable || (table.isEmpty() && IptablesListParser.natOnly(chain));
				continue;
			}
			Matcher hook = HOOK.matcher(text);
			if (hook.matches()) {
				natChain = natTable || hook.group(1).equals("nat");
				continue;
			}
			if (text.equals("}") || text.isEmpty() || ELISION.matcher(text).matches() || text.startsWith("policy ")
					|| text.startsWith("elements") || text.startsWith("type ") || text.startsWith("flags ")
					|| text.startsWith("set ") || text.startsWith("map ")
					|| (text.startsWith("#") && !XT_FIRST.matcher(text).lookingAt())) {
				continue;
			}
			// A nat statement can only stand in a nat chain: a chain pasted without its
			// table and hook is one when its rules say so.
			if (!natChain && !NAT_STATEMENT.matcher(text).find()) {
				continue;
			}
			NatRule rule = rule(line, text, chain);
			if (rule != null) {
				rules.add(rule);
			}
		}
		return new Result(rules, problems, elements, kubeProxyLine);
	}

	/**
	 * The elements on one line of a map ({@code elements = { 10.96.0.10 . udp . 53 : goto
	 * …,}), none when the map is a set's or not keyed by address, protocol and port.
	 */
	private static void elements(int number, String map, String text, List<MapElement> elements) {
		if (map.isEmpty() || text.length() > 20_000) {
			return;
		}
		Matcher element = ELEMENT.matcher(text);
		while (element.find() && elements.size() < MAX_ELEMENTS) {
			elements.add(new MapElement(number, map, element.group(1), element.group(2), element.group(3),
					(element.group(4) != null) ? element.group(4) : "", element.group(5), element.group()));
		}
	}

	/** The brace depth after a line of a set or map, braces in a comment left out. */
	private static int depth(int depth, String text) {
		int d = depth;
		boolean quoted = false;
		for (int i = 0; i < text.length() && d > 0; i++) {
			char c = text.charAt(i);
			if (c == '"') {
				quoted = !quoted;
			}
			else if (!quoted && c == '{') {
				d++;
			}
			else if (!quoted && c == '}') {
				d--;
			}
		}
		return d;
	}

	private static NatRule rule(Line line, String text, String chain) {
		String target = "";
		String to = "";
		Matcher dnat = DNAT.matcher(text);
		Matcher jump = JUMP.matcher(text);
		Matcher numgen = NUMGEN.matcher(text);
		Matcher numgenDnat = NUMGEN_DNAT.matcher(text);
		Matcher xt = XT_TARGET.matcher(text);
		if (xt.find()) {
			String name = (xt.group(1) != null) ? xt.group(1) : xt.group(2);
			Matcher packets = PACKETS.matcher(text);
			return new NatRule(line.number(), text, chain, name, "", "", "", "", false, false, text,
					packets.find() ? Long.parseLong(packets.group(1)) : -1, NatRule.Form.NFT_XT);
		}
		if (text.contains(" masquerade") || text.startsWith("masquerade")) {
			target = "MASQUERADE";
		}
		else if (text.contains("snat ")) {
			target = "SNAT";
		}
		else if (dnat.find()) {
			target = "DNAT";
			String address = (dnat.group(1) != null) ? dnat.group(1) : dnat.group(2);
			to = (dnat.group(3) != null) ? IpAddress.withPort(address, dnat.group(3)) : address;
		}
		else if (numgen.find()) {
			target = "NUMGEN:" + numgen.group(1);
		}
		else if (numgenDnat.find()) {
			target = "NUMGEN:" + numgenDnat.group(1);
		}
		else if (jump.find()) {
			target = jump.group(1);
		}
		Matcher comment = COMMENT.matcher(text);
		Matcher packets = PACKETS.matcher(text);
		Matcher dport = DPORT.matcher(text);
		Matcher l4 = L4PROTO.matcher(text);
		String protocol = dport.find() ? dport.group(1) : (l4.find() ? l4.group(1) : "");
		String port = (dport.reset().find()) ? dport.group(2) : "";
		boolean fully = text.contains("fully-random");
		boolean random = !fully && text.matches(".{0,4000}\\b(?:masquerade|snat to \\S{1,60}) random\\b.{0,4000}");
		return new NatRule(line.number(), text, chain, target, protocol, port, comment.find() ? comment.group(1) : "",
				to, random, fully, text, packets.find() ? Long.parseLong(packets.group(1)) : -1, NatRule.Form.NFT);
	}

	/**
	 * The endpoints a {@code dnat … to numgen random mod N map} spreads over, in order,
	 * as {@code 10.180.0.1:53}; none for the {@code vmap} form, which goes to endpoint
	 * chains.
	 */
	static List<String> numgenEndpoints(String text) {
		List<String> endpoints = new ArrayList<>();
		Matcher dnat = NUMGEN_DNAT.matcher(text);
		if (!dnat.find()) {
			return endpoints;
		}
		Matcher endpoint = NUMGEN_ENDPOINT.matcher(dnat.group(2));
		while (endpoint.find() && endpoints.size() < 1024) {
			endpoints.add(IpAddress.withPort(endpoint.group(1), endpoint.group(2)));
		}
		return endpoints;
	}

	/** The chains a {@code numgen random mod N vmap} spreads over, in order. */
	static List<String> numgenChains(String text) {
		List<String> chains = new ArrayList<>();
		Matcher jump = JUMP.matcher(text);
		while (jump.find() && chains.size() < 1024) {
			chains.add(jump.group(1));
		}
		return chains;
	}

}
