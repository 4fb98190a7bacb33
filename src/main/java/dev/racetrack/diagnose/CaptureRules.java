package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.racetrack.diagnose.TcpdumpParser.Capture;
import dev.racetrack.diagnose.TcpdumpParser.Kind;
import dev.racetrack.diagnose.TcpdumpParser.Packet;

/**
 * The races' signatures in a capture, tcpdump's ({@link TcpdumpParser}) or tshark's
 * ({@link TsharkParser}, whose DNS lines show no port: {@link #PORTLESS});
 * {@code src/docs/netfilter-races.md} §6):
 * <ul>
 * <li>DNS: glibc sends A and AAAA at once from one socket; when one of the two is lost
 * (the UDP/DNAT races 1–3 drop the later packet to confirm) and the other answered, it
 * waits its {@code timeout} (5 s, or resolv.conf's when pasted) and sends the lost one
 * again. A query re-sent 4.5–5.5 s after its first sending while its twin was answered is
 * that signature; both unanswered, or a query with no twin unanswered, is not (the server
 * or the path is down).</li>
 * <li>TCP: a SYN lost at the conntrack confirm by the SNAT port race is re-sent after 1 s
 * (the initial RTO), then 2 s later (3 s in all; 1 s later from 6.5, linear back-off): a
 * SYN of one 4-tuple and one seq re-sent 0.9–1.3 s later is a SYN lost on the way, the
 * race's signature when the capture is taken in the pod or on its veth; the loss at the
 * confirm counts {@code insert_failed}.</li>
 * </ul>
 * Every number said is read from the paste. Bounded: at most {@value #MAX_QUERIES}
 * queries and {@value #MAX_FLOWS} SYN flows are followed, {@value #MAX_EVENTS} events
 * quoted.
 */
final class CaptureRules {

	static final String DNS_LOST = "capture-dns-lost-query";

	static final String DNS_UNANSWERED = "capture-dns-unanswered";

	static final String SYN_RESENT = "capture-syn-resent";

	static final String UNTIMED = "capture-untimed";

	static final String CLEAN = "capture-clean";

	/** The most DNS queries followed in one capture. */
	static final int MAX_QUERIES = 2_048;

	/** The most TCP connections (4-tuples with a SYN) followed in one capture. */
	static final int MAX_FLOWS = 1_024;

	/** The most events quoted as evidence. */
	static final int MAX_EVENTS = 5;

	/** How close glibc's two queries of one lookup are sent: back to back. */
	private static final long PAIR_MICROS = 100_000;

	/**
	 * The same packet seen twice (two interfaces with {@code -i any}, before and after
	 * NAT).
	 */
	private static final long COPY_MICROS = 200_000;

	/** The waits a lost packet costs, defined once in {@link RetryTimes}. */
	private static final long TIMEOUT_SLACK_MICROS = RetryTimes.SLACK_MICROS;

	private static final long SYN_MIN_MICROS = RetryTimes.SYN_MIN_MICROS;

	private static final long SYN_MAX_MICROS = RetryTimes.SYN_MAX_MICROS;

	private static final long SYN_DOUBLED_MIN_MICROS = RetryTimes.SYN_DOUBLED_MIN_MICROS;

	private static final long SYN_DOUBLED_MAX_MICROS = RetryTimes.SYN_DOUBLED_MAX_MICROS;

	/** What was assumed of a capture whose DNS packets show no port. */
	static final String PORTLESS = "tshark's summary shows no UDP port: a query's socket was taken to be its source "
			+ "address (the two queries of a lookup are one name from one address within 0.1 s, as glibc and musl "
			+ "send them from one socket; a query sent again is the same name and type from that address). "
			+ "tcpdump -nn -i any port 53, read here too, shows the port.";

	private CaptureRules() {
	}

	/** Why a capture has no usable time, in the tool's words. */
	private static String untimed(String tool) {
		return tool.equals(TsharkParser.TOOL)
				? "The time column shows whole seconds on some lines (or -t d's deltas under a display filter, which "
						+ "leave out the frames not shown): a re-send cannot be placed within half a second of the "
						+ "resolver's timeout or the SYN's 1 s, and no gap is guessed."
				: "The packet lines carry no timestamp (tcpdump -t), or not on every line: no gap is guessed.";
	}

	private static String timedAgain(String tool) {
		return tool.equals(TsharkParser.TOOL)
				? "Capture again with tshark's default time (seconds since the first frame, to the nanosecond), "
						+ "e.g. tshark -n -i any -f 'udp port 53 or tcp[tcpflags] & tcp-syn != 0'."
				: "Capture again without -t (the default time of day, or -tttt), e.g. tcpdump -nn -i any "
						+ "'udp port 53 or tcp[tcpflags] & tcp-syn != 0'.";
	}

	/** One query as sent, with the sockets its copies were seen from. */
	private static final class Sending {

		private final Packet first;

		private final Set<String> sockets = new LinkedHashSet<>();

		private Sending twin;

		Sending(Packet first) {
			this.first = first;
			this.sockets.add(first.from());
		}

		long micros() {
			return this.first.micros();
		}

		String type() {
			return this.first.type();
		}

		String name() {
			return this.first.name();
		}

	}

	static List<Finding> assess(Capture capture, Facts facts) {
		List<Finding> findings = new ArrayList<>();
		if (!capture.read()) {
			return findings;
		}
		long queries = capture.packets().stream().filter((p) -> p.kind() == Kind.DNS_QUERY).count();
		long syns = capture.packets().stream().filter((p) -> p.kind() == Kind.SYN).count();
		if (queries + syns == 0) {
			return findings;
		}
		if (!capture.timed()) {
			findings.add(new Finding(UNTIMED, Severity.INFO,
					capture.source() + ": " + queries + " DNS quer" + ((queries == 1) ? "y" : "ies") + " and " + syns
							+ " SYN" + ((syns == 1) ? "" : "s") + " read, but "
							+ (capture.tool().equals(TsharkParser.TOOL) ? "the times are not precise enough"
									: "the lines have no time")
							+ ": the 5 s and 1 s signatures cannot be told",
					List.of(untimed(capture.tool())), List.of(timedAgain(capture.tool()))));
			return findings;
		}
		List<String> cuts = new ArrayList<>();
		dns(capture, facts, findings, cuts);
		syn(capture, facts, findings, cuts);
		if (findings.isEmpty()) {
			findings.add(new Finding(CLEAN, Severity.INFO,
					capture.source() + ": " + queries + " DNS quer" + ((queries == 1) ? "y" : "ies") + " and " + syns
							+ " SYN" + ((syns == 1) ? "" : "s")
							+ " read: no query lost and re-sent after the resolver's timeout, no SYN re-sent after 1 s",
					List.of("Lines " + capture.packets().get(0).line() + "–"
							+ capture.packets().get(capture.packets().size() - 1).line() + ", timestamps: "
							+ capture.timestamps() + "."),
					List.of()));
		}
		if (!cuts.isEmpty()) {
			// What was not followed is said with what was found.
			for (int i = 0; i < findings.size(); i++) {
				Finding f = findings.get(i);
				List<String> evidence = new ArrayList<>(f.evidence());
				evidence.addAll(cuts);
				findings.set(i, f.with(evidence, f.mitigations()));
			}
		}
		return findings;
	}

	private static void dns(Capture capture, Facts facts, List<Finding> findings, List<String> cuts) {
		List<Sending> sendings = new ArrayList<>();
		List<Packet> answers = new ArrayList<>();
		int followed = 0;
		List<LineProblem> problems = new ArrayList<>();
		for (Packet packet : capture.packets()) {
			if (packet.kind() == Kind.DNS_ANSWER) {
				answers.add(packet);
			}
			if (packet.kind() != Kind.DNS_QUERY || !packet.timed()) {
				continue;
			}
			Optional<Sending> copy = sendings.stream()
				.filter((s) -> s.first.id().equals(packet.id()) && s.type().equals(packet.type())
						&& s.name().equals(packet.name()) && Math.abs(packet.micros() - s.micros()) <= COPY_MICROS)
				.findFirst();
			if (copy.isPresent()) {
				copy.get().sockets.add(packet.from());
				continue;
			}
			if (++followed > MAX_QUERIES) {
				problems.add(new LineProblem(packet.line(),
						"not followed: only the first " + MAX_QUERIES + " DNS queries of a capture are followed"));
				break;
			}
			sendings.add(new Sending(packet));
		}
		for (int i = 0; i < sendings.size(); i++) {
			Sending s = sendings.get(i);
			for (int j = i + 1; j < sendings.size() && s.twin == null; j++) {
				Sending t = sendings.get(j);
				if (t.micros() - s.micros() > PAIR_MICROS) {
					break;
				}
				if (t.twin == null && !t.type().equals(s.type()) && t.name().equals(s.name())
						&& t.sockets.contains(s.first.from())) {
					s.twin = t;
					t.twin = s;
				}
			}
		}
		int timeout = facts.resolver().present() ? facts.resolver().timeoutSeconds() : 5;
		int attempts = facts.resolver().present() ? Math.max(1, facts.resolver().attempts()) : 2;
		// glibc sends a lost query again after its timeout; musl every timeout/attempts
		// (res_msend.c: retry_interval = timeout / attempts, 2.5 s by default), and only
		// the
		// queries not yet answered (the model's Resolver.MUSL_RETRY_NANOS).
		long expected = timeout * 1_000_000L;
		long muslExpected = expected / attempts;
		String window = window(expected) + ((attempts > 1) ? " or " + window(muslExpected) : "");
		List<String> lost = new ArrayList<>();
		List<String> lostGaps = new ArrayList<>();
		List<String> unanswered = new ArrayList<>();
		int lostCount = 0;
		int unansweredCount = 0;
		Set<Sending> said = new java.util.HashSet<>();
		for (int i = 0; i < sendings.size(); i++) {
			Sending s = sendings.get(i);
			Sending resend = resend(sendings, i);
			if (resend == null || said.contains(s)) {
				continue;
			}
			Optional<Packet> answer = answer(s, answers, resend.micros());
			if (answer.isPresent()) {
				continue;
			}
			long gap = resend.micros() - s.micros();
			boolean inWindow = Math.abs(gap - expected) <= TIMEOUT_SLACK_MICROS
					|| (attempts > 1 && Math.abs(gap - muslExpected) <= TIMEOUT_SLACK_MICROS);
			Sending twin = s.twin;
			Optional<Packet> twinAnswer = (twin != null) ? answer(twin, answers, resend.micros()) : Optional.empty();
			if (twin != null && twinAnswer.isPresent()) {
				if (!inWindow) {
					continue;
				}
				lostCount++;
				lostGaps.add(TcpdumpParser.seconds(gap) + " s");
				if (lost.size() < MAX_EVENTS) {
					long apart = twin.micros() - s.micros();
					lost.add("line " + s.first.line() + ": " + s.type() + "? " + s.name() + " (id " + s.first.id()
							+ ") from " + s.first.from() + " got no answer; line " + twin.first.line() + ": its "
							+ twin.type() + "? twin, sent " + TcpdumpParser.seconds(Math.abs(apart)) + " s "
							+ ((apart >= 0) ? "after" : "before") + " it from the same "
							+ (s.first.sport().isEmpty() ? "address" : "socket") + ", was answered (line "
							+ twinAnswer.get().line() + "); line " + resend.first.line() + ": the " + s.type()
							+ " query sent again " + TcpdumpParser.seconds(gap) + " s after the first, "
							+ (s.first.sport().isEmpty() ? "from the same address"
									: resend.sockets.contains(s.first.from()) ? "from the same port"
											: "from port " + resend.first.sport())
							+ ".");
				}
			}
			else if (inWindow) {
				said.add(s);
				if (twin != null) {
					said.add(twin);
				}
				unansweredCount++;
				if (unanswered.size() < MAX_EVENTS) {
					unanswered.add("line " + s.first.line() + ": " + s.type() + "? " + s.name() + " (id " + s.first.id()
							+ ") from " + s.first.from() + " got no answer"
							+ ((twin != null)
									? ", nor did its " + twin.type() + "? twin (line " + twin.first.line() + ")"
									: ", and no other query was sent with it")
							+ "; line " + resend.first.line() + ": sent again " + TcpdumpParser.seconds(gap)
							+ " s later.");
				}
			}
		}
		if (lostCount > 0) {
			findings.add(lostFinding(capture, facts, lost, lostGaps, lostCount, timeout, attempts, window));
		}
		if (unansweredCount > 0) {
			List<String> evidence = new ArrayList<>(unanswered);
			if (unansweredCount > unanswered.size()) {
				evidence.add("… and " + (unansweredCount - unanswered.size()) + " more.");
			}
			if (capture.portless()) {
				evidence.add(PORTLESS);
			}
			evidence.add("The races lose one of two packets sent at once from one socket, and the other is answered. "
					+ "Here no query of the lookup was answered before it was sent again: not the races' signature, "
					+ "but a DNS server that does not answer, or a path that loses every packet.");
			findings.add(new Finding(DNS_UNANSWERED, Severity.WARNING,
					capture.source() + ": " + unansweredCount + " DNS quer" + ((unansweredCount == 1) ? "y" : "ies")
							+ " unanswered and sent again, with no query of the lookup answered: the server or the "
							+ "path, not a conntrack race",
					evidence,
					List.of("Look at the DNS server and the path to it: the server's logs (for the cluster DNS, "
							+ "kubectl -n kube-system logs -l k8s-app=kube-dns), and a capture on the server's side to "
							+ "see whether the queries arrive.")));
		}
		if (!problems.isEmpty()) {
			cuts.add("line " + problems.get(0).line() + ": " + problems.get(0).reason() + ".");
		}
	}

	/** {@code 4.5–5.5 s}: the window read around an expected gap. */
	private static String window(long expectedMicros) {
		return trim(TcpdumpParser.seconds(expectedMicros - TIMEOUT_SLACK_MICROS)) + "–"
				+ trim(TcpdumpParser.seconds(expectedMicros + TIMEOUT_SLACK_MICROS)) + " s";
	}

	private static String trim(String seconds) {
		return RetryTimes.trim(seconds);
	}

	private static Finding lostFinding(Capture capture, Facts facts, List<String> lost, List<String> gaps, int count,
			int timeout, int attempts, String window) {
		List<String> evidence = new ArrayList<>(lost);
		if (count > lost.size()) {
			evidence.add("… and " + (count - lost.size()) + " more.");
		}
		if (capture.portless()) {
			evidence.add(PORTLESS);
		}
		evidence
			.add("glibc and musl send A and AAAA at once from one socket; a query sent again after glibc's timeout ("
					+ timeout + " s"
					+ ((attempts > 1) ? ") or musl's retry interval (timeout/attempts, "
							+ trim(TcpdumpParser.seconds(timeout * 1_000_000L / attempts)) + " s" : "")
					+ (facts.resolver().present() ? ", from the resolv.conf pasted" : ", their defaults")
					+ "; read here within " + window + ") while its twin was answered is one of the two lost: the "
					+ "signature of the UDP conntrack races (races 1–3: the two packets race to confirm one conntrack "
					+ "entry, and the loser is dropped).");
		boolean allFixed = facts.kernel().basis() != KernelMatch.Basis.ASSUMED
				&& !facts.raceDrops(DnatRaceRules.RACE_1.id()) && !facts.raceDrops(DnatRaceRules.RACE_2.id())
				&& !facts.raceDrops(DnatRaceRules.RACE_3.id());
		Boolean agree = counters(facts, evidence, "query");
		if (allFixed) {
			evidence.add("This kernel resolves the three races: if the capture is from this node, the query was lost "
					+ "elsewhere.");
		}
		Severity severity = (allFixed || Boolean.FALSE.equals(agree)) ? Severity.INFO : Severity.WARNING;
		List<String> mitigations = Boolean.FALSE.equals(agree) || allFixed
				? List.of("Capture on the DNS server's side too: a query that arrives and is not answered is the "
						+ "server's; one that never arrives was lost on the way.")
				: DnatRaceRules.mitigations(facts, DnatRaceRules.RACE_3, facts.fixes().race3());
		String title = capture.source() + ": " + count + " DNS quer" + ((count == 1) ? "y" : "ies") + " lost while "
				+ ((count == 1) ? "its twin was" : "their twins were") + " answered, sent again after "
				+ String.join(", ", gaps.subList(0, Math.min(3, gaps.size()))) + ((gaps.size() > 3) ? ", …" : "")
				+ ": the signature of the conntrack races of parallel lookups";
		// The Lab replays race 1 for it: two packets of one socket racing to the confirm,
		// the first of the DNS races.
		return new Finding(DNS_LOST, severity, title, evidence, mitigations, Optional.of(DnatRaceRules.RACE_1.id()));
	}

	/**
	 * Says what the pasted counters tell of a loss at the conntrack confirm: true when
	 * insert_failed is above 0, false when it is 0, null when not pasted.
	 */
	static Boolean counters(Facts facts, List<String> evidence, String what) {
		return counters(facts, evidence, what, "capture");
	}

	/**
	 * The same, for a loss seen in {@code seen} ({@code capture}, or the timings of
	 * {@link SymptomRules}).
	 */
	static Boolean counters(Facts facts, List<String> evidence, String what, String seen) {
		if (!facts.insertFailedRead()) {
			evidence.add("A " + what + " lost to the race counts insert_failed in conntrack -S on the node: it was not "
					+ "pasted (paste conntrack -S, twice a minute apart, from the node of the " + seen + ").");
			return null;
		}
		long insertFailed = facts.total(Counter.INSERT_FAILED);
		if (insertFailed > 0) {
			evidence.add("conntrack -S: insert_failed=" + insertFailed
					+ ": the node lost inserts at the confirm, which " + "agrees with the " + seen + ".");
			return true;
		}
		evidence.add("conntrack -S: insert_failed=0: no insert was lost on the node of these counters since they "
				+ "started, so the " + what + " was lost elsewhere (or the " + seen + " is from another node).");
		return false;
	}

	/** The next sending of the same name and type from the same client, if any. */
	private static Sending resend(List<Sending> sendings, int index) {
		Sending s = sendings.get(index);
		for (int j = index + 1; j < sendings.size(); j++) {
			Sending r = sendings.get(j);
			if (r.type().equals(s.type()) && r.name().equals(s.name()) && r.first.src().equals(s.first.src())) {
				return r;
			}
		}
		return null;
	}

	/** The answer to a sending, before {@code before}. */
	private static Optional<Packet> answer(Sending s, List<Packet> answers, long before) {
		return answers.stream()
			.filter((a) -> a.id().equals(s.first.id()) && s.sockets.contains(a.to()) && a.micros() >= s.micros()
					&& a.micros() < before)
			.findFirst();
	}

	/** One TCP connection attempt: its SYNs (copies taken out). */
	private record Flow(String key, List<Packet> syns) {
	}

	private static void syn(Capture capture, Facts facts, List<Finding> findings, List<String> cuts) {
		List<Flow> flows = new ArrayList<>();
		String cut = "";
		for (Packet packet : capture.packets()) {
			if (packet.kind() != Kind.SYN || !packet.timed()) {
				continue;
			}
			String key = packet.from() + " > " + packet.to();
			Optional<Flow> flow = flows.stream().filter((f) -> f.key().equals(key)).findFirst();
			if (flow.isEmpty()) {
				boolean natCopy = !packet.id().isEmpty() && flows.stream()
					.anyMatch((f) -> f.syns()
						.stream()
						.anyMatch((p) -> p.id().equals(packet.id())
								&& Math.abs(p.micros() - packet.micros()) <= COPY_MICROS));
				if (natCopy) {
					// The same SYN seen again after NAT (another address or port): one
					// connection.
					continue;
				}
				if (flows.size() == MAX_FLOWS) {
					cut = "line " + packet.line() + ": not followed: only the first " + MAX_FLOWS
							+ " connections of a capture are followed.";
					break;
				}
				flows.add(new Flow(key, new ArrayList<>(List.of(packet))));
				continue;
			}
			List<Packet> syns = flow.get().syns();
			Packet last = syns.get(syns.size() - 1);
			if (packet.micros() - last.micros() <= COPY_MICROS || !packet.id().equals(syns.get(0).id())) {
				continue;
			}
			syns.add(packet);
		}
		List<String> evidence = new ArrayList<>();
		List<String> gaps = new ArrayList<>();
		int count = 0;
		for (Flow flow : flows) {
			List<Packet> syns = flow.syns();
			if (syns.size() < 2) {
				continue;
			}
			long first = syns.get(1).micros() - syns.get(0).micros();
			if (first < SYN_MIN_MICROS || first > SYN_MAX_MICROS) {
				continue;
			}
			count++;
			gaps.add(TcpdumpParser.seconds(first) + " s");
			if (evidence.size() >= MAX_EVENTS) {
				continue;
			}
			Packet syn = syns.get(0);
			StringBuilder event = new StringBuilder("line " + syn.line() + ": SYN " + flow.key()
					+ (syn.id().isEmpty() ? "" : " seq " + syn.id()) + "; line " + syns.get(1).line() + ": sent again "
					+ TcpdumpParser.seconds(first) + " s later" + (syn.id().isEmpty() ? "" : " (same seq)"));
			if (syns.size() > 2) {
				long second = syns.get(2).micros() - syns.get(1).micros();
				String backoff = (second >= SYN_DOUBLED_MIN_MICROS && second <= SYN_DOUBLED_MAX_MICROS)
						? " (the doubling back-off of kernels before 6.5)"
						: (second >= SYN_MIN_MICROS && second <= SYN_MAX_MICROS)
								? " (the linear back-off of 6.5 and later)" : "";
				event.append("; line ")
					.append(syns.get(2).line())
					.append(": again ")
					.append(TcpdumpParser.seconds(second))
					.append(" s after that, ")
					.append(TcpdumpParser.seconds(syns.get(2).micros() - syns.get(0).micros()))
					.append(" s after the first")
					.append(backoff);
			}
			Packet lastSyn = syns.get(syns.size() - 1);
			capture.packets()
				.stream()
				.filter((p) -> p.kind() == Kind.SYN_ACK && p.timed() && p.micros() >= lastSyn.micros()
						&& p.from().equals(syn.to()) && p.to().equals(syn.from()))
				.findFirst()
				.ifPresent((ack) -> event.append("; line ")
					.append(ack.line())
					.append(": SYN-ACK ")
					.append(TcpdumpParser.seconds(ack.micros() - lastSyn.micros()))
					.append(" s after the last SYN"));
			evidence.add(event.append('.').toString());
		}
		if (!cut.isEmpty()) {
			cuts.add(cut);
		}
		if (count == 0) {
			return;
		}
		if (count > evidence.size()) {
			evidence.add("… and " + (count - evidence.size()) + " more.");
		}
		evidence.add("A SYN re-sent after 1 s (the initial RTO; then 3 s in all, 2 s from 6.5) is a SYN lost on the "
				+ "way. The SNAT port race loses it at the conntrack confirm, after the node's MASQUERADE: that is its "
				+ "signature when the capture is taken inside the pod or on its veth. A loss anywhere else on the path "
				+ "(a checksum offload fault, the server's backlog) looks the same in a capture.");
		Boolean agree = counters(facts, evidence, "SYN");
		Severity severity = Boolean.FALSE.equals(agree) ? Severity.INFO : Severity.WARNING;
		List<String> mitigations = new ArrayList<>();
		if (agree == null) {
			mitigations.add("Paste conntrack -S from the node of the capture, twice a minute apart: the race counts "
					+ "insert_failed (and drop) for every SYN it loses.");
		}
		if (!Boolean.FALSE.equals(agree)) {
			mitigations.add("If insert_failed rises with the delays: add --random-fully to the MASQUERADE rules the "
					+ "pods' connections leave through (iptables-save -t nat shows which lack it).");
		}
		else {
			mitigations.add("Capture on the server's side and on the node's uplink to find where the SYN is lost.");
		}
		String title = capture.source() + ": " + count + " connection" + ((count == 1) ? "" : "s") + " sent "
				+ ((count == 1) ? "its" : "their") + " SYN again after "
				+ String.join(", ", gaps.subList(0, Math.min(3, gaps.size()))) + ((gaps.size() > 3) ? ", …" : "")
				+ ": a SYN lost on the way"
				+ ((agree == null) ? " (the SNAT port race's signature if insert_failed rises)"
						: agree ? ", and insert_failed shows inserts lost: the SNAT port race's signature"
								: ", and no insert lost at the conntrack confirm");
		// The Lab replays the SNAT port race for it.
		findings.add(new Finding(SYN_RESENT, severity, title, evidence, mitigations, Optional.of(SnatPortRaceRule.ID)));
	}

}
