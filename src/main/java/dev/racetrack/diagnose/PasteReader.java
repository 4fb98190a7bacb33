package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sorts the lines of whatever was pasted into the outputs they belong to: takes the noise
 * off each line ({@link ShellNoise}), then recognises the output by its own shape, with
 * the command above it as a hint for lines that say nothing by themselves (a bare number
 * after {@code cat /proc/sys/net/netfilter/nf_conntrack_max}). Every line ends up read by
 * a parser, or noise (blank, fence, prompt, command, prose without a digit), or unread
 * with a reason. Pure and bounded: {@link PastedText} limits the text, and no pattern
 * repeats a group over unbounded input.
 */
public final class PasteReader {

	/** What became of one pasted line. */
	public enum Disposition {

		/** Handed to a parser (which may still report it, read in part). */
		READ,

		/** Blank, a fence, a prompt, a command, a comment. */
		NOISE,

		/** Words without a digit or an {@code =}: no fact to read. */
		PROSE,

		/** It carries something, and nothing here reads it: listed with a reason. */
		UNREAD

	}

	/**
	 * One pasted text, sorted.
	 *
	 * @param lines per output, the lines to parse, in order
	 * @param dispositions what became of each line, by number
	 * @param problems the lines not read, with the reason
	 * @param sleepSeconds the N of a {@code sleep N} between two samples, or 0
	 * @param hints what the commands and tool messages said (e.g. not root)
	 * @param commands the commands, each as {@code number:command}
	 */
	public record Sorted(Map<PasteFormat, List<Line>> lines, Map<Integer, Disposition> dispositions,
			List<LineProblem> problems, int sleepSeconds, List<String> hints, List<String> commands) {

		public List<Line> of(PasteFormat format) {
			return this.lines.getOrDefault(format, List.of());
		}

	}

	private static final Pattern CPU_STATS = Pattern.compile("cpu=\\d{1,5}[ \\t]{1,40}[a-z_]{1,40}=\\d");

	private static final Pattern VYOS_HEADER = Pattern
		.compile("CPU {2,}Found {2,}Invalid.{0,200}|-{3,}(?: {2}-{3,}){3,20}");

	private static final Pattern HEX8 = Pattern.compile("[0-9a-fA-F]{8}");

	private static final Set<String> STATS_NAMES = Set.of("entries", "searched", "found", "new", "invalid", "ignore",
			"delete", "delete_list", "insert", "insert_failed", "drop", "early_drop", "icmp_error", "error",
			"expect_new", "expect_create", "expect_delete", "search_restart", "clash_resolve", "chaintoolong",
			"max_entries");

	private static final Pattern SAVE_LINE = Pattern.compile("\\*(?:nat|filter|mangle|raw|security)"
			+ "|:[\\w-]{1,64} [\\w-]{1,16}(?: \\[\\d{1,20}:\\d{1,20}\\])?|(?:\\[\\d{1,20}:\\d{1,20}\\] )?-[AIPND] \\S.{0,16000}"
			+ "|--(?:append|insert|policy|new-chain) \\S.{0,16000}|COMMIT|# (?:Generated|Completed) (?:by|on) .{0,200}");

	private static final Pattern CHAIN_HEADER = Pattern.compile("Chain [\\w-]{1,64} \\(.{0,100}\\)");

	private static final Pattern LIST_HEADER = Pattern
		.compile("(?:num +)?(?:pkts +bytes +)?target +prot +opt +(?:in +out +)?source +destination.{0,40}");

	private static final Pattern NFT_TABLE = Pattern
		.compile("table (?:ip|ip6|inet|arp|bridge|netdev) [\\w-]{1,64} \\{");

	private static final Pattern NODES_HEADER = Pattern.compile("NAME +STATUS +.{0,400}");

	private static final Pattern RESOLV = Pattern
		.compile("(?:nameserver|search|domain|options|sortlist)[ \\t]+\\S.{0,2000}");

	private static final Pattern SYSCTL = Pattern
		.compile("(?:net|kernel|vm|fs)\\.[\\w.]{1,120}[ \\t]*=[ \\t]*\\S{0,64}");

	private static final Pattern PROC_SYS = Pattern.compile(
			"(?:cat|sysctl -n) +/?(?:proc/sys/)?(net[./]netfilter[./]nf_conntrack_(?:max|count|buckets)|net[./]nf_conntrack_max)");

	private static final Pattern NUMBER = Pattern.compile("\\d{1,12}");

	private static final Pattern SLEEP = Pattern.compile("(?:^|[;&|] *)sleep +(\\d{1,5})(?:s|\\b)");

	private static final Pattern KERNEL_LOG = Pattern.compile("\\[ {0,8}\\d{1,10}\\.\\d{1,9}\\] .{0,2000}"
			+ "|\\[\\w{3} \\w{3} {1,2}\\d{1,2} \\d\\d:\\d\\d:\\d\\d \\d{4}\\] .{0,2000}"
			+ "|\\w{3} {1,2}\\d{1,2} \\d\\d:\\d\\d:\\d\\d \\S{1,64} kernel: .{0,2000}|.{0,200}nf_conntrack: .{0,2000}");

	private static final Pattern CT_ENTRY = Pattern.compile("(?:\\[\\d{1,12}\\.\\d{1,9}\\]\\s{0,8})?"
			+ "(?:\\[(?:NEW|UPDATE|DESTROY)\\]\\s{0,8})?[a-z0-9]{1,10}\\s{1,12}\\d{1,3}\\s{1,12}(?:\\d{1,10}\\s{1,12})?"
			+ "(?:[A-Z_]{2,12}\\s{1,12})?src=.{0,2000}");

	private static final Pattern FLOW_SUMMARY = Pattern.compile("\\S{0,4}ntrack v[\\d.]{1,12} \\(conntrack-tools\\): "
			+ "\\d{1,12} flow entries have been (?:shown|deleted)\\.");

	private static final Pattern RELEASE = Pattern
		.compile("(?<![\\w.])[2-9]\\.\\d{1,3}(?:\\.\\d{1,6})?[-+~_][\\w.+~-]{0,80}"
				+ "|(?<![\\w.])[2-9]\\.\\d{1,3}\\.\\d{1,6}(?![\\w.])");

	private static final Pattern KERNEL_NOTE = Pattern.compile("(?i).{0,80}\\bkernel\\b.{0,60}");

	private PasteReader() {
	}

	/** Sorts a pasted text, which may be {@code null}. */
	public static Sorted read(String text) {
		PastedText pasted = PastedText.of(text);
		State state = new State();
		for (int number = 1; number <= pasted.size(); number++) {
			state.line(number, pasted.line(number));
		}
		pasted.cutLines().forEach(state.problems::add);
		pasted.overflow().ifPresent(state.problems::add);
		return new Sorted(state.lines, state.dispositions, state.problems, state.sleepSeconds, state.hints,
				state.commands);
	}

	/** The state of one pass over the lines. */
	private static final class State {

		private final Map<PasteFormat, List<Line>> lines = new EnumMap<>(PasteFormat.class);

		private final Map<Integer, Disposition> dispositions = new LinkedHashMap<>();

		private final List<LineProblem> problems = new ArrayList<>();

		private final List<String> hints = new ArrayList<>();

		private final List<String> commands = new ArrayList<>();

		private int sleepSeconds;

		private String command = "";

		private int nftDepth;

		private boolean nodesTable;

		private PasteFormat previous;

		private String previousText = "";

		void line(int number, String raw) {
			ShellNoise.Cleaned cleaned = ShellNoise.clean(raw);
			switch (cleaned.kind()) {
				case BLANK -> {
					this.dispositions.put(number, Disposition.NOISE);
					this.nodesTable = false;
					this.previous = null;
				}
				case FENCE -> {
					this.dispositions.put(number, Disposition.NOISE);
					this.nodesTable = false;
				}
				case COMMAND -> command(number, cleaned.command());
				case SHELL_MESSAGE -> {
					this.dispositions.put(number, Disposition.UNREAD);
					this.problems.add(new LineProblem(number, ShellNoise.shellMessageReason(cleaned.command())));
					if (cleaned.command().contains("must be root") || cleaned.command().contains("CAP_NET_ADMIN")) {
						this.hints.add(PasteHints.CONNTRACK_NOT_ROOT);
					}
				}
				case COMMAND_AND_OUTPUT -> {
					command(number, cleaned.command());
					content(number, cleaned.output());
				}
				case CONTENT -> content(number, cleaned.output());
			}
		}

		private void command(int number, String text) {
			this.dispositions.put(number, Disposition.NOISE);
			this.command = text;
			if (!text.isEmpty()) {
				this.commands.add(number + ":" + text);
			}
			this.nodesTable = false;
			this.previous = null;
			Matcher sleep = SLEEP.matcher(text);
			if (sleep.find()) {
				this.sleepSeconds = Integer.parseInt(sleep.group(1));
			}
		}

		private void content(int number, String text) {
			PasteFormat format = detect(text);
			if (format != null) {
				add(format, number, text);
				return;
			}
			if (text.startsWith("# Warning: iptables-legacy tables present")) {
				this.hints.add(PasteHints.LEGACY_TABLES);
				this.dispositions.put(number, Disposition.READ);
				return;
			}
			if (!carriesFact(text)) {
				this.dispositions.put(number, text.startsWith("#") ? Disposition.NOISE : Disposition.PROSE);
				return;
			}
			this.dispositions.put(number, Disposition.UNREAD);
			this.problems.add(new LineProblem(number, unreadReason(text)));
		}

		private void add(PasteFormat format, int number, String text) {
			this.lines.computeIfAbsent(format, (f) -> new ArrayList<>()).add(new Line(number, text));
			this.dispositions.put(number, Disposition.READ);
			this.previous = format;
			this.previousText = text;
		}

		private PasteFormat detect(String text) {
			if (this.nftDepth > 0 || NFT_TABLE.matcher(text).matches()) {
				trackBraces(text);
				return PasteFormat.NFT;
			}
			if (FLOW_SUMMARY.matcher(text).matches() || CT_ENTRY.matcher(text).matches()) {
				return PasteFormat.CONNTRACK_LIST;
			}
			if (CPU_STATS.matcher(text).find() || VYOS_HEADER.matcher(text).matches() || isProc(text)
					|| isSummary(text)) {
				return PasteFormat.CONNTRACK_STATS;
			}
			if (SAVE_LINE.matcher(text).matches()) {
				return PasteFormat.IPTABLES_SAVE;
			}
			if (CHAIN_HEADER.matcher(text).matches() || LIST_HEADER.matcher(text).matches()
					|| IptablesListParser.isRow(text)) {
				return PasteFormat.IPTABLES_LIST;
			}
			if (NODES_HEADER.matcher(text).matches()) {
				this.nodesTable = true;
				return PasteFormat.NODES;
			}
			if (this.nodesTable) {
				return PasteFormat.NODES;
			}
			if (isDmesg(text)) {
				return PasteFormat.DMESG;
			}
			if (isUname(text)) {
				return PasteFormat.UNAME;
			}
			if (RESOLV.matcher(text).matches()) {
				return PasteFormat.RESOLV_CONF;
			}
			if (SYSCTL.matcher(text).matches()) {
				return PasteFormat.SYSCTL;
			}
			if (NUMBER.matcher(text).matches() && PROC_SYS.matcher(this.command).find()) {
				return PasteFormat.SYSCTL;
			}
			if (text.startsWith("# ") && RESOLV.matcher(text.substring(2)).matches()) {
				return PasteFormat.RESOLV_CONF;
			}
			return null;
		}

		private boolean isDmesg(String text) {
			if (this.previous == PasteFormat.DMESG && this.previousText.endsWith("table full,")
					&& text.startsWith("dropping packet")) {
				return true;
			}
			return KERNEL_LOG.matcher(text).matches();
		}

		private void trackBraces(String text) {
			for (int i = 0; i < text.length(); i++) {
				char c = text.charAt(i);
				if (c == '{') {
					this.nftDepth++;
				}
				else if (c == '}') {
					this.nftDepth = Math.max(0, this.nftDepth - 1);
				}
			}
		}

	}

	/** Whether a line is a header or a row of /proc/net/stat/nf_conntrack. */
	static boolean isProc(String text) {
		String[] words = text.split("\\s+", 40);
		if (words.length >= 10 && words[0].equals("entries")
				&& (words[1].equals("searched") || words[1].equals("clashres"))) {
			return true;
		}
		if (words.length < 10) {
			return false;
		}
		for (String word : words) {
			if (!HEX8.matcher(word).matches()) {
				return false;
			}
		}
		return true;
	}

	/** {@code insert_failed    12}: a line of conntrack -S's summary form. */
	static boolean isSummary(String text) {
		String[] words = text.split("\\s+");
		return words.length == 2 && STATS_NAMES.contains(words[0]) && NUMBER.matcher(words[1]).matches();
	}

	/**
	 * {@code Linux host 5.10.0-9-amd64 …}, {@code Linux version 4.15.0-…}, a bare
	 * release, or a note that names the kernel
	 * ({@code Kernel: 5.4.217-126.408.amzn2.x86_64}).
	 */
	static boolean isUname(String text) {
		if (text.startsWith("Linux ") && RELEASE.matcher(text).find()) {
			return true;
		}
		String[] words = text.split("\\s+");
		if (words.length == 1 && RELEASE.matcher(text).matches()) {
			return true;
		}
		return KERNEL_NOTE.matcher(text).matches() && RELEASE.matcher(text).find() && text.length() < 200;
	}

	/** Whether a line holds a digit or an {@code =}: something that could be a fact. */
	static boolean carriesFact(String text) {
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if ((c >= '0' && c <= '9') || c == '=') {
				return true;
			}
		}
		return false;
	}

	private static String unreadReason(String text) {
		if (text.startsWith("#")) {
			return "a comment: nothing here reads it";
		}
		if (text.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{1,9} (?:IP6?|ARP) .{0,4000}")) {
			return "tcpdump output: Racetrack reads counters, rules and kernel versions, not packets";
		}
		if (text.startsWith("{") || text.startsWith("\"") || text.endsWith(",") || text.endsWith("{")) {
			return "JSON or YAML: not a node's output Racetrack reads";
		}
		return "not a format Racetrack reads (conntrack -S or -L, iptables, nft, uname, resolv.conf, sysctl, "
				+ "dmesg, kubectl get nodes -o wide)";
	}

}
