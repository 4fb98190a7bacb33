package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads tcpdump's default one-line output ({@code tcpdump -n}/{@code -nn}, with names
 * too): the DNS queries ({@code 10.40.0.17.53378 > 10.96.0.10.53: 37213+ A? name. (54)}),
 * the DNS answers
 * ({@code 10.96.0.10.53 > 10.40.0.17.53378: 37213 1/0/0 A 10.96.0.1 (70)}) and the TCP
 * SYNs ({@code Flags [S], seq 265989161}) of each line, with its time: the default
 * {@code HH:MM:SS.frac}, {@code -tttt}'s date before it, {@code -tt}'s epoch seconds,
 * {@code -ttt}'s delta from the line before (told by the {@code tcpdump} command pasted
 * above the capture), or none ({@code -t}). {@code -i any}'s interface and direction
 * ({@code eth0 Out IP …}) are read past. With {@code -v} the packet is on the indented
 * line after the {@code IP (tos …)} line that gives its time; the other continuation
 * lines ({@code -v} decodes, {@code -X} hex) are left out. Every input bounded: at most
 * {@value #MAX_PACKETS} packets are read, the rest is reported.
 */
final class TcpdumpParser {

	/** The most packets read from one capture. */
	static final int MAX_PACKETS = 4_096;

	/** What one packet line carries. */
	enum Kind {

		/** A DNS query of type A or AAAA. */
		DNS_QUERY,

		/** A DNS answer (any rcode, any count). */
		DNS_ANSWER,

		/** A TCP SYN without ACK. */
		SYN,

		/** A TCP SYN-ACK. */
		SYN_ACK,

		/** Anything else (other DNS types, TCP segments, ICMP, ARP). */
		OTHER

	}

	/**
	 * One packet.
	 *
	 * @param line the line it is on (with {@code -v}, the indented line)
	 * @param micros its time in microseconds, or -1 when the capture has none
	 * @param kind what it is
	 * @param src the source host ({@code 10.40.0.17} or a name)
	 * @param sport the source port ({@code 53} for {@code domain})
	 * @param dst the destination host
	 * @param dport the destination port
	 * @param id the DNS id, or the TCP seq when shown, else empty
	 * @param type {@code A} or {@code AAAA} for a query, else empty
	 * @param name the queried name, else empty
	 * @param text the line as read, for evidence
	 */
	record Packet(int line, long micros, Kind kind, String src, String sport, String dst, String dport, String id,
			String type, String name, String text) {

		boolean timed() {
			return this.micros >= 0;
		}

		/**
		 * The socket it was sent from: {@code host.port}, or the host alone where the
		 * capture shows no port (tshark's summary of a DNS packet).
		 */
		String from() {
			return this.sport.isEmpty() ? this.src : this.src + "." + this.sport;
		}

		String to() {
			return this.dport.isEmpty() ? this.dst : this.dst + "." + this.dport;
		}

	}

	/**
	 * A capture as read.
	 *
	 * @param packets the packets, in order
	 * @param timestamps how the times were read: {@code time of day},
	 * {@code date and time}, {@code epoch}, {@code delta (-ttt)}, or empty when the lines
	 * have none
	 * @param problems the lines not read, with the reason
	 * @param tool the tool that printed it, {@code tcpdump} or {@code tshark}
	 * @param source how the findings name it: the tool, or with several captures the tool
	 * and where it was pasted
	 */
	record Capture(List<Packet> packets, String timestamps, List<LineProblem> problems, String tool, String source) {

		Capture(List<Packet> packets, String timestamps, List<LineProblem> problems, String tool) {
			this(packets, timestamps, problems, tool, tool);
		}

		static Capture empty() {
			return new Capture(List.of(), "", List.of(), "tcpdump");
		}

		/** The same capture, named {@code source} in the findings. */
		Capture named(String source) {
			return new Capture(this.packets, this.timestamps, this.problems, this.tool, source);
		}

		/** Whether its DNS packets show no port (tshark's summary). */
		boolean portless() {
			return this.packets.stream()
				.anyMatch((p) -> p.kind() == Kind.DNS_QUERY && p.sport().isEmpty() && !p.src().isEmpty());
		}

		boolean read() {
			return !this.packets.isEmpty();
		}

		boolean timed() {
			return !this.timestamps.isEmpty();
		}

	}

	/** The time at the start of a packet line. */
	static final String TIME = "(?:(\\d{4})-(\\d\\d)-(\\d\\d) )?(\\d{1,2}):(\\d\\d):(\\d\\d)\\.(\\d{1,9})"
			+ "|(\\d{9,10})\\.(\\d{1,9})";

	/** A packet line: time (optional), {@code -i any}'s interface and direction, IP. */
	static final Pattern PACKET_LINE = Pattern.compile(
			"(?:(?:" + TIME + ") {1,3})?" + "(?:[\\w.@:-]{1,32} {1,3}(?:In|Out|M|B|P) {1,3})?(IP6?|ARP) (.{1,16000})");

	/**
	 * {@code -e}'s link-level header before the packet ({@code 2a:c7:37:d7:2e:07 >
	 * 4e:7d:69:53:97:61, ethertype IPv4 (0x0800), length 74: }), which takes the place of
	 * {@code IP }: read as that.
	 */
	private static final Pattern LINK_HEADER = Pattern
		.compile("(?<=^|\\s)[0-9a-f]{2}(?::[0-9a-f]{2}){5} > [0-9a-f]{2}(?::[0-9a-f]{2}){5}, ethertype "
				+ "(IPv4|IPv6|ARP) \\(0x[0-9a-f]{4}\\), length \\d{1,5}: ");

	/** The addresses and the rest: {@code src.port > dst.port: rest}. */
	static final Pattern FLOW = Pattern.compile("(\\S{1,300}) > (\\S{1,300}?):? (.{0,16000})");

	/** tcpdump's own messages around a capture. */
	static final Pattern TOOL_LINE = Pattern.compile("listening on \\S{1,64}, link-type .{1,200}"
			+ "|\\d{1,12} packets? (?:captured|received by filter|dropped by (?:kernel|interface))"
			+ "|tcpdump: .{1,400}|reading from file .{1,400}");

	/** The checksum note {@code -v} prints before the DNS payload. */
	private static final Pattern CHECKSUM = Pattern.compile("\\[(?:bad )?udp (?:ck)?sum[^\\]]{0,60}\\] ");

	private static final Pattern QUERY = Pattern
		.compile("(\\d{1,5})[+%*$-]{0,4}(?: \\[[^\\]]{1,40}\\]){0,4} (A|AAAA)\\? (\\S{1,300}) \\(\\d{1,5}\\)");

	private static final Pattern OTHER_QUERY = Pattern
		.compile("\\d{1,5}[+%*$-]{0,4}(?: \\[[^\\]]{1,40}\\]){0,4} " + "[A-Z0-9]{1,10}\\? \\S{1,300} \\(\\d{1,5}\\)");

	private static final Pattern ANSWER = Pattern.compile(
			"(\\d{1,5})[*|$+%-]{0,5}(?: [A-Z][A-Za-z]{1,12})?(?: q: .{1,400}?)? \\d{1,5}/\\d{1,5}/\\d{1,5}(?: .{0,16000})?");

	private static final Pattern TCP_FLAGS = Pattern.compile(
			"Flags \\[([A-Z.]{1,8}|none)\\](?:, cksum [^,]{1,60})?(?:, seq (\\d{1,10})(?::\\d{1,10})?)?.{0,16000}");

	/** {@code -ttt} in a tcpdump command, but not {@code -tttt} or {@code -ttttt}. */
	private static final Pattern DELTA_OPTION = Pattern.compile("(?:^|\\s)-[A-Za-z]{0,8}?(?<!t)ttt(?!t)[A-Za-z]{0,8}");

	private TcpdumpParser() {
	}

	/** Whether a line (cleaned) is a packet line of tcpdump. */
	static boolean isPacketLine(String text) {
		Matcher m = PACKET_LINE.matcher(withoutLinkHeader(text));
		if (!m.matches()) {
			return false;
		}
		String rest = m.group(11);
		return m.group(10).startsWith("ARP") || rest.startsWith("(") || FLOW.matcher(rest).matches();
	}

	/** A line of {@code tcpdump -e} as {@code tcpdump} without it prints it. */
	static String withoutLinkHeader(String text) {
		if (!text.contains(", ethertype ")) {
			return text;
		}
		Matcher link = LINK_HEADER.matcher(text);
		if (!link.find()) {
			return text;
		}
		String proto = switch (link.group(1)) {
			case "IPv6" -> "IP6 ";
			case "ARP" -> "ARP, ";
			default -> "IP ";
		};
		return text.substring(0, link.start()) + proto + text.substring(link.end());
	}

	/** Whether a line (cleaned) is one of tcpdump's own messages. */
	static boolean isToolLine(String text) {
		return TOOL_LINE.matcher(text).matches();
	}

	/** Whether an indented line is the packet of a {@code -v} header line. */
	static boolean isVerbosePacket(String text) {
		return FLOW.matcher(text).matches() && text.contains(" > ");
	}

	/**
	 * Reads the lines {@link PasteReader} gave to tcpdump, with the commands pasted to
	 * tell {@code -ttt}.
	 */
	static Capture parse(List<Line> lines, List<PastedCommand> commands) {
		if (lines.isEmpty()) {
			return Capture.empty();
		}
		boolean delta = delta(lines.get(0).number(), commands);
		List<Packet> packets = new ArrayList<>();
		List<LineProblem> problems = new ArrayList<>();
		long pendingTime = -1;
		boolean pendingHeader = false;
		CaptureClock clock = new CaptureClock();
		for (Line line : lines) {
			String text = withoutLinkHeader(line.text());
			Matcher m = PACKET_LINE.matcher(text);
			if (m.matches()) {
				pendingHeader = false;
				long micros = micros(m);
				String kind = (m.group(1) != null || m.group(4) != null)
						? ((m.group(1) != null) ? "date and time" : delta ? "delta (-ttt)" : "time of day")
						: (m.group(8) != null) ? "epoch" : "";
				micros = clock.next(micros, delta, m.group(4) != null && m.group(1) == null, kind);
				String rest = m.group(11);
				if (rest.startsWith("(")) {
					// -v: the packet is on the next, indented line.
					pendingTime = micros;
					pendingHeader = true;
					continue;
				}
				add(packets, problems, line, micros, m.group(10), rest);
			}
			else if (pendingHeader && isVerbosePacket(text)) {
				pendingHeader = false;
				add(packets, problems, line, pendingTime, "IP", text);
			}
		}
		return new Capture(packets, clock.timestamps(), problems, "tcpdump");
	}

	private static void add(List<Packet> packets, List<LineProblem> problems, Line line, long micros, String proto,
			String rest) {
		if (packets.size() == MAX_PACKETS) {
			if (problems.stream().noneMatch((p) -> p.reason().startsWith("not read: only the first"))) {
				problems.add(new LineProblem(line.number(),
						"not read: only the first " + MAX_PACKETS + " packets of a capture are read"));
			}
			return;
		}
		Matcher flow = FLOW.matcher(rest);
		if (proto.startsWith("ARP") || !flow.matches()) {
			packets.add(new Packet(line.number(), micros, Kind.OTHER, "", "", "", "", "", "", "", line.text()));
			return;
		}
		String[] from = endpoint(flow.group(1));
		String[] to = endpoint(flow.group(2));
		String payload = CHECKSUM.matcher(flow.group(3)).replaceFirst("");
		Kind kind = Kind.OTHER;
		String id = "";
		String type = "";
		String name = "";
		if (to[1].equals("53")) {
			Matcher query = QUERY.matcher(payload);
			if (query.matches()) {
				kind = Kind.DNS_QUERY;
				id = query.group(1);
				type = query.group(2);
				name = query.group(3).toLowerCase(Locale.ROOT);
			}
		}
		else if (from[1].equals("53")) {
			Matcher answer = ANSWER.matcher(payload);
			if (answer.matches() && !OTHER_QUERY.matcher(payload).matches()) {
				kind = Kind.DNS_ANSWER;
				id = answer.group(1);
			}
		}
		Matcher tcp = TCP_FLAGS.matcher(payload);
		if (kind == Kind.OTHER && tcp.matches()) {
			String flags = tcp.group(1);
			boolean syn = flags.contains("S") && !flags.contains("R") && !flags.contains("F");
			if (syn) {
				kind = flags.contains(".") ? Kind.SYN_ACK : Kind.SYN;
				id = (tcp.group(2) != null) ? tcp.group(2) : "";
			}
		}
		packets
			.add(new Packet(line.number(), micros, kind, from[0], from[1], to[0], to[1], id, type, name, line.text()));
	}

	/** {@code 10.0.0.1.53} → host and port; {@code domain} is port 53. */
	private static String[] endpoint(String text) {
		String value = text.endsWith(":") ? text.substring(0, text.length() - 1) : text;
		int dot = value.lastIndexOf('.');
		if (dot <= 0) {
			return new String[] { value, "" };
		}
		String port = value.substring(dot + 1);
		return new String[] { value.substring(0, dot), port.equals("domain") ? "53" : port };
	}

	/** The time of a packet line in microseconds, or -1 when it has none. */
	private static long micros(Matcher m) {
		if (m.group(4) != null) {
			long seconds = Long.parseLong(m.group(4)) * 3600 + Long.parseLong(m.group(5)) * 60
					+ Long.parseLong(m.group(6));
			if (m.group(1) != null) {
				seconds += CaptureClock.days(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
						Integer.parseInt(m.group(3))) * 86_400L;
			}
			return seconds * 1_000_000 + CaptureClock.fraction(m.group(7));
		}
		if (m.group(8) != null) {
			return Long.parseLong(m.group(8)) * 1_000_000 + CaptureClock.fraction(m.group(9));
		}
		return -1;
	}

	/** Whether the last tcpdump command above the capture asked for {@code -ttt}. */
	private static boolean delta(int firstLine, List<PastedCommand> commands) {
		return PasteReader.Sorted.commandAbove(commands, firstLine - 1, (c) -> c.contains("tcpdump"))
			.map((command) -> DELTA_OPTION.matcher(command.text()).find())
			.orElse(false);
	}

	/**
	 * Seconds from microseconds: three decimals ({@code 5.005}), six under 10 ms
	 * ({@code 0.000142}), as tcpdump printed them.
	 */
	static String seconds(long micros) {
		return String.format(Locale.ROOT, (Math.abs(micros) < 10_000) ? "%.6f" : "%.3f", micros / 1_000_000.0);
	}

}
