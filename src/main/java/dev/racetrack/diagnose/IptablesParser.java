package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads the nat table from {@code iptables-save -t nat} (or a whole
 * {@code iptables-save}, of which only {@code *nat} is kept) or
 * {@code iptables -t nat -S}: {@code *nat}, {@code :CHAIN POLICY [0:0]}, {@code -P},
 * {@code -N}, {@code -A} and {@code -I} lines, {@code COMMIT}, {@code #} comments and the
 * {@code [pkts:bytes]} prefix of {@code iptables-save -c}. Quoted comments are split as a
 * shell would. Never throws: every line it cannot read is reported with its number and a
 * reason.
 */
public final class IptablesParser {

	private static final Pattern CHAIN_DECLARATION = Pattern
		.compile(":(\\S{1,64})\\s{1,20}(\\S{1,16})(?:\\s{1,20}\\[\\d{1,20}:\\d{1,20}\\])?");

	private static final Pattern COUNTERS_PREFIX = Pattern.compile("\\[\\d{1,18}:\\d{1,20}\\]\\s{1,20}");

	private static final Pattern LISTING = Pattern.compile(
			"Chain \\S+ \\((?:policy \\w+.*|\\d+ references)\\)|\\s*(?:pkts\\s+bytes\\s+)?target\\s+prot\\s+opt\\s.*");

	private static final Pattern NUMBER = Pattern.compile("\\d+");

	/**
	 * Marks a line that continues the rule above it (wrapped by a terminal or a page).
	 */
	static final String CONTINUATION = "\u0000";

	private static final java.util.Set<String> TARGETS = java.util.Set.of("SNAT", "DNAT", "MASQUERADE", "RETURN",
			"ACCEPT", "DROP", "MARK", "REJECT", "REDIRECT");

	private IptablesParser() {
	}

	/**
	 * Reads a pasted text of any nat-table format (iptables-save, -S, -L, nft);
	 * {@code null} and blank texts give an empty table.
	 */
	public static NatTable parse(String text) {
		PasteReader.Sorted sorted = PasteReader.read(text);
		List<LineProblem> problems = new ArrayList<>(sorted.problems());
		for (LineProblem problem : sorted.outside(PasteFormat.IPTABLES_SAVE,
				(line) -> "not a line of iptables-save or iptables -S (expected *nat, :CHAIN, -P, -N, -A or COMMIT)")) {
			boolean otherNatForm = sorted.of(PasteFormat.IPTABLES_LIST)
				.stream()
				.anyMatch((line) -> line.number() == problem.line())
					|| sorted.of(PasteFormat.NFT).stream().anyMatch((line) -> line.number() == problem.line());
			if (!otherNatForm) {
				problems.add(problem);
			}
		}
		NatTable table = parse(sorted.of(PasteFormat.IPTABLES_SAVE), sorted.of(PasteFormat.IPTABLES_LIST),
				sorted.of(PasteFormat.NFT), sorted.commands());
		problems.addAll(table.problems());
		problems.sort(java.util.Comparator.comparingInt(LineProblem::line));
		return new NatTable(table.rules(), table.services(), problems, table.wholeEmptyTable(), table.otherTables(),
				table.cutTable());
	}

	/** Reads the lines of each nat-table format into one table. */
	static NatTable parse(List<Line> save, List<Line> list, List<Line> nft) {
		return parse(save, list, nft, List.of());
	}

	/**
	 * Reads the lines of each nat-table format into one table; an {@code iptables -L}
	 * listing of another table (the command above it in {@code commands}, or its chains
	 * say so) gives no rules, only its place in {@link NatTable#otherTables()}.
	 */
	static NatTable parse(List<Line> save, List<Line> list, List<Line> nft, List<PastedCommand> commands) {
		return parse(save, list, NftParser.parse(nft), commands);
	}

	/**
	 * As {@link #parse(List, List, List, List)}, with the nft lines already parsed (the
	 * diagnosis parses them once for the nat table, kube-proxy's maps and its no-endpoint
	 * elements).
	 */
	static NatTable parse(List<Line> save, List<Line> list, NftParser.Result nftRules, List<PastedCommand> commands) {
		Reader reader = new Reader();
		if (!save.isEmpty() && commands.stream()
			.filter((c) -> c.line() < save.get(0).number())
			.reduce((a, b) -> b)
			.filter((c) -> c.text().matches("(?:sudo\\s+)?ip6tables(?:-legacy|-nft)?(?:-save)?(?:\\s.{0,400})?"))
			.isPresent()) {
			reader.tool = "ip6tables";
		}
		for (Line line : save) {
			reader.read(line.number(), line.text().strip());
		}
		reader.undeclaredFilter();
		IptablesListParser.Result listed = IptablesListParser.parse(list, commands);
		reader.rules.addAll(listed.natRules());
		reader.problems.addAll(listed.problems());
		reader.rules.addAll(nftRules.rules());
		reader.problems.addAll(nftRules.problems());
		reader.rules.sort(java.util.Comparator.comparingInt(NatRule::line));
		reader.endOther();
		// A *nat section begun (even cut short before its first rule) is the nat table
		// pasted: the other sections beside it are no sign that it was not.
		List<NatTable.OtherTable> others = new ArrayList<>(reader.natSection ? List.of() : reader.others);
		listed.otherTables().forEach((l) -> others.add(new NatTable.OtherTable(l.name(), l.lines(), l.basis())));
		// still inside a *nat section at the end: the paste was cut before its COMMIT
		return new NatTable(reader.rules, KubeServices.find(reader.rules, nftRules.elements()), reader.problems,
				reader.wholeNat, others, reader.inNat);
	}

	/** The state of one pass over the lines. */
	private static final class Reader {

		private String table = "nat";

		private final List<NatRule> rules = new ArrayList<>();

		private long packets = -1;

		private final List<LineProblem> problems = new ArrayList<>();

		/** A {@code *nat} section was read up to its {@code COMMIT}. */
		private boolean wholeNat;

		/** Inside a {@code *nat} section, since its header. */
		private boolean inNat;

		/** A {@code *table} header said which table the lines are. */
		private boolean declared;

		/** A {@code *nat} header was read. */
		private boolean natSection;

		/**
		 * The chains of the {@code -P} lines in a row, without a {@code *table} header:
		 * {@code iptables -S} prints the built-in chains' policies first, and FORWARD is
		 * never a nat chain.
		 */
		private final List<String> policies = new ArrayList<>();

		private int policiesFrom;

		/** The listings of other tables, as they end. */
		private final List<NatTable.OtherTable> others = new ArrayList<>();

		/**
		 * The other table being read: its name, first and last line, and how it was told.
		 */
		private String otherTable;

		private int otherFirst;

		private int otherLast;

		private String otherBasis;

		/**
		 * {@code ip6tables}, when {@code # Generated by ip6tables-save} headed the lines
		 * or the command above them was ip6tables': the IPv6 tables, which kube-proxy and
		 * Docker fill with the same chains as the IPv4 ones.
		 */
		private String tool = "iptables";

		private void startOther(String name, int first, String basis) {
			endOther();
			this.otherTable = name;
			this.otherFirst = first;
			this.otherLast = first;
			this.otherBasis = basis;
		}

		void endOther() {
			if (this.otherTable != null) {
				this.others.add(
						new NatTable.OtherTable(this.otherTable,
								(this.otherFirst == this.otherLast) ? "line " + this.otherFirst
										: "lines " + this.otherFirst + "–" + this.otherLast,
								this.otherBasis, this.tool));
				this.otherTable = null;
			}
		}

		/**
		 * {@code -P CHAIN POLICY} without a {@code *table} header: a policy for FORWARD
		 * is the filter table's (mangle's, after PREROUTING), and a policy for PREROUTING
		 * starts another listing.
		 */
		private void policy(int number, List<String> words) {
			if (this.declared || words.size() < 2) {
				return;
			}
			String chain = words.get(1);
			if (chain.equals("PREROUTING") || this.policies.contains(chain)) {
				endOther();
				this.table = "nat";
				this.policies.clear();
			}
			if (this.policies.isEmpty()) {
				this.policiesFrom = number;
			}
			this.policies.add(chain);
			if (chain.equals("FORWARD") && "nat".equals(this.table)) {
				boolean mangle = this.policies.contains("PREROUTING");
				this.table = mangle ? "mangle" : "filter";
				startOther(this.table, this.policiesFrom, "its policies -P " + String.join(", -P ", this.policies)
						+ (mangle ? ": FORWARD with PREROUTING is the mangle table"
								: ": FORWARD without PREROUTING is the filter table, what iptables -S lists without "
										+ "-t nat"));
			}
		}

		/**
		 * Rules read without a {@code *table} header or {@code -P} lines to tell their
		 * table, whose chains and targets only the filter table has (kube-proxy's REJECT
		 * for a service without endpoints, quoted alone): not nat rules, so the nat table
		 * was not read.
		 */
		void undeclaredFilter() {
			if (this.declared || this.otherTable != null || !this.others.isEmpty() || this.rules.isEmpty()) {
				return;
			}
			List<String> names = new ArrayList<>();
			for (NatRule rule : this.rules) {
				names.add(rule.chain());
				names.add(rule.target());
			}
			IptablesListParser.filterOnly(names).ifPresent((name) -> {
				int first = this.rules.get(0).line();
				int last = this.rules.get(this.rules.size() - 1).line();
				this.others.add(new NatTable.OtherTable("filter",
						(first == last) ? "line " + first : "lines " + first + "–" + last,
						name + " is never in the nat table"));
				this.rules.clear();
			});
		}

		void read(int number, String line) {
			if (line.startsWith(CONTINUATION)) {
				continueRule(number, line.substring(CONTINUATION.length()));
				return;
			}
			if (line.equals("COMMIT")) {
				this.wholeNat |= this.inNat;
				this.inNat = false;
				return;
			}
			if (line.startsWith("#")) {
				// Each save's header names its family: ip6tables-save or
				// iptables-save (also -legacy-save, -nft-save); a paste may hold both.
				if (line.startsWith("# Generated by ip6tables")) {
					this.tool = "ip6tables";
				}
				else if (line.startsWith("# Generated by iptables")) {
					this.tool = "iptables";
				}
				return;
			}
			if (line.startsWith("*")) {
				this.table = line.substring(1).strip();
				this.inNat = "nat".equals(this.table);
				this.declared = true;
				this.natSection |= this.inNat;
				if (this.inNat) {
					endOther();
				}
				else {
					startOther(this.table, number, "the *" + this.table + " section of " + this.tool + "-save");
				}
				return;
			}
			if (this.otherTable != null) {
				this.otherLast = number;
			}
			if (line.startsWith(":")) {
				if (!CHAIN_DECLARATION.matcher(line).matches()) {
					problem(number, "not a chain declaration (:CHAIN POLICY [packets:bytes])");
				}
				return;
			}
			if (LISTING.matcher(line).matches()) {
				problem(number, "a line of iptables -L: paste iptables-save -t nat or iptables -t nat -S instead");
				return;
			}
			java.util.regex.Matcher counters = COUNTERS_PREFIX.matcher(line);
			this.packets = counters.lookingAt() ? Long.parseLong(line.substring(1, line.indexOf(':'))) : -1;
			readCommand(number, counters.replaceFirst(""));
		}

		private void readCommand(int number, String line) {
			RuleTokenizer.Words split = RuleTokenizer.split(line);
			List<String> words = split.words();
			String command = words.isEmpty() ? "" : words.get(0);
			switch (command) {
				case "-A", "--append", "-I", "--insert" -> readRule(number, line, split);
				case "-P", "--policy" -> {
					expectWords(number, words, 3, "-P CHAIN POLICY");
					policy(number, words);
				}
				case "-N", "--new-chain" -> expectWords(number, words, 2, "-N CHAIN");
				default -> problem(number, "not a line of iptables-save or iptables -S "
						+ "(expected *nat, :CHAIN, -P, -N, -A or COMMIT)");
			}
		}

		private void expectWords(int number, List<String> words, int count, String shape) {
			if (words.size() < count) {
				problem(number, "cut short: expected " + shape);
			}
		}

		private void readRule(int number, String line, RuleTokenizer.Words split) {
			List<String> words = split.words();
			if (words.size() < 2) {
				problem(number, "cut short: " + words.get(0) + " without a chain");
				return;
			}
			if (split.unterminated()) {
				problem(number, "read in part: a quote is not closed, so the rest of the line was read as one word");
			}
			if (!"nat".equals(this.table)) {
				return;
			}
			boolean insert = words.get(0).startsWith("-I") || words.get(0).equals("--insert");
			int first = (insert && words.size() > 2 && NUMBER.matcher(words.get(2)).matches()) ? 3 : 2;
			RuleOptions options = new RuleOptions();
			String missing = options.read(words, first);
			if (missing != null) {
				problem(number, "read in part: " + missing + " has no value (cut short?)");
			}
			this.rules.add(options.toRule(number, line, words.get(1), this.packets));
		}

		void problem(int number, String reason) {
			this.problems.add(new LineProblem(number, reason));
		}

		/**
		 * Joins a wrapped line to the rule above it: without a space when the two halves
		 * make a target ({@code -j S} + {@code NAT …}), with one otherwise.
		 */
		private void continueRule(int number, String rest) {
			if (this.rules.isEmpty()) {
				problem(number, "not a line of iptables-save or iptables -S");
				return;
			}
			NatRule last = this.rules.remove(this.rules.size() - 1);
			String text = last.text();
			int space = text.lastIndexOf(' ');
			String tail = text.substring(space + 1);
			String head = rest.split("\\s+", 2)[0];
			boolean glued = TARGETS.contains(tail + head);
			String joined = text + (glued ? "" : " ") + rest;
			int before = this.problems.size();
			readCommand(last.line(), joined);
			if (this.rules.isEmpty() || this.rules.get(this.rules.size() - 1).line() != last.line()) {
				this.rules.add(last);
			}
			problem(number, "read with line " + last.line() + ": the rule was wrapped"
					+ (glued ? " inside a word (" + tail + "|" + head + ")" : ""));
			this.problems.subList(before, this.problems.size() - 1).clear();
		}

	}

	/** The options of one rule that the diagnosis needs. */
	private static final class RuleOptions {

		private final Map<String, String> values = new LinkedHashMap<>();

		private boolean random;

		private boolean randomFully;

		/**
		 * Reads the words from {@code first}; returns an option left without its value.
		 */
		String read(List<String> words, int first) {
			boolean negated = false;
			for (int i = first; i < words.size(); i++) {
				String word = words.get(i);
				String key = key(word);
				if (word.equals("!")) {
					negated = true;
					continue;
				}
				if (word.equals("--random")) {
					this.random = true;
				}
				else if (word.equals("--random-fully")) {
					this.randomFully = true;
				}
				else if (key != null) {
					if (i + 1 >= words.size()) {
						return word;
					}
					this.values.putIfAbsent(key, (negated ? "!" : "") + words.get(++i));
				}
				negated = false;
			}
			return null;
		}

		private static String key(String word) {
			return switch (word) {
				case "-j", "--jump", "-g", "--goto" -> "target";
				case "-p", "--protocol" -> "protocol";
				case "--dport", "--destination-port" -> "dport";
				case "--comment" -> "comment";
				case "--to-destination" -> "to";
				default -> null;
			};
		}

		NatRule toRule(int number, String line, String chain, long packets) {
			return new NatRule(number, line, chain, get("target"), get("protocol"), get("dport"), get("comment"),
					get("to"), this.random, this.randomFully, line, packets, NatRule.Form.SAVE);
		}

		private String get(String key) {
			return this.values.getOrDefault(key, "");
		}

	}

}
