package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code /etc/resolv.conf} the way glibc does ({@code res_init.c}, resolv.conf(5)):
 * {@code nameserver}, {@code search}, {@code domain} (the last of search and domain
 * wins), {@code options} (accumulated over lines), {@code sortlist}; comments start with
 * {@code #} or {@code ;}. Numeric options are capped as glibc caps them. Never throws:
 * unknown keywords and options are reported with their line number.
 */
public final class ResolvConfParser {

	private static final Pattern NUMERIC_OPTION = Pattern.compile("(ndots|timeout|attempts):(.*)");

	private static final Set<String> FLAGS = Set.of("debug", "rotate", "no-check-names", "inet6", "ip6-bytestring",
			"ip6-dotint", "no-ip6-dotint", "edns0", "single-request", "single-request-reopen", "no-tld-query", "use-vc",
			"no-reload", "trust-ad", "no-aaaa");

	private static final int MAX_NDOTS = 15;

	private static final int MAX_TIMEOUT_SECONDS = 30;

	private static final int MAX_ATTEMPTS = 5;

	private ResolvConfParser() {
	}

	public static ResolverConfig parse(String text) {
		PasteReader.Sorted sorted = PasteReader.read(text);
		List<LineProblem> problems = new ArrayList<>(sorted.problems());
		PastedText pasted = PastedText.of(text);
		problems.addAll(sorted.outside(PasteFormat.RESOLV_CONF,
				(line) -> "'" + ConntrackStatsParser.abbreviate(pasted.line(line.number()).strip().split("\s+")[0])
						+ "' is not a resolv.conf keyword (nameserver, search, domain, options, sortlist)"));
		ResolverConfig config = parse(sorted.of(PasteFormat.RESOLV_CONF));
		problems.addAll(config.problems());
		problems.sort(java.util.Comparator.comparingInt(LineProblem::line));
		return new ResolverConfig(config.present(), config.nameservers(), config.search(), config.ndots(),
				config.timeoutSeconds(), config.attempts(), config.options(), problems);
	}

	/**
	 * Reads the resolv.conf lines of a sorted paste in which several files may have been
	 * pasted, each after its own command (a node's, then a pod's): the file whose search
	 * list is kubelet's is the pod's and wins, else the last one.
	 */
	static ResolverConfig parse(List<Line> lines, List<PastedCommand> commands) {
		List<List<Line>> blocks = new ArrayList<>();
		List<Line> block = new ArrayList<>();
		int previous = 0;
		for (Line line : lines) {
			if (!block.isEmpty() && commandBetween(commands, previous, line.number())) {
				blocks.add(block);
				block = new ArrayList<>();
			}
			block.add(line);
			previous = line.number();
		}
		blocks.add(block);
		ResolverConfig chosen = null;
		for (List<Line> each : blocks) {
			ResolverConfig config = parse(each);
			if (chosen == null || config.kubeletNamespace().isPresent() || !chosen.kubeletNamespace().isPresent()) {
				chosen = config.present() ? config : chosen;
			}
		}
		return (chosen != null) ? chosen : parse(lines);
	}

	/**
	 * Whether a command was pasted after line {@code from} and before line {@code to}.
	 */
	private static boolean commandBetween(List<PastedCommand> commands, int from, int to) {
		return PasteReader.Sorted.commandAbove(commands, to - 1, (c) -> true)
			.filter((command) -> command.line() > from)
			.isPresent();
	}

	/** Reads the resolv.conf lines of a sorted paste. */
	static ResolverConfig parse(List<Line> lines) {
		Reader reader = new Reader();
		for (Line line : lines) {
			String stripped = line.text().strip();
			if (stripped.startsWith("#") || stripped.startsWith(";")) {
				continue;
			}
			int comment = stripped.indexOf(" #");
			reader.read(line.number(), (comment > 0) ? stripped.substring(0, comment).strip() : stripped);
		}
		return reader.result();
	}

	/** The state of one pass over the lines. */
	private static final class Reader {

		private boolean present;

		private final List<String> nameservers = new ArrayList<>();

		private List<String> search = List.of();

		private int ndots = 1;

		private int timeout = 5;

		private int attempts = 2;

		private final Set<String> options = new LinkedHashSet<>();

		private final List<LineProblem> problems = new ArrayList<>();

		void read(int number, String line) {
			String[] words = line.split("\\s+");
			switch (words[0]) {
				case "nameserver" -> nameserver(number, words);
				case "search" -> search(number, words);
				case "domain" -> domain(number, words);
				case "options" -> options(number, words);
				case "sortlist" -> this.present = true;
				default -> problem(number, "'" + ConntrackStatsParser.abbreviate(words[0])
						+ "' is not a resolv.conf keyword (nameserver, search, domain, options, sortlist)");
			}
		}

		private void nameserver(int number, String[] words) {
			if (words.length < 2) {
				problem(number, "nameserver without an address");
				return;
			}
			this.present = true;
			this.nameservers.add(words[1]);
		}

		private void search(int number, String[] words) {
			if (words.length < 2) {
				problem(number, "search without a domain");
				return;
			}
			this.present = true;
			this.search = List.of(words).subList(1, words.length);
		}

		private void domain(int number, String[] words) {
			if (words.length < 2) {
				problem(number, "domain without a name");
				return;
			}
			this.present = true;
			this.search = List.of(words[1]);
		}

		private void options(int number, String[] words) {
			this.present = true;
			List<String> unread = new ArrayList<>();
			for (int i = 1; i < words.length; i++) {
				if (!option(words[i])) {
					unread.add("'" + ConntrackStatsParser.abbreviate(words[i]) + "'");
				}
			}
			if (!unread.isEmpty()) {
				problem(number, "unknown option " + String.join(", ", unread) + " (glibc ignores it)");
			}
		}

		private boolean option(String word) {
			Matcher numeric = NUMERIC_OPTION.matcher(word);
			if (numeric.matches()) {
				return numeric(numeric.group(1), numeric.group(2));
			}
			if (FLAGS.contains(word)) {
				this.options.add(word);
				return true;
			}
			return false;
		}

		private boolean numeric(String name, String value) {
			if (!value.matches("\\d{1,6}")) {
				return false;
			}
			int n = Integer.parseInt(value);
			switch (name) {
				case "ndots" -> this.ndots = Math.min(n, MAX_NDOTS);
				case "timeout" -> this.timeout = Math.max(1, Math.min(n, MAX_TIMEOUT_SECONDS));
				default -> this.attempts = Math.max(1, Math.min(n, MAX_ATTEMPTS));
			}
			return true;
		}

		void problem(int number, String reason) {
			this.problems.add(new LineProblem(number, reason));
		}

		ResolverConfig result() {
			return new ResolverConfig(this.present, this.nameservers, this.search, this.ndots, this.timeout,
					this.attempts, this.options, this.problems);
		}

	}

}
