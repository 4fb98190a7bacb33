package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.racetrack.diagnose.TcpdumpParser.Capture;
import dev.racetrack.diagnose.TcpdumpParser.Kind;
import dev.racetrack.diagnose.TcpdumpParser.Packet;

/**
 * Reads tshark's default one-line summary ({@code tshark -i any -f "port 53"}, and
 * Wireshark's summary line as "Copy … as Summary" or "Export Packet Dissections" print
 * it) into the capture {@link TcpdumpParser} reads, so that {@link CaptureRules} judges
 * both alike. A line is the frame number, the time, the source, {@code →} (tshark 1.x:
 * {@code ->}; Wireshark's copy: none), the destination, the protocol, the length and the
 * info column:
 * {@code 1 0.000000000 10.244.1.5 → 10.96.0.10 DNS 86 Standard query 0x1a2b A example.com}.
 * Read from the info column: a DNS query of type A or AAAA ({@code Standard query 0x1a2b
 * A name}), a DNS answer ({@code Standard query response 0x1a2b …}, any rcode), and a TCP
 * SYN or SYN-ACK ({@code 49152 → 80 [SYN] Seq=0 …}, {@code [TCP Retransmission]} and the
 * other expert notes before it read past). The rest is read as other packets.
 * <p>
 * What the summary does not show is not made up:
 * <ul>
 * <li>DNS: the summary shows no UDP port. A query's socket is its source address: the
 * twin of a query is the other type for the same name from the same address within 0.1 s,
 * its answer the one with its transaction id to that address, and a query sent again is
 * the same name and type from that address. glibc and musl send both queries of a lookup
 * from one socket, so this holds for one resolver at a time; two processes of one pod
 * looking up one name at once cannot be told apart. The findings say that the socket was
 * taken from the address, and point to {@code tcpdump -nn}, which shows the port
 * ({@code tshark -T fields} and {@code -V} would too, but are other layouts, not read
 * here).</li>
 * <li>TCP: the ports are in the info column and read. tshark numbers sequences from 0 per
 * connection ({@code Seq=0} on every SYN), which identifies nothing: such a SYN carries
 * no seq, and the same SYN seen before and after NAT ({@code -i any}) counts as two
 * connections. A SYN with another Seq (relative numbers off) carries it, as tcpdump's
 * does. A SYN tshark marks {@code [TCP Port numbers reused]} (and not a retransmission)
 * is a new connection on the same ports, not the first one sent again.</li>
 * <li>Time: the default relative seconds ({@code -t r}), the epoch ({@code -t e}), the
 * time of day with or without the date ({@code -t a}, {@code -t ad}, {@code -t u},
 * {@code -t ud}), and the delta from the frame before ({@code -t dd}, or {@code -t d}
 * without a display filter), told by the {@code tshark} command pasted above. Whole
 * seconds (no fraction) cannot place a re-send within the rules' half-second windows:
 * such a line has no time, and the capture is said to be untimed.</li>
 * </ul>
 * Every input bounded like tcpdump's: at most {@value TcpdumpParser#MAX_PACKETS} packets
 * are read, the rest is reported.
 */
final class TsharkParser {

	/** The tool's name in the findings. */
	static final String TOOL = "tshark";

	private static final String SPACE = "[ \\t]{1,40}";

	/**
	 * The time column: {@code -t ad}'s date and time of day, {@code -t a}'s time of day,
	 * or seconds (relative, epoch or delta) with or without a fraction.
	 */
	private static final String TIME = "(?:(\\d{4})-(\\d\\d)-(\\d\\d) )?(\\d{1,2}):(\\d\\d):(\\d\\d)\\.(\\d{1,9})"
			+ "|(\\d{1,10})(?:\\.(\\d{1,9}))?";

	/**
	 * A summary line: tshark's running count when it printed one on the terminal before
	 * the line ({@code 3   4   0.070809 …}), the frame number, the time, the source, the
	 * arrow, the destination (none for tshark 1.x's ARP), the protocol, the length and
	 * the info.
	 */
	private static final Pattern ARROW_LINE = Pattern.compile("(?:\\d{1,9}" + SPACE + "(?=\\d))?(\\d{1,9})" + SPACE
			+ "(?:" + TIME + ")" + SPACE + "(\\S{1,300})" + SPACE + "(?:→|->)" + SPACE + "(?:(\\S{1,300})" + SPACE
			+ ")??([A-Za-z][\\w./-]{0,23})" + SPACE + "(\\d{1,6})(?:" + SPACE + "(.{0,16000}))?");

	/**
	 * Wireshark's summary without an arrow (its "Copy as Summary as Text" and exported
	 * summary lines): a fraction in the time and a protocol that starts with a capital,
	 * so that no table of numbers (iptables -L -v) is taken for one.
	 */
	private static final Pattern COLUMN_LINE = Pattern.compile("(\\d{1,9})" + SPACE + "(?:"
			+ TIME.replace("(?:\\.(\\d{1,9}))?", "\\.(\\d{1,9})") + ")" + SPACE + "(\\S{1,300})" + SPACE
			+ "(\\S{1,300})" + SPACE + "([A-Z][\\w./-]{0,23})" + SPACE + "(\\d{1,6})(?:" + SPACE + "(.{0,16000}))?");

	/** tshark's own messages and Wireshark's column header. */
	private static final Pattern TOOL_LINE = Pattern.compile("Capturing on .{1,400}"
			+ "|Running as user \"[^\"]{1,64}\" and group \"[^\"]{1,64}\"\\. This could be dangerous\\."
			+ "|\\d{1,12} packets? (?:captured|dropped.{0,200})|tshark: .{1,400}"
			+ "|No\\.[ \\t]{1,40}Time[ \\t]{1,40}Source[ \\t]{1,40}Destination[ \\t]{1,40}Protocol(?:[ \\t]{1,40}Length)?[ \\t]{1,40}Info");

	private static final Pattern QUERY = Pattern
		.compile("Standard query (0x[0-9a-f]{4})[ \\t]{1,10}(A|AAAA) (\\S{1,300})(?: .{0,16000})?");

	private static final Pattern ANSWER = Pattern.compile("Standard query response (0x[0-9a-f]{4})(?: .{0,16000})?");

	/** Expert notes before the ports ({@code [TCP Retransmission] }). */
	private static final Pattern NOTES = Pattern.compile("(?:\\[[^\\]]{1,60}\\] ){0,6}");

	private static final Pattern TCP = Pattern
		.compile("(\\S{1,64}) (?:→|->|>) (\\S{1,64}) \\[([A-Z, ]{1,60})\\](?: Seq=(\\d{1,10}))?.{0,16000}");

	/** {@code -t d}, {@code -t dd} (or {@code -tdd}) in a tshark command. */
	private static final Pattern DELTA_OPTION = Pattern.compile("(?:^|\\s)-t ?(dd?)(?=\\s|$)");

	private static final Pattern DISPLAY_FILTER = Pattern.compile("(?:^|\\s)-[YR](?=\\s|$|\\S)");

	private TsharkParser() {
	}

	/** Whether a line (cleaned) is a summary line of tshark or Wireshark. */
	static boolean isPacketLine(String text) {
		return ARROW_LINE.matcher(text).matches() || COLUMN_LINE.matcher(text).matches();
	}

	/** Whether a line (cleaned) is one of tshark's own messages or Wireshark's header. */
	static boolean isToolLine(String text) {
		return TOOL_LINE.matcher(text).matches();
	}

	/**
	 * Reads the lines {@link PasteReader} gave to tshark, with the commands pasted to
	 * tell {@code -t d}/{@code -t dd}.
	 */
	static Capture parse(List<Line> lines, List<PastedCommand> commands) {
		if (lines.isEmpty()) {
			return Capture.empty();
		}
		String command = PasteReader.Sorted
			.commandAbove(commands, lines.get(0).number() - 1, (c) -> c.contains("tshark"))
			.map(PastedCommand::text)
			.orElse("");
		Matcher deltaOption = DELTA_OPTION.matcher(command);
		boolean delta = deltaOption.find();
		// -t d is since the frame captured before: with a display filter, frames between
		// are not shown, and the sum of the shown deltas is not the time.
		boolean deltaUnusable = delta && deltaOption.group(1).equals("d") && DISPLAY_FILTER.matcher(command).find();
		List<Packet> packets = new ArrayList<>();
		List<LineProblem> problems = new ArrayList<>();
		CaptureClock clock = new CaptureClock();
		for (Line line : lines) {
			Matcher m = ARROW_LINE.matcher(line.text());
			if (!m.matches()) {
				m = COLUMN_LINE.matcher(line.text());
				if (!m.matches()) {
					continue;
				}
			}
			long micros = micros(m);
			String kind = (m.group(5) != null) ? ((m.group(2) != null) ? "date and time" : "time of day")
					: delta ? "delta (-t " + deltaOption.group(1) + ")" : "seconds";
			if (deltaUnusable) {
				micros = -1;
			}
			micros = clock.next(micros, delta, m.group(5) != null && m.group(2) == null, kind);
			add(packets, problems, line, micros, m);
		}
		return new Capture(packets, clock.timestamps(), problems, TOOL);
	}

	private static void add(List<Packet> packets, List<LineProblem> problems, Line line, long micros, Matcher m) {
		if (packets.size() == TcpdumpParser.MAX_PACKETS) {
			if (problems.stream().noneMatch((p) -> p.reason().startsWith("not read: only the first"))) {
				problems.add(new LineProblem(line.number(),
						"not read: only the first " + TcpdumpParser.MAX_PACKETS + " packets of a capture are read"));
			}
			return;
		}
		String src = m.group(11);
		String dst = (m.group(12) != null) ? m.group(12) : "";
		String protocol = m.group(13);
		String info = (m.group(15) != null) ? m.group(15).strip() : "";
		Kind kind = Kind.OTHER;
		String sport = "";
		String dport = "";
		String id = "";
		String type = "";
		String name = "";
		if (protocol.equals("DNS")) {
			Matcher query = QUERY.matcher(info);
			Matcher answer = ANSWER.matcher(info);
			if (answer.matches()) {
				kind = Kind.DNS_ANSWER;
				id = answer.group(1);
			}
			else if (query.matches()) {
				kind = Kind.DNS_QUERY;
				id = query.group(1);
				type = query.group(2);
				name = query.group(3).toLowerCase(Locale.ROOT);
			}
		}
		else if (protocol.equals("TCP")) {
			Matcher notes = NOTES.matcher(info);
			notes.lookingAt();
			Matcher tcp = TCP.matcher(info.substring(notes.end()));
			if (tcp.matches()) {
				sport = tcp.group(1);
				dport = tcp.group(2);
				String flags = tcp.group(3);
				boolean syn = flags.contains("SYN") && !flags.contains("RST") && !flags.contains("FIN");
				if (syn) {
					kind = flags.contains("ACK") ? Kind.SYN_ACK : Kind.SYN;
					String seq = tcp.group(4);
					String expert = notes.group();
					boolean reused = expert.contains("[TCP Port numbers reused]")
							&& !expert.contains("Retransmission]");
					// Seq=0 is tshark's relative numbering: it tells one SYN from no
					// other.
					id = reused ? "reused@" + line.number() : (seq != null && !seq.equals("0")) ? seq : "";
				}
			}
		}
		packets.add(new Packet(line.number(), micros, kind, src, sport, dst, dport, id, type, name, line.text()));
	}

	/**
	 * The time of a line in microseconds, or -1 when it has none precise enough (whole
	 * seconds).
	 */
	private static long micros(Matcher m) {
		if (m.group(5) != null) {
			long seconds = Long.parseLong(m.group(5)) * 3600 + Long.parseLong(m.group(6)) * 60
					+ Long.parseLong(m.group(7));
			if (m.group(2) != null) {
				seconds += CaptureClock.days(Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
						Integer.parseInt(m.group(4))) * 86_400L;
			}
			return seconds * 1_000_000 + CaptureClock.fraction(m.group(8));
		}
		if (m.group(9) == null || m.group(10) == null) {
			// Whole seconds: a gap of "3" is anything from 2 to 4 s.
			return -1;
		}
		return Long.parseLong(m.group(9)) * 1_000_000 + CaptureClock.fraction(m.group(10));
	}

}
