package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.racetrack.diagnose.ConntrackStats.Format;

/**
 * Reads what a node prints for its conntrack statistics, recognising which of the two
 * outputs was pasted:
 * <ul>
 * <li>{@code conntrack -S} (conntrack-tools {@code nfct_stats_cb}): one line per CPU,
 * {@code cpu=%-4u\t} then {@code name=value} for each attribute the kernel sends, e.g.
 * {@code ignore=} before 5.10, {@code clash_resolve=} from 5.10, {@code chaintoolong=}
 * from 2021; the summary form ({@code entries 123}, one name and value a line) too;</li>
 * <li>{@code /proc/net/stat/nf_conntrack} ({@code ct_cpu_seq_show}): a header line, then
 * one line per CPU of 17 {@code %08x} fields. Columns are mapped by the header's names,
 * so both eras ({@code searched … delete_list} before 5.10,
 * {@code clashres … chainlength} after) and the mixed 5.10 header are read.</li>
 * </ul>
 * Never throws: every line it cannot read is reported with its number and a reason.
 */
public final class ConntrackStatsParser {

	/** The column names of /proc/net/stat/nf_conntrack since 5.10 (with chainlength). */
	static final List<String> MODERN_PROC_HEADER = List.of("entries", "clashres", "found", "new", "invalid", "ignore",
			"delete", "chainlength", "insert", "insert_failed", "drop", "early_drop", "icmp_error", "expect_new",
			"expect_create", "expect_delete", "search_restart");

	private static final Pattern CPU_FIELD = Pattern.compile("cpu=(\\d{1,5})");

	private static final Pattern VYOS_DECORATION = Pattern
		.compile("CPU {2,}Found {2,}Invalid.{0,200}|-{3,}(?: {2}-{3,}){3,20}");

	private static final Pattern NAME_VALUE = Pattern.compile("([a-z_][a-z0-9_]{0,39})=(\\d{1,18})");

	private static final Pattern WORD = Pattern.compile("[a-z_][a-z0-9_]{0,39}");

	private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{1,12}");

	/** A /proc row: tested word by word (a repeated group would recurse per field). */
	private static boolean isHexRow(String line) {
		String[] fields = line.split("\\s+", 64);
		if (fields.length < 2 || fields[0].length() != 8 || !HEX.matcher(fields[0]).matches()) {
			return false;
		}
		for (String field : fields) {
			if (!HEX.matcher(field).matches()) {
				return false;
			}
		}
		return true;
	}

	private static final Pattern SUMMARY = Pattern.compile("([a-z_]{1,40})[ \\t]{0,40}[:=]?[ \\t]{1,40}(\\d{1,18})");

	private static final Pattern TOOL_BANNER = Pattern.compile("conntrack v[\\d.]+ \\(conntrack-tools\\).*");

	private static final Set<String> SUMMARY_NAMES = Set.of(Counter.ENTRIES, "max_entries", Counter.SEARCHED,
			Counter.FOUND, "new", Counter.INVALID, Counter.IGNORE, "delete", "delete_list", Counter.INSERT,
			Counter.INSERT_FAILED, Counter.DROP, Counter.EARLY_DROP, "icmp_error", Counter.ERROR, "expect_new",
			"expect_create", "expect_delete", Counter.SEARCH_RESTART, Counter.CLASH_RESOLVE, Counter.CHAINTOOLONG);

	private ConntrackStatsParser() {
	}

	/** Reads a pasted text; {@code null} and blank texts give {@link Format#NONE}. */
	public static ConntrackStats parse(String text) {
		PasteReader.Sorted sorted = PasteReader.read(text);
		List<LineProblem> problems = new ArrayList<>(sorted.problems());
		problems.addAll(sorted.outside(PasteFormat.CONNTRACK_STATS,
				(line) -> "not a line of conntrack -S (cpu=N name=value …) or of /proc/net/stat/nf_conntrack"));
		List<ConntrackStats> samples = samples(sorted.of(PasteFormat.CONNTRACK_STATS),
				sorted.hints().contains(PasteHints.CONNTRACK_NOT_ROOT));
		ConntrackStats first = samples.get(0);
		problems.addAll(first.problems());
		for (ConntrackStats later : samples.subList(1, samples.size())) {
			for (CpuCounters cpu : later.cpus()) {
				String firstLine = first.cpu(cpu.cpu()).map((c) -> " (first on line " + c.line() + ")").orElse("");
				problems.add(new LineProblem(cpu.line(), "cpu " + cpu.cpu() + " appears again" + firstLine
						+ ": a second sample? Paste the later one into the later box; this line is ignored"));
			}
		}
		problems.sort(java.util.Comparator.comparingInt(LineProblem::line));
		return new ConntrackStats(first.format(), first.cpus(), first.summary(), problems, first.firstCpuOnly());
	}

	/**
	 * Reads the statistics lines of a sorted paste into samples: a CPU (or a /proc
	 * header) seen again starts the next sample, as in a paste of two runs of
	 * {@code conntrack -S}. Always at least one sample.
	 */
	static List<ConntrackStats> samples(List<Line> lines, boolean notRoot) {
		List<ConntrackStats> samples = new ArrayList<>();
		Reader reader = new Reader();
		for (Line line : lines) {
			String text = line.text().strip();
			java.util.Optional<ConntrackMetric> metric = ConntrackMetric.parse(text);
			if (reader.startsNewSample(text, metric) && (reader.hasCpus() || reader.hasMetrics())) {
				samples.add(reader.result(notRoot));
				reader = new Reader();
			}
			reader.read(line.number(), text, metric);
		}
		samples.add(reader.result(notRoot));
		return samples;
	}

	/** The state of one pass over the lines. */
	private static final class Reader {

		private Format format = Format.NONE;

		private List<String> header;

		private boolean headerMissingReported;

		private final Map<Integer, CpuCounters> cpus = new LinkedHashMap<>();

		private final Map<String, Long> summary = new LinkedHashMap<>();

		private final List<LineProblem> problems = new ArrayList<>();

		private int nextProcCpu;

		/** The labels of the metric series read (the first pasted), or null. */
		private String series;

		boolean hasCpus() {
			return !this.cpus.isEmpty();
		}

		boolean hasMetrics() {
			return this.format == Format.METRICS;
		}

		/**
		 * Whether a metric of the series being read was already read in this sample: a
		 * second scrape pasted below the first.
		 */
		private boolean repeats(ConntrackMetric metric) {
			if (this.format != Format.METRICS || !metric.series().equals(this.series)) {
				return false;
			}
			if (metric.cpu() < 0) {
				return this.summary.containsKey(metric.name());
			}
			CpuCounters cpu = this.cpus.get(metric.cpu());
			return cpu != null && cpu.has(metric.name());
		}

		/**
		 * Whether this line's CPU (or a /proc header) was already read in this sample.
		 */
		boolean startsNewSample(String line, java.util.Optional<ConntrackMetric> metric) {
			if (metric.isPresent()) {
				return repeats(metric.get());
			}
			Matcher cpu = CPU_FIELD.matcher(line);
			if (cpu.find()) {
				return this.cpus.containsKey(Integer.parseInt(cpu.group(1)));
			}
			return isProcHeader(line) && this.header != null && !this.cpus.isEmpty();
		}

		/**
		 * Reads a line; {@code metric} is the line read as a Prometheus sample, if it is
		 * one.
		 */
		void read(int number, String line, java.util.Optional<ConntrackMetric> metric) {
			if (VYOS_DECORATION.matcher(line).matches()) {
				return;
			}
			if (metric.isPresent()) {
				readMetric(number, metric.get());
				return;
			}
			if (CPU_FIELD.matcher(line).find()) {
				readCpuSegments(number, line);
			}
			else if (isProcHeader(line)) {
				readProcHeader(number, line);
			}
			else if (isHexRow(line)) {
				readProcRow(number, line);
			}
			else if (TOOL_BANNER.matcher(line).matches()) {
				return;
			}
			else if (!readSummary(line)) {
				problem(number, "not a line of conntrack -S (cpu=N name=value …) or of /proc/net/stat/nf_conntrack");
			}
		}

		/**
		 * A line with one or more {@code cpu=N} groups: one CPU a line as printed, or
		 * every CPU flattened onto one line (a chat or a web page that lost the line
		 * ends), with anything around them reported.
		 */
		private void readCpuSegments(int number, String line) {
			List<Integer> starts = new ArrayList<>();
			Matcher cpu = CPU_FIELD.matcher(line);
			while (cpu.find() && starts.size() < 1024) {
				if (cpu.start() == 0 || Character.isWhitespace(line.charAt(cpu.start() - 1))) {
					starts.add(cpu.start());
				}
			}
			if (starts.isEmpty()) {
				problem(number, "not a line of conntrack -S (cpu=N name=value …)");
				return;
			}
			if (starts.get(0) > 0) {
				problem(number, "read in part: the text before cpu=… is not conntrack -S output");
			}
			for (int i = 0; i < starts.size(); i++) {
				int end = (i + 1 < starts.size()) ? starts.get(i + 1) : line.length();
				readCpuLine(number, line.substring(starts.get(i), end).strip(), i == starts.size() - 1);
			}
		}

		private void readCpuLine(int number, String line, boolean last) {
			if (!claimFormat(number, Format.CONNTRACK_S)) {
				return;
			}
			String[] tokens = line.split("\\s+");
			Matcher cpu = CPU_FIELD.matcher(tokens[0]);
			if (!cpu.matches()) {
				problem(number, "'" + abbreviate(tokens[0]) + "' is not cpu=N");
				return;
			}
			Map<String, Long> counters = new LinkedHashMap<>();
			List<String> unread = new ArrayList<>();
			for (int i = 1; i < tokens.length; i++) {
				Matcher pair = NAME_VALUE.matcher(tokens[i]);
				if (pair.matches()) {
					counters.put(pair.group(1), Long.parseLong(pair.group(2)));
				}
				else if (last && !counters.isEmpty() && !tokens[i].contains("=")
						&& (i + 1 < tokens.length || !WORD.matcher(tokens[i]).matches())) {
					unread.add("the text after the counters");
					break;
				}
				else {
					unread.add(tokens[i]);
				}
			}
			addCpu(number, Integer.parseInt(cpu.group(1)), counters, unread, "name=number");
		}

		/**
		 * A Prometheus sample: a counter summed over CPUs (node_exporter) goes to the
		 * summary, one with a {@code cpu} label to that CPU's counters. Samples of
		 * another series (another node, another network namespace) than the first are
		 * reported.
		 */
		private void readMetric(int number, ConntrackMetric metric) {
			if (!claimFormat(number, Format.METRICS)) {
				return;
			}
			if (this.series == null) {
				this.series = metric.series();
			}
			else if (!this.series.equals(metric.series())) {
				problem(number,
						"another series (" + abbreviate(metric.series().isEmpty() ? "no labels" : metric.series())
								+ ") than the first read ("
								+ (this.series.isEmpty() ? "no labels" : abbreviate(this.series))
								+ "): another node or network namespace; this line is ignored");
				return;
			}
			if (metric.cpu() < 0) {
				this.summary.putIfAbsent(metric.name(), metric.value());
				return;
			}
			CpuCounters earlier = this.cpus.get(metric.cpu());
			Map<String, Long> counters = new LinkedHashMap<>((earlier != null) ? earlier.counters() : Map.of());
			counters.putIfAbsent(metric.name(), metric.value());
			this.cpus.put(metric.cpu(),
					new CpuCounters(metric.cpu(), (earlier != null) ? earlier.line() : number, counters));
		}

		private void readProcHeader(int number, String line) {
			if (!claimFormat(number, (line.contains(" clashres ") ? Format.PROC_NEW : Format.PROC_OLD))) {
				return;
			}
			if (this.header != null) {
				this.nextProcCpu = 0;
			}
			this.header = List.of(line.split("\\s+"));
		}

		private void readProcRow(int number, String line) {
			if (!claimFormat(number, Format.PROC_NO_HEADER)) {
				return;
			}
			List<String> columns = (this.header != null) ? this.header : MODERN_PROC_HEADER;
			if (this.header == null && !this.headerMissingReported) {
				this.headerMissingReported = true;
				problem(number, "no header line above: columns read in the order of 5.10 and later "
						+ "(clashres second, chainlength eighth); paste the header line to be sure");
			}
			String[] fields = line.split("\\s+");
			Map<String, Long> counters = new LinkedHashMap<>();
			List<String> unread = new ArrayList<>();
			for (int i = 0; i < fields.length && i < columns.size(); i++) {
				if (HEX.matcher(fields[i]).matches()) {
					counters.put(Counter.fromProcColumn(columns.get(i)), Long.parseUnsignedLong(fields[i], 16));
				}
				else {
					unread.add(fields[i]);
				}
			}
			String shape = columnShape(fields.length, columns.size());
			if (!shape.isEmpty()) {
				unread.add(0, shape);
			}
			addCpu(number, this.nextProcCpu++, counters, unread, "hexadecimal");
		}

		private static String columnShape(int fields, int columns) {
			if (fields < columns) {
				return "only " + fields + " of " + columns + " columns (cut short?)";
			}
			if (fields > columns) {
				return (fields - columns) + " more columns than the header names";
			}
			return "";
		}

		private boolean readSummary(String line) {
			Matcher matcher = SUMMARY.matcher(line);
			if (!matcher.matches() || !SUMMARY_NAMES.contains(matcher.group(1))) {
				return false;
			}
			if (this.format == Format.NONE) {
				this.format = Format.SUMMARY;
			}
			this.summary.putIfAbsent(Counter.fromProcColumn(matcher.group(1)), Long.parseLong(matcher.group(2)));
			return true;
		}

		private void addCpu(int number, int cpu, Map<String, Long> counters, List<String> unread, String expected) {
			CpuCounters earlier = this.cpus.get(cpu);
			if (earlier != null) {
				problem(number, "cpu " + cpu + " appears again (first on line " + earlier.line()
						+ "): a second sample? Paste the later one into the later box; this line is ignored");
				return;
			}
			if (counters.isEmpty()) {
				problem(number, "no counter could be read on this line");
				return;
			}
			if (!unread.isEmpty()) {
				problem(number, describe(unread, expected));
			}
			this.cpus.put(cpu, new CpuCounters(cpu, number, counters));
		}

		private static String describe(List<String> unread, String expected) {
			List<String> shown = new ArrayList<>();
			for (String token : unread.subList(0, Math.min(3, unread.size()))) {
				shown.add(token.contains(" ") ? token : "'" + abbreviate(token) + "'");
			}
			String more = (unread.size() > 3) ? " and " + (unread.size() - 3) + " more" : "";
			return "read in part: could not read " + String.join(", ", shown) + more + " (expected " + expected + ")";
		}

		/** Keeps to the first format seen; a line of the other format is reported. */
		private boolean claimFormat(int number, Format wanted) {
			if (this.format == Format.NONE || this.format == Format.SUMMARY) {
				this.format = wanted;
				return true;
			}
			if ((wanted == Format.METRICS) != (this.format == Format.METRICS)) {
				problem(number, "a line of " + wanted.title() + " after lines of " + this.format.title()
						+ ": paste one of the two; this line is ignored");
				return false;
			}
			if (wanted == Format.METRICS) {
				return true;
			}
			boolean wantsProc = wanted != Format.CONNTRACK_S;
			boolean isProc = this.format != Format.CONNTRACK_S;
			if (wantsProc == isProc) {
				if (wanted != Format.PROC_NO_HEADER) {
					this.format = wanted;
				}
				return true;
			}
			problem(number, "a line of " + (wantsProc ? "/proc/net/stat/nf_conntrack" : "conntrack -S")
					+ " after lines of " + this.format.title() + ": paste one of the two; this line is ignored");
			return false;
		}

		private static boolean isProcHeader(String line) {
			String[] words = line.split("\\s+");
			if (words.length < 3 || !Counter.ENTRIES.equals(words[0])) {
				return false;
			}
			for (String word : words) {
				if (!WORD.matcher(word).matches()) {
					return false;
				}
			}
			return true;
		}

		void problem(int number, String reason) {
			this.problems.add(new LineProblem(number, reason));
		}

		ConntrackStats result(boolean notRoot) {
			boolean firstCpuOnly = this.cpus.isEmpty() && (notRoot || this.summary.containsKey(Counter.SEARCHED)
					|| this.summary.containsKey("delete_list"));
			return new ConntrackStats(this.format, new ArrayList<>(this.cpus.values()), this.summary, this.problems,
					firstCpuOnly);
		}

	}

	static String abbreviate(String token) {
		return (token.length() > 30) ? token.substring(0, 30) + "…" : token;
	}

}
