package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The symptom as engineers time it, read from what the tools print ({@link SymptomRules}
 * reads what the times are the signature of):
 * <ul>
 * <li>{@code time}: bash's {@code real\t0m5.021s}, busybox's {@code real\t0m 5.01s},
 * {@code time -p}'s {@code real 5.02}, of the command timed above ({@code time nslookup},
 * {@code dig}, {@code host}, {@code getent} are lookups; {@code time curl}, {@code wget},
 * {@code nc} whole requests);</li>
 * <li>dig's {@code ;; Query time: 5004 msec};</li>
 * <li>curl's {@code -w} timings: {@code time_namelookup: 5.012} (a lookup),
 * {@code time_connect} less {@code time_namelookup} (a connect), {@code time_total} alone
 * (a request), on their own lines, on one, in {@code %{json}}, or in the {@code -w}
 * format of the curl command above ({@code DNS-Lookup [%{time_namelookup}]}), one request
 * a line in a loop;</li>
 * <li>nslookup's and dig's {@code connection timed out; no servers could be reached}
 * (every try lost), and their output around it;</li>
 * <li>CoreDNS's {@code [ERROR] plugin/errors: 2 google.com. A: read udp
 * 10.244.0.3:37215->8.8.8.8:53: i/o timeout}: CoreDNS's own query to its upstream.</li>
 * </ul>
 * Bounded: at most {@value #MAX_TIMINGS} timings and {@value #MAX_EVENTS} of each other
 * kind are kept, the rest counted; a {@code -w} format is read up to {@value #MAX_FORMAT}
 * characters and {@value #MAX_FIELDS} timings.
 */
final class SymptomTimings {

	/** The most timings kept. */
	static final int MAX_TIMINGS = 1_000;

	/** The most unanswered lookups and CoreDNS upstream timeouts kept. */
	static final int MAX_EVENTS = 200;

	/** The longest {@code -w} format read. */
	static final int MAX_FORMAT = 400;

	/** The longest line matched against a {@code -w} format. */
	static final int MAX_FORMAT_LINE = 2_000;

	/** The most timings in one {@code -w} format line. */
	static final int MAX_FIELDS = 8;

	/** What was timed. */
	enum Kind {

		/** A name lookup alone: nslookup, dig, host, getent, curl's time_namelookup. */
		LOOKUP,

		/** A TCP connect alone: curl's time_connect less its time_namelookup. */
		CONNECT,

		/** A whole request: its lookup, connect and transfer (time curl, time_total). */
		REQUEST,

		/** Another command timed: read, not a lookup or a connection. */
		OTHER

	}

	/**
	 * One duration read.
	 *
	 * @param line the line it is read from
	 * @param kind what was timed
	 * @param micros how long it took
	 * @param shown the line (or the part of it) that says so, as pasted
	 * @param command the command timed, {@code ""} when not pasted
	 * @param status dig's answer status above it ({@code SERVFAIL}), {@code ""} when none
	 */
	record Timing(int line, Kind kind, long micros, String shown, String command, String status) {
	}

	/**
	 * A lookup that got no answer at all.
	 *
	 * @param line the line of {@code no servers could be reached}
	 * @param command the command above it, {@code ""} when not pasted
	 */
	record Unanswered(int line, String command) {
	}

	/**
	 * One CoreDNS query to its upstream that timed out.
	 *
	 * @param line its log line
	 * @param name the name asked
	 * @param type the query type
	 * @param from CoreDNS's own address and port, {@code ""} for a {@code dial}
	 * @param upstream the upstream's address and port
	 */
	record UpstreamTimeout(int line, String name, String type, String from, String upstream) {
	}

	/**
	 * What was read.
	 *
	 * @param timings the durations, in order, at most {@value #MAX_TIMINGS}
	 * @param unanswered the lookups with no answer
	 * @param upstream CoreDNS's upstream timeouts
	 * @param left how many of each were left out past the bounds
	 */
	record Symptoms(List<Timing> timings, List<Unanswered> unanswered, List<UpstreamTimeout> upstream, int left) {

		Symptoms {
			timings = List.copyOf(timings);
			unanswered = List.copyOf(unanswered);
			upstream = List.copyOf(upstream);
		}

		static Symptoms empty() {
			return new Symptoms(List.of(), List.of(), List.of(), 0);
		}

		boolean read() {
			return !this.timings.isEmpty() || !this.unanswered.isEmpty() || !this.upstream.isEmpty();
		}

	}

	private static final String DURATION = "(?:(\\d{1,4})m[ \\t]?)?(\\d{1,6}(?:[.,]\\d{1,9})?)s?";

	/** {@code real\t0m5.021s}, {@code real\t0m 5.01s}, {@code real 5.02}. */
	private static final Pattern REAL = Pattern.compile("real[ \\t]{1,20}" + DURATION);

	private static final Pattern USER_SYS = Pattern.compile("(?:user|sys)[ \\t]{1,20}" + DURATION);

	private static final Pattern QUERY_TIME = Pattern.compile("(?:;; ?)?Query time: (\\d{1,9}) msec");

	private static final Pattern NO_SERVERS = Pattern
		.compile("(?:;; ?)?(?:connection timed out; )?no servers could be reached\\.?");

	/** A try lost before the last: bind's dig and nslookup. */
	private static final Pattern TRY_LOST = Pattern
		.compile("(?:;; ?)?(?:connection timed out; trying next (?:origin|server)|communications error to \\S{1,300}: "
				+ "timed out|UDP setup with \\S{1,300} failed: .{0,200})");

	/**
	 * curl's {@code -w} timings by their own names (a template file, {@code %{json}}).
	 */
	private static final Pattern CURL_FIELD = Pattern.compile(
			"\"?time_(namelookup|connect|appconnect|pretransfer|starttransfer|redirect|total)\"?[ \\t]{0,40}[:=][ \\t]{0,40}"
					+ "(\\d{1,6}(?:[.,]\\d{1,9})?)s?");

	private static final Pattern CURL_LINE = Pattern
		.compile("(?:[ \\t]{0,40}(?:-{3,40}[ \\t]{0,40})?\"?time_(?:namelookup|connect|appconnect|"
				+ "pretransfer|starttransfer|redirect|total)\"?[ \\t]{0,40}[:=][ \\t]{0,40}\\d{1,6}(?:[.,]\\d{1,9})?s?,?"
				+ "[ \\t]{0,40}(?:Command exited with non-zero status \\d{1,3})?){1," + MAX_FIELDS + "}");

	private static final Pattern CURL_RULE = Pattern.compile("-{3,40}");

	private static final Pattern WRITE_OUT = Pattern
		.compile("(?:^|\\s)(?:-w|--write-out)(?:[ =]|(?=[\"']))(?:\"([^\"]{1," + MAX_FORMAT + "})\"|'([^']{1,"
				+ MAX_FORMAT + "})'|(\\S{1," + MAX_FORMAT + "}))");

	private static final Pattern FORMAT_VAR = Pattern.compile("%\\{(\\w{1,40})\\}");

	private static final Pattern COREDNS_TIMEOUT = Pattern.compile(".{0,200}\\[ERROR\\] plugin/errors: \\d{1,3} "
			+ "(\\S{1,253}) ([A-Z0-9]{1,12}): (?:read|dial|write) (?:udp|tcp) (?:(\\S{1,80})->)?(\\S{1,80}): i/o timeout");

	/** The output of nslookup and dig around a timing or a timeout, read with it. */
	private static final Pattern NSLOOKUP_OUTPUT = Pattern.compile("(?:Server|Address(?: \\d{1,3})?|Name|Aliases):"
			+ "[ \\t].{0,400}|Non-authoritative answer:|\\*\\* server can't find .{0,400}|nslookup: can't resolve .{0,400}"
			+ "|;; connection timed out; trying next origin");

	private static final Pattern DIG_OUTPUT = Pattern
		.compile(";.{0,2000}|\\S{1,253}\\.[ \\t]{1,40}\\d{1,10}[ \\t]{1,40}"
				+ "(?:IN|CH)[ \\t]{1,40}[A-Z0-9]{1,12}[ \\t]{1,40}.{0,2000}");

	private static final Pattern DIG_STATUS = Pattern.compile("status: ([A-Z]{2,12})");

	private static final Pattern TIMED = Pattern
		.compile("(?:^|[\\s;&|(])time(?:[ \\t]+-p)?[ \\t]+(\\S{1,200})(.{0,2000})");

	private static final List<String> LOOKUP_TOOLS = List.of("nslookup", "dig", "host", "getent", "drill", "kdig",
			"resolveip");

	private static final List<String> REQUEST_TOOLS = List.of("curl", "wget", "nc", "ncat", "telnet", "http",
			"httping");

	private SymptomTimings() {
	}

	/**
	 * Whether a line is one of these outputs, under {@code command} (the last pasted).
	 */
	static boolean isLine(String text, String command) {
		if (REAL.matcher(text).matches() || USER_SYS.matcher(text).matches() || QUERY_TIME.matcher(text).matches()
				|| NO_SERVERS.matcher(text).matches() || TRY_LOST.matcher(text).matches()
				|| COREDNS_TIMEOUT.matcher(text).matches()) {
			return true;
		}
		if (text.contains("time_") && CURL_LINE.matcher(text).matches()) {
			return true;
		}
		String tool = tool(command);
		if (tool.equals("curl")) {
			return CURL_RULE.matcher(text).matches() || !formatMatch(command, text).isEmpty();
		}
		if (tool.equals("nslookup")) {
			return NSLOOKUP_OUTPUT.matcher(text).matches();
		}
		return tool.equals("dig") && DIG_OUTPUT.matcher(text).matches();
	}

	/** Reads the lines sorted as these outputs. */
	static Symptoms parse(List<Line> lines, List<PastedCommand> commands) {
		List<Timing> timings = new ArrayList<>();
		List<Unanswered> unanswered = new ArrayList<>();
		List<UpstreamTimeout> upstream = new ArrayList<>();
		int[] left = { 0 };
		Map<String, Timing> request = new LinkedHashMap<>();
		int requestCommand = -1;
		boolean requestTimed = false;
		String status = "";
		int statusCommand = -1;
		for (Line line : lines) {
			String text = line.text();
			Optional<PastedCommand> above = PasteReader.Sorted.commandAbove(commands, line.number(), (c) -> true);
			String command = above.map(PastedCommand::text).orElse("");
			int commandLine = above.map(PastedCommand::line).orElse(0);
			Matcher status1 = DIG_STATUS.matcher(text);
			if (text.startsWith(";") && status1.find()) {
				status = status1.group(1);
				statusCommand = commandLine;
			}
			String statusHere = (statusCommand == commandLine) ? status : "";
			Matcher m;
			if ((m = REAL.matcher(text)).matches()) {
				Kind kind = timedKind(command);
				// The request a curl -w above already timed is not counted twice; a curl
				// that
				// failed prints zeros, and time's real is then its only timing.
				boolean curlRead = kind == Kind.REQUEST && requestCommand == commandLine && commandLine > 0
						&& requestTimed;
				if (!curlRead) {
					add(timings, left, new Timing(line.number(), kind, micros(m.group(1), m.group(2)), text,
							timedCommand(command), statusHere));
				}
			}
			else if ((m = QUERY_TIME.matcher(text)).matches()) {
				add(timings, left, new Timing(line.number(), Kind.LOOKUP, Long.parseLong(m.group(1)) * 1_000L, text,
						toolCommand(command, "dig"), statusHere));
			}
			else if (NO_SERVERS.matcher(text).matches()) {
				if (unanswered.size() < MAX_EVENTS) {
					unanswered.add(new Unanswered(line.number(), command));
				}
				else {
					left[0]++;
				}
			}
			else if ((m = COREDNS_TIMEOUT.matcher(text)).matches()) {
				if (upstream.size() < MAX_EVENTS) {
					upstream.add(new UpstreamTimeout(line.number(), m.group(1), m.group(2),
							(m.group(3) != null) ? m.group(3) : "", m.group(4)));
				}
				else {
					left[0]++;
				}
			}
			else {
				Map<String, String> fields = curlFields(text, command);
				if (fields.isEmpty()) {
					continue;
				}
				if (requestCommand != commandLine || fields.keySet().stream().anyMatch(request::containsKey)) {
					flush(request, timings, left);
				}
				if (requestCommand != commandLine) {
					requestTimed = false;
				}
				requestCommand = commandLine;
				for (Map.Entry<String, String> field : fields.entrySet()) {
					requestTimed |= micros(null, field.getValue()) > 0;
					request.put(field.getKey(), new Timing(line.number(), Kind.REQUEST, micros(null, field.getValue()),
							"time_" + field.getKey() + ": " + field.getValue(), toolCommand(command, "curl"), ""));
				}
			}
		}
		flush(request, timings, left);
		return new Symptoms(timings, unanswered, upstream, left[0]);
	}

	/**
	 * One request's curl timings as the durations they tell: the lookup
	 * ({@code time_namelookup}), the connect ({@code time_connect} less
	 * {@code time_namelookup}), or, without them, the whole request ({@code time_total}).
	 */
	private static void flush(Map<String, Timing> request, List<Timing> timings, int[] left) {
		if (request.values().stream().allMatch((t) -> t.micros() == 0)) {
			// A curl that failed prints zeros: nothing was timed.
			request.clear();
			return;
		}
		Timing lookup = request.get("namelookup");
		Timing connect = request.get("connect");
		Timing total = request.get("total");
		if (lookup != null) {
			add(timings, left,
					new Timing(lookup.line(), Kind.LOOKUP, lookup.micros(), lookup.shown(), lookup.command(), ""));
		}
		if (connect != null && lookup != null && connect.micros() >= lookup.micros() && connect.micros() > 0) {
			add(timings, left, new Timing(connect.line(), Kind.CONNECT, connect.micros() - lookup.micros(),
					connect.shown() + " less " + lookup.shown(), connect.command(), ""));
		}
		if (lookup == null && total != null) {
			add(timings, left, total);
		}
		request.clear();
	}

	private static void add(List<Timing> timings, int[] left, Timing timing) {
		if (timings.size() < MAX_TIMINGS) {
			timings.add(timing);
		}
		else {
			left[0]++;
		}
	}

	/** The curl timings on a line, by name: by their own names, or by the -w format. */
	private static Map<String, String> curlFields(String text, String command) {
		Map<String, String> fields = new LinkedHashMap<>();
		if (text.contains("time_")) {
			Matcher m = CURL_FIELD.matcher(text);
			while (m.find() && fields.size() < MAX_FIELDS) {
				fields.put(m.group(1), m.group(2));
			}
		}
		if (fields.isEmpty() && tool(command).equals("curl")) {
			fields.putAll(formatMatch(command, text));
		}
		return fields;
	}

	/**
	 * The timings of a line printed by the {@code -w} format of {@code command}, by name
	 * ({@code namelookup}); empty when the format has none or the line is not one of its
	 * lines.
	 */
	static Map<String, String> formatMatch(String command, String text) {
		if (text.length() > MAX_FORMAT_LINE) {
			return Map.of();
		}
		Matcher w = WRITE_OUT.matcher(command);
		if (!w.find()) {
			return Map.of();
		}
		String format = (w.group(1) != null) ? w.group(1) : (w.group(2) != null) ? w.group(2) : w.group(3);
		if (format.startsWith("@") || !format.contains("%{time_")) {
			return Map.of();
		}
		for (String template : format.split("\\\\n|\\\\r|\n")) {
			Map<String, String> fields = templateMatch(template.strip(), text);
			if (!fields.isEmpty()) {
				return fields;
			}
		}
		return Map.of();
	}

	/**
	 * One line of a {@code -w} format against one printed line, in one pass without
	 * backtracking: a literal part must follow where the line stands (its runs of white
	 * space match any run), a {@code %{time_…}} is a number there ({@code 5.012},
	 * {@code 5,012}, {@code 5.012s}), and any other variable stands for up to
	 * {@value #MAX_WILDCARD} characters without white space, up to the first place where
	 * what follows it matches. (A regular expression built from the format, with a lazy
	 * group per variable, backtracked through every way to split the line among its
	 * variables: a format of five variables against a line of 300 characters took more
	 * than 20 s.) The timings by name, or empty when the line is not one of the format's.
	 */
	static Map<String, String> templateMatch(String template, String text) {
		Map<String, String> fields = new LinkedHashMap<>();
		Matcher var = FORMAT_VAR.matcher(template);
		int at = 0;
		int p = blanks(text, 0);
		boolean wildcard = false;
		// a time's unit (5.012s), unless the format's own text goes on with an s
		boolean unit = false;
		while (true) {
			boolean more = var.find();
			String literal = template.substring(at, more ? var.start() : template.length());
			if (unit && !literal.startsWith("s") && p < text.length() && text.charAt(p) == 's') {
				p++;
			}
			unit = false;
			if (!literal.isEmpty()) {
				String[] words = literal.split("[ \\t]+", -1);
				int start = wildcard ? afterWildcard(text, p, (q) -> literalAt(text, q, words)) : p;
				p = (start < 0) ? -1 : literalAt(text, start, words);
				wildcard = false;
				if (p < 0) {
					return Map.of();
				}
			}
			if (!more) {
				break;
			}
			String name = var.group(1);
			if (name.startsWith("time_")) {
				if (fields.size() == MAX_FIELDS) {
					return Map.of();
				}
				int start = wildcard ? afterWildcard(text, p, (q) -> numberAt(text, q)) : p;
				int end = (start < 0) ? -1 : numberAt(text, start);
				wildcard = false;
				if (end < 0) {
					return Map.of();
				}
				fields.put(name.substring(5), text.substring(start, end));
				p = end;
				unit = true;
			}
			else {
				wildcard = true;
			}
			at = var.end();
		}
		if (wildcard) {
			int end = p;
			while (end < text.length() && end - p < MAX_WILDCARD && !Character.isWhitespace(text.charAt(end))) {
				end++;
			}
			p = end;
		}
		return (!fields.isEmpty() && blanks(text, p) == text.length()) ? fields : Map.of();
	}

	/**
	 * The most characters a variable of a {@code -w} format other than a time stands for.
	 */
	static final int MAX_WILDCARD = 400;

	/**
	 * Where what follows a variable starts, trying the variable at its shortest first:
	 * from {@code p}, over characters without white space, at most {@link #MAX_WILDCARD}
	 * of them; -1 when what follows ({@code next}, -1 where it does not match) matches
	 * nowhere.
	 */
	private static int afterWildcard(String text, int p, java.util.function.IntUnaryOperator next) {
		for (int q = p; q <= text.length() && q - p <= MAX_WILDCARD; q++) {
			if (next.applyAsInt(q) >= 0) {
				return q;
			}
			if (q < text.length() && Character.isWhitespace(text.charAt(q))) {
				break;
			}
		}
		return -1;
	}

	/**
	 * The end of a literal part's words at {@code p}, white space runs matching any; or
	 * -1.
	 */
	private static int literalAt(String text, int p, String[] words) {
		int q = p;
		for (int i = 0; i < words.length; i++) {
			if (i > 0) {
				int after = blanks(text, q);
				if (after == q) {
					return -1;
				}
				q = after;
			}
			if (!text.startsWith(words[i], q)) {
				return -1;
			}
			q += words[i].length();
		}
		return q;
	}

	/**
	 * The end of a number at {@code p} ({@code \d{1,6}} and a fraction); or -1.
	 */
	private static int numberAt(String text, int p) {
		int q = p;
		while (q < text.length() && q - p < 6 && isDigit(text.charAt(q))) {
			q++;
		}
		if (q == p) {
			return -1;
		}
		if (q + 1 < text.length() && (text.charAt(q) == '.' || text.charAt(q) == ',') && isDigit(text.charAt(q + 1))) {
			int f = q + 1;
			while (f < text.length() && f - q - 1 < 9 && isDigit(text.charAt(f))) {
				f++;
			}
			q = f;
		}
		return q;
	}

	private static boolean isDigit(char c) {
		return c >= '0' && c <= '9';
	}

	private static int blanks(String text, int p) {
		int q = p;
		while (q < text.length() && (text.charAt(q) == ' ' || text.charAt(q) == '\t')) {
			q++;
		}
		return q;
	}

	private static long micros(String minutes, String seconds) {
		double s = Double.parseDouble(seconds.replace(',', '.'));
		long m = (minutes != null) ? Long.parseLong(minutes) : 0;
		return m * 60_000_000L + Math.round(s * 1_000_000);
	}

	/** What {@code time X} timed: a lookup, a request, or another command. */
	private static Kind timedKind(String command) {
		Matcher m = TIMED.matcher(command);
		String tool = m.find() ? tool(m.group(1) + m.group(2)) : "";
		return tool.isEmpty() ? Kind.OTHER : kindOf(tool);
	}

	private static String timedCommand(String command) {
		Matcher m = TIMED.matcher(command);
		return m.find() ? (m.group(1) + m.group(2)).strip() : "";
	}

	/** The command above when it runs {@code tool}, else {@code ""}. */
	private static String toolCommand(String command, String tool) {
		return tool(command).equals(tool) ? command : "";
	}

	private static Kind kindOf(String word) {
		String tool = word.substring(word.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
		if (LOOKUP_TOOLS.contains(tool)) {
			return Kind.LOOKUP;
		}
		return REQUEST_TOOLS.contains(tool) ? Kind.REQUEST : Kind.OTHER;
	}

	/**
	 * The lookup or request tool a command runs: the first of its words that names one
	 * (after {@code sudo}, {@code time}, {@code kubectl exec … --}, {@code for …; do});
	 * {@code ""} when none.
	 */
	static String tool(String command) {
		if (command.isEmpty()) {
			return "";
		}
		for (String word : command.strip().split("\\s+", 16)) {
			String tool = word.substring(word.lastIndexOf('/') + 1)
				.replaceFirst("^[$(`{\"']+", "")
				.toLowerCase(Locale.ROOT);
			if (LOOKUP_TOOLS.contains(tool) || REQUEST_TOOLS.contains(tool)) {
				return tool;
			}
		}
		return "";
	}

}
