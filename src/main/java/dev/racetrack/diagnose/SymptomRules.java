package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import dev.racetrack.diagnose.SymptomTimings.Kind;
import dev.racetrack.diagnose.SymptomTimings.Symptoms;
import dev.racetrack.diagnose.SymptomTimings.Timing;
import dev.racetrack.diagnose.SymptomTimings.Unanswered;
import dev.racetrack.diagnose.SymptomTimings.UpstreamTimeout;

/**
 * What the symptom's own timings are the signature of ({@link SymptomTimings};
 * {@code src/docs/netfilter-races.md} §6, item 13; the waits in {@link RetryTimes}):
 * <ul>
 * <li>a lookup that took about the resolver's timeout (5 s; 10 s: two) or musl's retry
 * interval (2.5 s) lost a query or its answer and got through on the retry: the signature
 * of the UDP conntrack races of parallel lookups (races 1–3), and of any other loss;</li>
 * <li>a connect that took about 1 s (3 s before Linux 6.5, 2 s from 6.5: twice) sent its
 * SYN again: the SNAT port race's signature, and any other SYN lost;</li>
 * <li>{@code no servers could be reached}: every try lost, which the races, losing one of
 * two packets, do not do;</li>
 * <li>CoreDNS's {@code i/o timeout} to its upstream: CoreDNS's own query, not the pod's
 * race.</li>
 * </ul>
 * A timing says how long, not where the packet was lost: each finding says so, and asks
 * for the counters that tell ({@code conntrack -S}, twice) and the pod's resolv.conf.
 */
final class SymptomRules {

	static final String LOOKUP_RETRY = "symptom-lookup-retry";

	static final String CONNECT_RETRY = "symptom-connect-retry";

	static final String NO_ANSWER = "symptom-no-answer";

	static final String UPSTREAM_TIMEOUT = "symptom-coredns-upstream-timeout";

	static final String TIMED = "symptom-timed";

	/** The ids, in the order of {@link Diagnoser#ORDER}. */
	static final List<String> IDS = List.of(LOOKUP_RETRY, CONNECT_RETRY, NO_ANSWER, UPSTREAM_TIMEOUT, TIMED);

	/** The most events quoted as evidence. */
	static final int MAX_EVENTS = 5;

	private SymptomRules() {
	}

	/** A timing read as the wait it holds. */
	private record Reading(Timing timing, Kind kind, String held) {
	}

	static List<Finding> assess(Symptoms symptoms, Facts facts) {
		List<Finding> findings = new ArrayList<>();
		if (!symptoms.read()) {
			return findings;
		}
		List<Reading> lookups = new ArrayList<>();
		List<Reading> connects = new ArrayList<>();
		for (Timing timing : symptoms.timings()) {
			read(timing, facts.resolver()).ifPresent((r) -> ((r.kind() == Kind.CONNECT) ? connects : lookups).add(r));
		}
		long timedLookups = symptoms.timings()
			.stream()
			.filter((t) -> t.kind() == Kind.LOOKUP || t.kind() == Kind.REQUEST)
			.count();
		long timedConnects = symptoms.timings().stream().filter((t) -> t.kind() == Kind.CONNECT).count();
		if (!lookups.isEmpty()) {
			findings.add(lookupFinding(lookups, timedLookups, facts, symptoms.left()));
		}
		if (!connects.isEmpty()) {
			findings.add(connectFinding(connects, timedConnects, facts, symptoms.left()));
		}
		if (!symptoms.unanswered().isEmpty()) {
			findings.add(noAnswerFinding(symptoms.unanswered(), facts));
		}
		if (!symptoms.upstream().isEmpty()) {
			findings.add(upstreamFinding(symptoms.upstream()));
		}
		if (lookups.isEmpty() && connects.isEmpty() && !symptoms.timings().isEmpty()) {
			findings.add(timedFinding(symptoms.timings(), facts));
		}
		return findings;
	}

	/**
	 * The wait a timing holds, if it holds one: for a lookup, the resolver's timeout (or
	 * two) or musl's retry interval; for a connect, one or two SYN retransmissions; for a
	 * whole request, the lookup's timeouts, one SYN retransmission, musl's interval below
	 * 2.7 s, and two SYN retransmissions above.
	 */
	private static Optional<Reading> read(Timing timing, ResolverConfig resolver) {
		long d = timing.micros();
		long timeout = RetryTimes.timeoutMicros(resolver);
		long musl = RetryTimes.muslIntervalMicros(resolver);
		boolean attemptsAbove1 = RetryTimes.attempts(resolver) > 1;
		String t = RetryTimes.trim(TcpdumpParser.seconds(timeout));
		String m = RetryTimes.trim(TcpdumpParser.seconds(musl));
		String glibc = "one resolver timeout (" + t + " s, read within "
				+ RetryTimes.window(timeout - RetryTimes.SLACK_MICROS, timeout + RetryTimes.DURATION_EXTRA_MICROS)
				+ ")";
		String two = "two resolver timeouts (" + RetryTimes.trim(TcpdumpParser.seconds(2 * timeout)) + " s)";
		String muslWait = "musl's retry interval (timeout/attempts, " + m + " s)";
		switch (timing.kind()) {
			case LOOKUP -> {
				if (RetryTimes.durationNear(d, timeout)) {
					return Optional.of(new Reading(timing, Kind.LOOKUP, glibc));
				}
				if (RetryTimes.durationNear(d, 2 * timeout)) {
					return Optional.of(new Reading(timing, Kind.LOOKUP, two));
				}
				if (attemptsAbove1 && RetryTimes.durationNear(d, musl)) {
					return Optional.of(new Reading(timing, Kind.LOOKUP, muslWait));
				}
			}
			case CONNECT -> {
				if (RetryTimes.oneSynLost(d)) {
					return Optional.of(new Reading(timing, Kind.CONNECT, "one SYN retransmission (1 s)"));
				}
				if (RetryTimes.twoSynsLostLinear(d)) {
					return Optional.of(new Reading(timing, Kind.CONNECT,
							"two SYN retransmissions of Linux 6.5 and later (1 s, then 1 s)"));
				}
				if (RetryTimes.twoSynsLostDoubling(d)) {
					return Optional.of(new Reading(timing, Kind.CONNECT,
							"two SYN retransmissions before Linux 6.5 (1 s, then 2 s: 3 s)"));
				}
			}
			case REQUEST -> {
				if (RetryTimes.durationNear(d, timeout)) {
					return Optional.of(new Reading(timing, Kind.LOOKUP, glibc + " in the request's lookup"));
				}
				if (RetryTimes.durationNear(d, 2 * timeout)) {
					return Optional.of(new Reading(timing, Kind.LOOKUP, two + " in the request's lookup"));
				}
				if (RetryTimes.oneSynLost(d)) {
					return Optional.of(new Reading(timing, Kind.CONNECT, "one SYN retransmission (1 s) in the "
							+ "request's connect (the whole request timed: its lookup and transfer are in it too)"));
				}
				if (attemptsAbove1 && d >= musl - RetryTimes.SLACK_MICROS
						&& d < RetryTimes.SYN_MIN_MICROS + RetryTimes.SYN_DOUBLED_MIN_MICROS) {
					return Optional.of(new Reading(timing, Kind.LOOKUP, muslWait
							+ " in the request's lookup (or two SYNs re-sent on 6.5 and later: the whole request timed)"));
				}
				if (RetryTimes.twoSynsLostDoubling(d)) {
					return Optional.of(new Reading(timing, Kind.CONNECT, "two SYN retransmissions before Linux 6.5 "
							+ "(3 s) in the request's connect (or musl's lookup retry: the whole request timed)"));
				}
			}
			default -> {
			}
		}
		return Optional.empty();
	}

	private static String event(Reading reading) {
		Timing t = reading.timing();
		return "line " + t.line() + ": " + t.shown() + (t.command().isEmpty() ? "" : " (" + shorten(t.command()) + ")")
				+ ": " + seconds(t.micros()) + " s, " + reading.held()
				+ (t.status().equals("SERVFAIL")
						? "; dig's answer is SERVFAIL: the server gave up (a CoreDNS waiting on its upstream answers "
								+ "late with SERVFAIL), not a packet of the pod's lost on the way"
						: "")
				+ ".";
	}

	/** {@code 5.010}: a duration in seconds, to the millisecond. */
	private static String seconds(long micros) {
		return String.format(Locale.ROOT, "%.3f", micros / 1_000_000.0);
	}

	private static String shorten(String command) {
		return (command.length() > 100) ? command.substring(0, 100) + "…" : command;
	}

	private static List<String> events(List<Reading> readings, int left) {
		List<String> evidence = new ArrayList<>();
		readings.stream().limit(MAX_EVENTS).forEach((r) -> evidence.add(event(r)));
		if (readings.size() > MAX_EVENTS) {
			evidence.add("… and " + (readings.size() - MAX_EVENTS) + " more.");
		}
		if (left > 0) {
			evidence.add("Not read: " + left + " more timings past the first " + SymptomTimings.MAX_TIMINGS + ".");
		}
		return evidence;
	}

	/** {@code 5.010 s, 5.200 s, …}: the first three durations. */
	private static String durations(List<Reading> readings) {
		return String.join(", ", readings.stream().limit(3).map((r) -> seconds(r.timing().micros()) + " s").toList())
				+ ((readings.size() > 3) ? ", …" : "");
	}

	private static String ofTimed(int found, long timed, String what) {
		return ((timed > found) ? found + " of " + timed + " " + what + "s timed"
				: found + " " + what + ((found == 1) ? "" : "s"));
	}

	private static Finding lookupFinding(List<Reading> lookups, long timed, Facts facts, int left) {
		List<String> evidence = events(lookups, left);
		String t = RetryTimes.trim(TcpdumpParser.seconds(RetryTimes.timeoutMicros(facts.resolver())));
		evidence.add("A resolver that gets no answer waits its timeout (" + t + " s"
				+ (facts.resolver().present() ? ", from the resolv.conf pasted"
						: ": glibc's, dig's and nslookup's default")
				+ ") before it sends the query again; musl sends again every timeout/attempts ("
				+ RetryTimes.trim(TcpdumpParser.seconds(RetryTimes.muslIntervalMicros(facts.resolver()))) + " s). "
				+ "A lookup that took that long lost a query or its answer and got through on the retry: the "
				+ "signature of the UDP conntrack races of parallel lookups (races 1–3: A and AAAA sent at once from "
				+ "one socket race to confirm one conntrack entry, and the loser is dropped).");
		evidence.add("A timing does not say where the packet was lost: a query or answer lost anywhere (a DNS server "
				+ "too busy to answer, a lossy path, a CoreDNS waiting on its upstream) takes the same time. A capture "
				+ "in the pod (tcpdump -nn -i any udp port 53: A and AAAA sent together, one answered, the other sent "
				+ "again " + t + " s later) or insert_failed rising on the node tells the races.");
		Boolean agree = CaptureRules.counters(facts, evidence, "query", "timed lookup");
		boolean allFixed = facts.kernel().basis() != KernelMatch.Basis.ASSUMED
				&& !facts.raceDrops(DnatRaceRules.RACE_1.id()) && !facts.raceDrops(DnatRaceRules.RACE_2.id())
				&& !facts.raceDrops(DnatRaceRules.RACE_3.id());
		if (allFixed) {
			evidence.add("This kernel resolves the three races: if the lookups are from this node, their packets were "
					+ "lost elsewhere.");
		}
		List<String> mitigations = new ArrayList<>();
		if (agree == null) {
			mitigations.add("Paste conntrack -S from the pod's node, twice a minute apart: insert_failed rises with "
					+ "every query the races drop.");
		}
		if (!facts.resolver().present()) {
			mitigations.add("Paste the pod's /etc/resolv.conf (kubectl exec POD -- cat /etc/resolv.conf): its timeout "
					+ "and attempts set these waits, its options whether A and AAAA share a socket.");
		}
		if (Boolean.FALSE.equals(agree) || allFixed) {
			mitigations.add("Capture in the pod and on the DNS server's side: a query that arrives and is not answered "
					+ "is the server's; one that never arrives was lost on the way.");
		}
		else {
			mitigations.addAll(DnatRaceRules.mitigations(facts, DnatRaceRules.RACE_3, facts.fixes().race3()));
		}
		String title = ofTimed(lookups.size(), timed, "lookup") + " took " + durations(lookups)
				+ ": a query lost and sent again after the resolver's wait"
				+ ((agree == null) ? " (the conntrack races of parallel lookups if insert_failed rises)"
						: agree ? ", and insert_failed shows inserts lost: the conntrack races' signature"
								: ", and no insert lost at the conntrack confirm");
		// The Lab replays race 1 for it, as for the capture's lost query.
		return new Finding(LOOKUP_RETRY, Severity.WARNING, title, evidence, mitigations,
				Optional.of(DnatRaceRules.RACE_1.id()));
	}

	private static Finding connectFinding(List<Reading> connects, long timed, Facts facts, int left) {
		List<String> evidence = events(connects, left);
		evidence.add("A connect that took 1 s sent its SYN again after the initial RTO (then 3 s in all before Linux "
				+ "6.5, 2 s from 6.5): a SYN, or its SYN-ACK, lost on the way. The SNAT port race loses it at the "
				+ "conntrack confirm, after the node's MASQUERADE.");
		evidence.add("A timing does not say where the SYN was lost: one lost anywhere else (the server's full "
				+ "backlog, a checksum offload fault, a lossy link) takes the same time. insert_failed rising on the "
				+ "node, or a capture in the pod and on the node's uplink, tells the race.");
		Boolean agree = CaptureRules.counters(facts, evidence, "SYN", "timed connect");
		List<String> mitigations = new ArrayList<>();
		if (agree == null) {
			mitigations.add("Paste conntrack -S from the pod's node, twice a minute apart: the race counts "
					+ "insert_failed (and drop) for every SYN it loses.");
		}
		if (!Boolean.FALSE.equals(agree)) {
			mitigations.add("If insert_failed rises with the delays: add --random-fully to the MASQUERADE rules the "
					+ "pods' connections leave through (iptables-save -t nat shows which lack it).");
		}
		else {
			mitigations.add("Capture in the pod, on the node's uplink and on the server's side to find where the SYN "
					+ "is lost.");
		}
		String title = ofTimed(connects.size(), timed, "connect") + " took " + durations(connects)
				+ ": a SYN lost and sent again"
				+ ((agree == null) ? " (the SNAT port race's signature if insert_failed rises)"
						: agree ? ", and insert_failed shows inserts lost: the SNAT port race's signature"
								: ", and no insert lost at the conntrack confirm");
		return new Finding(CONNECT_RETRY, Severity.WARNING, title, evidence, mitigations,
				Optional.of(SnatPortRaceRule.ID));
	}

	private static Finding noAnswerFinding(List<Unanswered> unanswered, Facts facts) {
		List<String> evidence = new ArrayList<>();
		unanswered.stream()
			.limit(MAX_EVENTS)
			.forEach((u) -> evidence.add("line " + u.line() + ": no servers could be reached"
					+ (u.command().isEmpty() ? "" : " (" + shorten(u.command()) + ")") + "."));
		if (unanswered.size() > MAX_EVENTS) {
			evidence.add("… and " + (unanswered.size() - MAX_EVENTS) + " more.");
		}
		evidence.add("Every try of the lookup went unanswered (dig and nslookup try again after their timeout, 5 s "
				+ "by default): the DNS server does not answer, the path to it loses every packet, or every try was "
				+ "lost. The conntrack races lose one of two packets sent at once, and the retry gets through: a "
				+ "lookup with no answer at all is not their signature.");
		List<String> mitigations = new ArrayList<>();
		mitigations.add("Look at the DNS server and the path to it: kubectl -n kube-system get pods -l "
				+ "k8s-app=kube-dns -o wide and kubectl -n kube-system get endpoints kube-dns (a DNS service with no "
				+ "ready endpoint fails every lookup), then dig @<a CoreDNS pod's IP> from the pod: an answer there "
				+ "and none through the service's address points at the service's path (kube-proxy's rules).");
		if (!facts.resolver().present()) {
			mitigations.add("Paste the pod's /etc/resolv.conf (kubectl exec POD -- cat /etc/resolv.conf): the "
					+ "nameserver it asks.");
		}
		String title = unanswered.size() + " lookup" + ((unanswered.size() == 1) ? "" : "s")
				+ " got no answer at all (no servers could be reached): the DNS server or the path to it, not a "
				+ "conntrack race";
		return new Finding(NO_ANSWER, Severity.WARNING, title, evidence, mitigations);
	}

	private static Finding upstreamFinding(List<UpstreamTimeout> timeouts) {
		Map<String, Integer> upstreams = new LinkedHashMap<>();
		timeouts.forEach((t) -> upstreams.merge(t.upstream(), 1, Integer::sum));
		List<String> evidence = new ArrayList<>();
		timeouts.stream()
			.limit(MAX_EVENTS)
			.forEach((t) -> evidence.add("line " + t.line() + ": CoreDNS asked " + t.upstream() + " for " + t.name()
					+ " " + t.type() + (t.from().isEmpty() ? "" : " from " + t.from())
					+ " and got no answer in time (i/o timeout)."));
		if (timeouts.size() > MAX_EVENTS) {
			evidence.add("… and " + (timeouts.size() - MAX_EVENTS) + " more.");
		}
		evidence.add("These lines are CoreDNS's own: it forwarded a lookup to its upstream and got no answer before "
				+ "its timeout: the upstream did not answer, or the query or its answer was lost between CoreDNS and "
				+ "the upstream. The pod's query reached CoreDNS: these lines are not the races of the pod's A and "
				+ "AAAA, and the pod gets a late SERVFAIL or tries again.");
		boolean allProbes = timeouts.stream().allMatch((t) -> t.type().equals("HINFO"));
		if (allProbes) {
			evidence.add("Every one is an HINFO query: the loop plugin's probe at start-up; an upstream that ignores "
					+ "HINFO logs these while the lookups work.");
		}
		String title = "CoreDNS: " + timeouts.size() + " quer" + ((timeouts.size() == 1) ? "y" : "ies")
				+ " to its upstream " + String.join(", ", upstreams.keySet().stream().limit(3).toList())
				+ ((upstreams.size() > 3) ? ", …" : "")
				+ " timed out: the upstream or the path from CoreDNS to it, not the pod's lookup race";
		List<String> mitigations = List.of(
				"Ask the upstream directly, from a pod and from CoreDNS's node (dig @" + firstAddress(timeouts) + " "
						+ timeouts.get(0).name() + "): no answer from the node either points at the upstream "
						+ "or the node's path; an answer from the node and none from a pod at the pods' way out "
						+ "(their masquerade).",
				"Paste conntrack -S from CoreDNS's node, twice a minute apart: a query lost at the conntrack confirm "
						+ "there counts insert_failed.");
		return new Finding(UPSTREAM_TIMEOUT, allProbes ? Severity.INFO : Severity.WARNING, title, evidence,
				mitigations);
	}

	private static String firstAddress(List<UpstreamTimeout> timeouts) {
		String upstream = timeouts.get(0).upstream();
		int colon = upstream.lastIndexOf(':');
		return (colon > 0) ? upstream.substring(0, colon) : upstream;
	}

	private static Finding timedFinding(List<Timing> timings, Facts facts) {
		List<Timing> read = timings.stream().filter((t) -> t.kind() != Kind.OTHER).toList();
		List<String> evidence = new ArrayList<>();
		String title;
		if (read.isEmpty()) {
			title = timings.size() + " command" + ((timings.size() == 1) ? "" : "s")
					+ " timed, none a lookup or a connection";
			evidence.add("line " + timings.get(0).line() + ": " + timings.get(0).shown()
					+ (timings.get(0).command().isEmpty() ? " (the command timed is not pasted above it)"
							: " (" + shorten(timings.get(0).command()) + ")")
					+ ": not read as a lookup or a connection.");
		}
		else {
			Timing slowest = read.stream().max(Comparator.comparingLong(Timing::micros)).get();
			title = read.size() + " lookup" + ((read.size() == 1) ? "" : "s") + " and request"
					+ ((read.size() == 1) ? "" : "s") + " timed, the slowest " + seconds(slowest.micros())
					+ " s: none waited for a lost packet to be sent again";
			evidence.add("line " + slowest.line() + ": " + slowest.shown()
					+ (slowest.command().isEmpty() ? "" : " (" + shorten(slowest.command()) + ")") + ", the slowest.");
			String t = RetryTimes.trim(TcpdumpParser.seconds(RetryTimes.timeoutMicros(facts.resolver())));
			evidence.add("A lost query costs the resolver's timeout (" + t + " s) or musl's retry interval ("
					+ RetryTimes.trim(TcpdumpParser.seconds(RetryTimes.muslIntervalMicros(facts.resolver())))
					+ " s), a lost SYN 1 s (3 s for two): "
					+ ((slowest.micros() > RetryTimes.SYN_MAX_MICROS)
							? "the slowest is none of these: a slow answer (the server, its upstream) rather than "
									+ "a packet lost and sent again."
							: "none of these timings is that slow."));
		}
		return new Finding(TIMED, Severity.INFO, title, evidence, List.of());
	}

}
