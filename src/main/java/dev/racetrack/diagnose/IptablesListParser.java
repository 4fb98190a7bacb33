package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code iptables -L} in every flavour ({@code -t nat -L}, {@code -n}, {@code -v},
 * {@code --line-numbers}, {@code -x}, and excerpts through {@code grep} with no chain
 * header) into {@link NatRule}s. The columns are found from the {@code opt} column
 * ({@code --}): before it the target and protocol, and before those the line number and
 * the packet and byte counters ({@code 1497K}, {@code 121M}: iptables prints K, M, G, T
 * in units of 1000 without {@code -x}); after it {@code in} and {@code out} when the
 * counters are there ({@code -v}), then source, destination and the match extras
 * ({@code /* comment *}{@code /}, {@code udp dpt:53}, {@code to:10.1.9.135:53},
 * {@code random-fully}, {@code statistic mode random probability 0.5}). Each rule keeps
 * its line as pasted and the {@code iptables -S} form rebuilt from its columns, which is
 * what a fix names.
 */
final class IptablesListParser {

	private static final Pattern COUNTER = Pattern.compile("\\d{1,20}[KMGTP]?");

	private static final Pattern PROTOCOL = Pattern
		.compile("!?(?:all|tcp|udp|icmp|sctp|udplite|esp|ah|gre|ipv6-icmp|\\d{1,3})");

	private static final Pattern CHAIN_HEADER = Pattern.compile("Chain ([\\w-]{1,64}) \\((.{0,100})\\)");

	private static final Pattern COMMENT = Pattern.compile("/\\* (.{0,400}?) \\*/");

	private static final Pattern TO = Pattern.compile("(?<!\\S)to:([\\d.]{7,15}(?::[\\d-]{1,11})?)");

	/**
	 * A match {@code iptables -L} prints in words ({@link #matches}): addrtype's
	 * {@code ADDRTYPE match src-type LOCAL dst-type !LOCAL}, mark's {@code mark match
	 * !0x4000/0x4000}, set's {@code ! match-set NAME dst}.
	 */
	private static final Pattern LISTED_MATCH = Pattern
		.compile("(?<!\\S)(?:ADDRTYPE match(?<addrtype>(?: (?:src|dst)-type (?:! ?)?[A-Z_,]{1,80}){1,2})"
				+ "|mark match (?<markNot>! ?)?(?<mark>0x[0-9a-fA-F]{1,8}(?:/0x[0-9a-fA-F]{1,8})?)"
				+ "|(?<setNot>! )?match-set (?<set>[\\w.:-]{1,31}) (?<flags>(?:src|dst)(?:,(?:src|dst)){0,5}))(?!\\S)");

	private static final Pattern ADDRTYPE_TYPE = Pattern.compile("(src|dst)-type (! ?)?([A-Z_,]{1,80})");

	private static final Pattern DPT = Pattern.compile("(?<!\\S)dpts?:([\\w-]{1,20})");

	private static final Pattern STATISTIC = Pattern.compile("statistic mode random probability ([\\d.]{1,20})");

	private static final Map<String, String> SERVICES = Map.of("domain", "53", "http", "80", "https", "443");

	private static final Set<String> ANY = Set.of("0.0.0.0/0", "anywhere", "::/0", "*", "any");

	private IptablesListParser() {
	}

	/** Whether a line has the shape of an {@code iptables -L} rule row. */
	static boolean isRow(String text) {
		String[] tokens = text.strip().split("\\s+", 12);
		int opt = optIndex(tokens);
		return opt >= 2 && tokens.length >= opt + 3;
	}

	private static int optIndex(String[] tokens) {
		for (int i = 2; i < Math.min(tokens.length, 7); i++) {
			if ((tokens[i].equals("--") || tokens[i].equals("-f") || tokens[i].equals("!f"))
					&& PROTOCOL.matcher(tokens[i - 1]).matches() && isTarget(tokens[i - 2])) {
				boolean prefixIsCounters = true;
				for (int j = 0; j < i - 2; j++) {
					prefixIsCounters &= COUNTER.matcher(tokens[j]).matches();
				}
				if (prefixIsCounters && i - 2 <= 3) {
					return i;
				}
			}
		}
		return -1;
	}

	private static boolean isTarget(String token) {
		return !token.isEmpty() && Character.isLetter(token.charAt(0)) && token.length() <= 64
				&& token.chars().allMatch((c) -> Character.isLetterOrDigit(c) || c == '-' || c == '_');
	}

	/**
	 * The rules and the lines it could not read.
	 *
	 * @param rules every rule row, of whatever table it was listed from (kube-proxy's
	 * REJECT rules for a service without endpoints are in the filter table)
	 * @param natRules the rows of listings of the nat table, or of listings that do not
	 * tell their table (a {@code grep} excerpt of MASQUERADE rows)
	 * @param problems the lines it could not read
	 * @param listings each listing, with the table it shows
	 */
	record Result(List<NatRule> rules, List<NatRule> natRules, List<LineProblem> problems, List<Listing> listings) {

		/** The listings that are not of the nat table. */
		List<Listing> otherTables() {
			return this.listings.stream().filter((l) -> l.table() != Table.NAT && l.table() != Table.UNKNOWN).toList();
		}

	}

	/** The table an {@code iptables -L} listing shows, as far as it tells. */
	enum Table {

		/** {@code -t nat}, or PREROUTING/POSTROUTING without FORWARD, or nat targets. */
		NAT("nat"),

		/** No {@code -t} (iptables' default), or INPUT/FORWARD/OUTPUT only. */
		FILTER("filter"),

		/** {@code -t mangle}, {@code -t raw}, {@code -t security}, or all five chains. */
		OTHER("mangle, raw or security"),

		/** Neither the command nor the chains tell (an excerpt through grep). */
		UNKNOWN("");

		private final String title;

		Table(String title) {
			this.title = title;
		}

		String title() {
			return this.title;
		}

	}

	/**
	 * One listing: the lines under one command, or under one run of chain headers.
	 *
	 * @param table the table it shows
	 * @param name the table's name ({@code filter}, {@code mangle}), or a list of them
	 * when only the chains tell
	 * @param firstLine its first line
	 * @param lastLine its last line
	 * @param basis how the table was told, for evidence
	 */
	record Listing(Table table, String name, int firstLine, int lastLine, String basis) {

		/** {@code lines 5–25}. */
		String lines() {
			return (this.firstLine == this.lastLine) ? "line " + this.firstLine
					: "lines " + this.firstLine + "–" + this.lastLine;
		}

	}

	/** The built-in chains of the tables iptables -L lists. */
	private static final Set<String> BUILT_IN = Set.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING");

	/**
	 * Chains that only the filter table has: Docker's DOCKER-USER and DOCKER-ISOLATION*,
	 * kube-proxy's and kubelet's KUBE-FORWARD, KUBE-EXTERNAL-SERVICES, KUBE-FIREWALL,
	 * KUBE-PROXY-FIREWALL; targets the nat table refuses: REJECT (the kernel's
	 * {@code ipt_REJECT} is {@code .table = "filter"}) and DROP (iptables: "The nat table
	 * is not intended for filtering").
	 */
	private static final Pattern FILTER_ONLY = Pattern
		.compile("DOCKER-USER|DOCKER-ISOLATION[\\w-]{0,40}|KUBE-FORWARD|KUBE-EXTERNAL-SERVICES|KUBE-FIREWALL"
				+ "|KUBE-PROXY-FIREWALL|REJECT|DROP");

	/**
	 * Chains and targets only the nat table has: MASQUERADE, SNAT, DNAT, REDIRECT,
	 * NETMAP, kube-proxy's KUBE-POSTROUTING, KUBE-MARK-MASQ and its per-service chains.
	 */
	private static final Pattern NAT_ONLY = Pattern.compile("MASQUERADE|SNAT|DNAT|REDIRECT|NETMAP|KUBE-POSTROUTING"
			+ "|KUBE-MARK-MASQ|KUBE-MARK-DROP|KUBE-(?:SVC|SEP|FW|XLB|EXT|SVL)-[A-Z0-9]{1,40}");

	/**
	 * An iptables command that lists rules: {@code iptables -L}, {@code -nvL},
	 * {@code --list}, up to a pipe or the next command.
	 */
	private static final Pattern LIST_COMMAND = Pattern
		.compile("(?<![\\w-])ip6?tables(?:-legacy|-nft)?((?: +[^ |;&]{1,200}){0,30})");

	private static final Pattern LIST_OPTION = Pattern
		.compile("(?<!\\S)(?:-[a-zA-Z]{0,6}L[a-zA-Z]{0,6}|--list)(?!\\S)");

	private static final Pattern TABLE_OPTION = Pattern
		.compile("(?<!\\S)(?:-[a-zA-Z]{0,6}t *|--table[= ] *)([a-z]{1,20})");

	static Result parse(List<Line> lines) {
		return parse(lines, List.of());
	}

	/**
	 * Reads the rows, each listing with the table it shows: from the command above it
	 * when pasted ({@code commands}), else from its chains.
	 */
	static Result parse(List<Line> lines, List<PastedCommand> commands) {
		List<NatRule> rules = new ArrayList<>();
		List<NatRule> natRules = new ArrayList<>();
		List<LineProblem> problems = new ArrayList<>();
		List<Listing> listings = new ArrayList<>();
		for (Block block : blocks(lines, commands)) {
			List<String> chains = new ArrayList<>();
			List<NatRule> blockRules = parseBlock(block.lines(), chains, problems);
			Listing listing = classify(block.command(), chains, blockRules, block.lines().get(0).number(),
					block.lines().get(block.lines().size() - 1).number());
			listings.add(listing);
			rules.addAll(blockRules);
			if (listing.table() == Table.NAT || listing.table() == Table.UNKNOWN) {
				natRules.addAll(blockRules);
			}
		}
		return new Result(rules, natRules, problems, listings);
	}

	/**
	 * The lines cut into listings: a command starts one, and so does a built-in chain's
	 * header after a chain of its own table (iptables -L lists the built-in chains first,
	 * PREROUTING first of all), so that two listings pasted one after the other are told
	 * apart.
	 */
	private static List<Block> blocks(List<Line> lines, List<PastedCommand> commands) {
		List<Block> blocks = new ArrayList<>();
		List<Line> current = null;
		Set<String> chains = new java.util.HashSet<>();
		boolean customChainSeen = false;
		Optional<PastedCommand> command = Optional.empty();
		for (Line line : lines) {
			Optional<PastedCommand> before = PasteReader.Sorted.commandAbove(commands, line.number(), (c) -> true);
			Matcher header = CHAIN_HEADER.matcher(line.text().strip());
			boolean builtIn = header.matches() && BUILT_IN.contains(header.group(1));
			boolean restart = builtIn && (chains.contains(header.group(1)) || customChainSeen
					|| (header.group(1).equals("PREROUTING") && !chains.isEmpty()));
			if (current == null || !before.equals(command) || restart) {
				current = new ArrayList<>();
				blocks.add(new Block(current, (!before.equals(command) || blocks.isEmpty())
						? before.map(PastedCommand::text).orElse("") : ""));
				chains.clear();
				customChainSeen = false;
				command = before;
			}
			if (header.matches()) {
				chains.add(header.group(1));
				customChainSeen |= !builtIn;
			}
			current.add(line);
		}
		return blocks;
	}

	/**
	 * The lines of one listing, and the command it is the output of ({@code ""} when none
	 * was pasted above it, or when it follows another listing of the same command).
	 */
	private record Block(List<Line> lines, String command) {
	}

	private static List<NatRule> parseBlock(List<Line> lines, List<String> chains, List<LineProblem> problems) {
		List<NatRule> rules = new ArrayList<>();
		String chain = "";
		boolean verboseHeader = false;
		boolean headerSeen = false;
		for (Line line : lines) {
			String text = line.text().strip();
			Matcher header = CHAIN_HEADER.matcher(text);
			if (header.matches()) {
				chain = header.group(1);
				chains.add(chain);
				continue;
			}
			if (text.contains("target") && text.contains("prot") && text.contains("opt")) {
				headerSeen = true;
				verboseHeader = text.contains("pkts");
				continue;
			}
			String[] tokens = text.split("\\s+");
			int opt = optIndex(tokens);
			if (opt < 0) {
				problems.add(new LineProblem(line.number(), "not a rule row of iptables -L"));
				continue;
			}
			int prefix = opt - 2;
			boolean verbose = headerSeen ? verboseHeader : (prefix >= 2);
			int at = opt + 1;
			String in = "";
			String out = "";
			if (verbose && tokens.length >= at + 4) {
				in = tokens[at++];
				out = tokens[at++];
			}
			if (tokens.length < at + 2) {
				problems.add(new LineProblem(line.number(), "cut short: no source and destination columns"));
				continue;
			}
			String source = tokens[at++];
			String destination = tokens[at++];
			String extras = String.join(" ", List.of(tokens).subList(at, tokens.length));
			long packets = (prefix >= 2) ? counter(tokens[prefix - 2]) : -1;
			rules.add(rule(line, chain, tokens[opt - 2], tokens[opt - 1], in, out, source, destination, extras, packets,
					verbose ? NatRule.Form.LIST : NatRule.Form.LIST_BRIEF));
		}
		return rules;
	}

	/**
	 * The table of one listing: the command's {@code -t} (none: filter, iptables'
	 * default); else the built-in chains (PREROUTING and POSTROUTING are never in filter,
	 * FORWARD never in nat); else the chains and targets only one table has.
	 */
	static Listing classify(String command, List<String> chains, List<NatRule> rules, int first, int last) {
		Matcher iptables = LIST_COMMAND.matcher(command);
		if (iptables.find() && LIST_OPTION.matcher(iptables.group(1)).find()) {
			Matcher table = TABLE_OPTION.matcher(iptables.group(1));
			boolean explicit = table.find();
			String name = explicit ? table.group(1) : "filter";
			Table shown = switch (name) {
				case "nat" -> Table.NAT;
				case "filter" -> Table.FILTER;
				default -> Table.OTHER;
			};
			String how = explicit ? "the command " + iptables.group().strip() + " lists the " + name + " table"
					: "the command " + iptables.group().strip() + " has no -t nat, so it lists the filter table, "
							+ "iptables' default";
			return new Listing(shown, name, first, last, how);
		}
		List<String> builtIn = chains.stream().filter(BUILT_IN::contains).distinct().toList();
		boolean natChains = builtIn.contains("PREROUTING") || builtIn.contains("POSTROUTING");
		boolean forward = builtIn.contains("FORWARD");
		String named = "its chain" + ((builtIn.size() == 1) ? " " : "s ") + String.join(", ", builtIn);
		if (natChains && forward) {
			return new Listing(Table.OTHER, "mangle", first, last,
					named + ": FORWARD with PREROUTING or POSTROUTING is the mangle table, not nat");
		}
		if (natChains) {
			return new Listing(Table.NAT, Table.NAT.title(), first, last,
					named + ": PREROUTING and POSTROUTING are not filter's");
		}
		if (forward || builtIn.contains("INPUT")) {
			return new Listing(Table.FILTER, Table.FILTER.title(), first, last,
					named + ", without nat's PREROUTING and POSTROUTING: what iptables -L lists without -t nat");
		}
		List<String> names = new ArrayList<>(chains);
		rules.forEach((rule) -> names.add(rule.target()));
		java.util.Optional<String> nat = names.stream().filter((n) -> NAT_ONLY.matcher(n).matches()).findFirst();
		java.util.Optional<String> filter = filterOnly(names);
		if (filter.isPresent()) {
			return new Listing(Table.FILTER, Table.FILTER.title(), first, last,
					filter.get() + " is never in the nat table");
		}
		Table table = nat.isPresent() ? Table.NAT : Table.UNKNOWN;
		return new Listing(table, table.title(), first, last,
				nat.map((n) -> n + " is only in the nat table").orElse("the listing does not say its table"));
	}

	/**
	 * Whether a chain or target name is one only the nat table has ({@code KUBE-SVC-…},
	 * {@code KUBE-SEP-…}, {@code KUBE-MARK-MASQ}, {@code MASQUERADE} …).
	 */
	static boolean natOnly(String name) {
		return name != null && NAT_ONLY.matcher(name).matches();
	}

	/**
	 * The first of some chain and target names that only the filter table has, when none
	 * of them is only the nat table's: rules with those names are not nat rules, whatever
	 * their form ({@code -L}, or {@code -S}/save lines without a {@code *table} header).
	 */
	static java.util.Optional<String> filterOnly(java.util.Collection<String> names) {
		if (names.stream().anyMatch((n) -> n != null && NAT_ONLY.matcher(n).matches())) {
			return java.util.Optional.empty();
		}
		return names.stream().filter((n) -> n != null && FILTER_ONLY.matcher(n).matches()).findFirst();
	}

	private static NatRule rule(Line line, String chain, String target, String protocolColumn, String in, String out,
			String source, String destination, String extras, long packets, NatRule.Form form) {
		String protocol = protocolName(protocolColumn);
		Matcher comment = COMMENT.matcher(extras);
		String commentText = comment.find() ? comment.group(1) : "";
		String rest = COMMENT.matcher(extras).replaceAll(" ");
		Matcher to = TO.matcher(rest);
		String toDestination = to.find() ? to.group(1) : "";
		Matcher dpt = DPT.matcher(rest);
		String dport = dpt.find() ? SERVICES.getOrDefault(dpt.group(1), dpt.group(1)) : "";
		boolean randomFully = (" " + rest + " ").contains(" random-fully ");
		boolean random = !randomFully && (" " + STATISTIC.matcher(rest).replaceAll(" ") + " ").contains(" random ");
		String save = saveForm(chain, target, protocol, in, out, source, destination, commentText, matches(rest), dport,
				toDestination, random, randomFully);
		return new NatRule(line.number(), line.text().strip(), chain.isEmpty() ? "?" : chain, target, protocol, dport,
				commentText, toDestination, random, randomFully, save, packets, form);
	}

	/** {@code all} → {@code ""}, {@code 17} → {@code udp}, {@code 6} → {@code tcp}. */
	private static String protocolName(String column) {
		String value = column.toLowerCase(Locale.ROOT);
		return switch (value) {
			case "all", "0" -> "";
			case "6" -> "tcp";
			case "17" -> "udp";
			case "1" -> "icmp";
			case "132" -> "sctp";
			default -> value;
		};
	}

	/**
	 * The matches of a row's extras that {@code iptables -L} prints in words, in
	 * {@code -S} form and in their order: {@code ADDRTYPE match src-type LOCAL} →
	 * {@code -m addrtype --src-type LOCAL} (Docker's masquerade of the host's own
	 * connections), {@code mark match 0x4000/0x4000} → {@code -m mark --mark
	 * 0x4000/0x4000} (kube-proxy before 1.20),
	 * {@code ! match-set cali40all-ipam-pools dst} →
	 * {@code -m set ! --match-set cali40all-ipam-pools dst} (Calico), so that a rule
	 * rebuilt from its row, and the fix that quotes it, keeps what selects its packets.
	 * The forms are libxt_addrtype's, libxt_mark's and libxt_set's {@code print}
	 * functions (iptables' {@code extensions/}).
	 */
	static String matches(String extras) {
		StringBuilder out = new StringBuilder();
		Matcher m = LISTED_MATCH.matcher(extras);
		while (m.find()) {
			if (m.group("addrtype") != null) {
				out.append(" -m addrtype");
				Matcher type = ADDRTYPE_TYPE.matcher(m.group("addrtype"));
				while (type.find()) {
					out.append((type.group(2) != null) ? " ! --" : " --")
						.append(type.group(1))
						.append("-type ")
						.append(type.group(3));
				}
			}
			else if (m.group("mark") != null) {
				out.append(" -m mark")
					.append((m.group("markNot") != null) ? " ! --mark " : " --mark ")
					.append(m.group("mark"));
			}
			else {
				out.append(" -m set")
					.append((m.group("setNot") != null) ? " ! --match-set " : " --match-set ")
					.append(m.group("set"))
					.append(' ')
					.append(m.group("flags"));
			}
		}
		return out.toString();
	}

	/** The rule as {@code iptables -S} would print it, rebuilt from the columns. */
	static String saveForm(String chain, String target, String protocol, String in, String out, String source,
			String destination, String comment, String matches, String dport, String to, boolean random,
			boolean randomFully) {
		StringBuilder rule = new StringBuilder("-A ").append(chain.isEmpty() ? "<chain>" : chain);
		address(rule, "-s", source);
		address(rule, "-d", destination);
		address(rule, "-i", in);
		address(rule, "-o", out);
		if (!protocol.isEmpty()) {
			rule.append(" -p ").append(protocol);
		}
		if (!comment.isEmpty()) {
			rule.append(" -m comment --comment \"").append(comment).append('"');
		}
		rule.append(matches);
		if (!dport.isEmpty() && !protocol.isEmpty()) {
			rule.append(" -m ").append(protocol).append(" --dport ").append(dport);
		}
		rule.append(" -j ").append(target);
		if (!to.isEmpty()) {
			rule.append(" --to-destination ").append(to);
		}
		if (randomFully) {
			rule.append(" --random-fully");
		}
		else if (random) {
			rule.append(" --random");
		}
		return rule.toString();
	}

	private static void address(StringBuilder rule, String option, String value) {
		if (value.isEmpty() || ANY.contains(value)) {
			return;
		}
		if (value.startsWith("!")) {
			rule.append(" ! ").append(option).append(' ').append(value.substring(1));
		}
		else {
			rule.append(' ').append(option).append(' ').append(value);
		}
	}

	/** {@code 1497K} → 1,497,000 (iptables -L -v counts in units of 1000). */
	static long counter(String token) {
		if (!COUNTER.matcher(token).matches()) {
			return -1;
		}
		char unit = token.charAt(token.length() - 1);
		long scale = switch (unit) {
			case 'K' -> 1_000L;
			case 'M' -> 1_000_000L;
			case 'G' -> 1_000_000_000L;
			case 'T' -> 1_000_000_000_000L;
			case 'P' -> 1_000_000_000_000_000L;
			default -> 1L;
		};
		String digits = (scale == 1) ? token : token.substring(0, token.length() - 1);
		try {
			return Math.multiplyExact(Long.parseLong(digits), scale);
		}
		catch (ArithmeticException | NumberFormatException ex) {
			return Long.MAX_VALUE;
		}
	}

}
