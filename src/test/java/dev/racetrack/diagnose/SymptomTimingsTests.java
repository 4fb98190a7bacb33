package dev.racetrack.diagnose;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Tests for {@link SymptomTimings} and {@link SymptomRules}: the symptom as engineers
 * time it ({@code time nslookup}, dig's {@code Query time}, curl's {@code -w}, CoreDNS's
 * {@code i/o timeout}). The real pastes are in the corpus ({@code kube-dns-96-*},
 * {@code k8s-21604-l0neranger}, {@code coredns-5179-*}, {@code k8s-56903-ani82},
 * {@code weave-473-stonemaster}); the texts here are made up in the tools' own shapes.
 */
class SymptomTimingsTests {

	/** busybox's nslookup and time in a pod, then dig with no answer at all. */
	private static final String BUSYBOX = """
			/ # time nslookup kubernetes.default
			Server:    10.96.0.10
			Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local

			Name:      kubernetes.default
			Address 1: 10.96.0.1 kubernetes.default.svc.cluster.local
			real	0m 5.01s
			user	0m 0.00s
			sys	0m 0.00s
			/ # dig @10.96.0.10 google.com
			;; connection timed out; no servers could be reached
			""";

	private static final String CONNTRACK_NO_INSERT_FAILED = """
			# conntrack -S
			cpu=0   	found=0 invalid=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0
			""";

	private static final String CONNTRACK_INSERT_FAILED = """
			# conntrack -S
			cpu=0   	found=0 invalid=0 insert=0 insert_failed=42 drop=42 early_drop=0 error=0 search_restart=0
			""";

	private final Diagnoser diagnoser = new Diagnoser();

	private Diagnosis diagnose(String paste) {
		return this.diagnoser.diagnose(NodeSample.pasted(paste, null));
	}

	private static Optional<Finding> finding(Diagnosis diagnosis, String id) {
		return diagnosis.findings().stream().filter((f) -> f.id().equals(id)).findFirst();
	}

	private static List<String> evidence(Diagnosis diagnosis) {
		return diagnosis.findings().stream().flatMap((f) -> f.evidence().stream()).toList();
	}

	@Test
	void aLookupTimedAtFiveSecondsIsTheRacesSignatureAndSaysWhatItDoesNotProve() {
		Diagnosis diagnosis = diagnose(BUSYBOX);
		Finding lookup = finding(diagnosis, SymptomRules.LOOKUP_RETRY).orElseThrow();
		assertThat(lookup.severity()).isEqualTo(Severity.WARNING);
		assertThat(lookup.title()).startsWith("1 lookup took 5.010 s");
		assertThat(lookup.evidence())
			.anyMatch((e) -> e.startsWith("line 7: real\t0m 5.01s (nslookup kubernetes.default)"))
			.anyMatch((e) -> e.contains("A timing does not say where the packet was lost"))
			.anyMatch((e) -> e.contains("it was not pasted (paste conntrack -S, twice a minute apart"));
		assertThat(lookup.mitigations()).first().asString().startsWith("Paste conntrack -S from the pod's node");
		assertThat(lookup.mitigations()).anyMatch((m) -> m.startsWith("Paste the pod's /etc/resolv.conf"));
		assertThat(lookup.replays()).contains(DnatRaceRules.RACE_1.id());
		assertThat(diagnosis.replayUrl()).startsWith("/?scenario=dnat-race-1&");
		assertThat(diagnosis.verdict().severity()).isEqualTo(Severity.WARNING);
		assertThat(diagnosis.verdict().text()).startsWith("1 lookup took 5.010 s")
			.doesNotContain("Nothing pasted shows");
	}

	@Test
	void noServersCouldBeReachedIsEveryTryLostNotARace() {
		Finding none = finding(diagnose(BUSYBOX), SymptomRules.NO_ANSWER).orElseThrow();
		assertThat(none.severity()).isEqualTo(Severity.WARNING);
		assertThat(none.title()).contains("the DNS server or the path to it, not a conntrack race");
		assertThat(none.evidence()).first()
			.isEqualTo("line 11: no servers could be reached (dig @10.96.0.10 google.com).");
		assertThat(none.replays()).isEmpty();
	}

	@Test
	void theToolsOutputAroundATimingIsReadNotListedAsUnread() {
		Diagnoser.Reading reading = this.diagnoser.read(NodeSample.pasted(BUSYBOX, null));
		for (int line : new int[] { 2, 3, 5, 6, 7, 8, 9, 11 }) {
			assertThat(reading.disposition(NodeSample.PASTE, line)).as("line " + line)
				.isEqualTo(PasteReader.Disposition.READ);
		}
		assertThat(reading.diagnosis().read()).contains("lookup and connect timings: lines 2–11");
	}

	@Test
	void bashsRealOfATimedGetentIsALookup() {
		Diagnosis diagnosis = diagnose("""
				$ time getent hosts api.example.com
				10.0.0.7        api.example.com

				real	0m5.021s
				user	0m0.001s
				sys	0m0.002s
				""");
		assertThat(finding(diagnosis, SymptomRules.LOOKUP_RETRY)).hasValueSatisfying(
				(f) -> assertThat(f.evidence()).first().asString().contains("(getent hosts api.example.com): 5.021 s"));
	}

	@Test
	void digsQueryTimeIsALookupAndFastOnesAreOnlyInfo() {
		assertThat(finding(diagnose("$ dig kubernetes.default.svc.cluster.local\n;; Query time: 5004 msec\n"),
				SymptomRules.LOOKUP_RETRY))
			.isPresent();
		Diagnosis fast = diagnose("$ dig kubernetes.default.svc.cluster.local\n;; Query time: 3 msec\n");
		assertThat(finding(fast, SymptomRules.LOOKUP_RETRY)).isEmpty();
		assertThat(finding(fast, SymptomRules.TIMED)).hasValueSatisfying((f) -> {
			assertThat(f.severity()).isEqualTo(Severity.INFO);
			assertThat(f.title()).contains("the slowest 0.003 s: none waited");
		});
		assertThat(fast.verdict().severity()).isEqualTo(Severity.INFO);
		assertThat(fast.verdict().text()).startsWith("1 lookup and request timed, the slowest 0.003 s");
	}

	@Test
	void curlsJsonTimingsAreRead() {
		Diagnosis diagnosis = diagnose("""
				$ curl --silent --write-out '%{json}' "$URL" -o /dev/null | jq . | grep time
				  "time_total": 5.360595,
				  "time_namelookup": 5.301959,
				  "time_connect": 5.329906,
				""");
		assertThat(finding(diagnosis, SymptomRules.LOOKUP_RETRY))
			.hasValueSatisfying((f) -> assertThat(f.title()).startsWith("1 lookup took 5.302 s"));
	}

	@Test
	void aDigSERVFAILAfterFiveSecondsIsTheServerGivingUp() {
		Diagnosis diagnosis = diagnose("""
				$ dig example.com
				;; ->>HEADER<<- opcode: QUERY, status: SERVFAIL, id: 41523
				;; Query time: 5002 msec
				""");
		assertThat(evidence(diagnosis)).anyMatch((e) -> e.contains("dig's answer is SERVFAIL: the server gave up"));
	}

	@Test
	void curlsConnectLessItsLookupAtOneSecondIsTheSnatPortRacesSignature() {
		Diagnosis diagnosis = diagnose("""
				$ curl -o /dev/null -s -w "@curl-format.txt" http://10.0.0.7/
				    time_namelookup:  0.004
				       time_connect:  1.038
				         time_total:  1.050
				""");
		Finding connect = finding(diagnosis, SymptomRules.CONNECT_RETRY).orElseThrow();
		assertThat(connect.title()).startsWith("1 connect took 1.034 s: a SYN lost and sent again");
		assertThat(connect.evidence()).first()
			.asString()
			.startsWith("line 3: time_connect: 1.038 less time_namelookup: 0.004");
		assertThat(connect.replays()).contains(SnatPortRaceRule.ID);
		assertThat(diagnosis.replayUrl()).startsWith("/?scenario=snat-port-race&");
		assertThat(finding(diagnosis, SymptomRules.LOOKUP_RETRY)).isEmpty();
	}

	@Test
	void aConnectOfThreeSecondsIsTwoSynsBeforeLinux65AndTwoSecondsFrom65() {
		assertThat(evidence(diagnose("time_namelookup: 0.002 time_connect: 3.050\n")))
			.anyMatch((e) -> e.contains("two SYN retransmissions before Linux 6.5 (1 s, then 2 s: 3 s)"));
		assertThat(evidence(diagnose("time_namelookup: 0.002 time_connect: 2.040\n")))
			.anyMatch((e) -> e.contains("two SYN retransmissions of Linux 6.5 and later"));
	}

	@Test
	void muslsRetryIntervalAndTwoTimeoutsAreRead() {
		assertThat(evidence(diagnose("/ # time nslookup redis\nreal\t0m 2.51s\n")))
			.anyMatch((e) -> e.contains("musl's retry interval (timeout/attempts, 2.5 s)"));
		assertThat(evidence(diagnose("/ # time nslookup redis\nreal\t0m 10.02s\n")))
			.anyMatch((e) -> e.contains("two resolver timeouts (10 s)"));
	}

	@Test
	void thePastedResolvConfSetsTheWait() {
		Diagnosis diagnosis = diagnose("""
				$ cat /etc/resolv.conf
				nameserver 10.96.0.10
				options timeout:2 attempts:2
				$ time getent hosts redis
				real	0m2.013s
				""");
		assertThat(evidence(diagnosis)).anyMatch((e) -> e.contains("one resolver timeout (2 s"))
			.anyMatch((e) -> e.contains("(2 s, from the resolv.conf pasted)"));
		assertThat(finding(diagnosis, SymptomRules.LOOKUP_RETRY).orElseThrow().mitigations())
			.noneMatch((m) -> m.startsWith("Paste the pod's /etc/resolv.conf"));
	}

	@Test
	void theCountersSayWhetherTheLossWasAtTheConntrackConfirm() {
		Finding none = finding(diagnose(BUSYBOX + CONNTRACK_NO_INSERT_FAILED), SymptomRules.LOOKUP_RETRY).orElseThrow();
		assertThat(none.title()).endsWith("and no insert lost at the conntrack confirm");
		assertThat(none.evidence()).anyMatch((e) -> e.startsWith("conntrack -S: insert_failed=0"));
		assertThat(none.mitigations()).anyMatch((m) -> m.startsWith("Capture in the pod and on the DNS server's side"))
			.noneMatch((m) -> m.startsWith("Paste conntrack -S"));
		Finding lost = finding(diagnose(BUSYBOX + CONNTRACK_INSERT_FAILED), SymptomRules.LOOKUP_RETRY).orElseThrow();
		assertThat(lost.title()).endsWith("insert_failed shows inserts lost: the conntrack races' signature");
		assertThat(lost.evidence()).anyMatch((e) -> e.startsWith("conntrack -S: insert_failed=42"));
	}

	@Test
	void aLoopOfCurlWithItsOwnFormatIsReadLineByLine() {
		Diagnosis diagnosis = diagnose(
				"""
						$ for i in $(seq 1 4); do curl -s -o /dev/null -w "dns=%{time_namelookup} connect=%{time_connect}\\n" http://web; done
						dns=0.004 connect=0.005
						dns=5.013 connect=5.014
						dns=0.003 connect=0.004
						dns=0.004 connect=1.009
						""");
		assertThat(finding(diagnosis, SymptomRules.LOOKUP_RETRY))
			.hasValueSatisfying((f) -> assertThat(f.title()).startsWith("1 of 4 lookups timed took 5.013 s"));
		assertThat(finding(diagnosis, SymptomRules.CONNECT_RETRY))
			.hasValueSatisfying((f) -> assertThat(f.title()).startsWith("1 of 4 connects timed took 1.005 s"));
	}

	@Test
	void anotherCommandTimedIsNotALookup() {
		Diagnosis diagnosis = diagnose("$ time kubectl get pods\nreal\t0m5.012s\n");
		assertThat(finding(diagnosis, SymptomRules.LOOKUP_RETRY)).isEmpty();
		assertThat(finding(diagnosis, SymptomRules.TIMED)).hasValueSatisfying(
				(f) -> assertThat(f.title()).isEqualTo("1 command timed, none a lookup or a connection"));
	}

	@Test
	void coreDnsUpstreamTimeoutsAreCoreDnsOwnNotThePodsRace() {
		Diagnosis diagnosis = diagnose("""
				$ kubectl -n kube-system logs coredns-5d78c9869d-4xkqz
				[ERROR] plugin/errors: 2 google.com. A: read udp 10.244.0.3:37215->8.8.8.8:53: i/o timeout
				[ERROR] plugin/errors: 2 google.com. AAAA: read udp 10.244.0.3:52113->8.8.8.8:53: i/o timeout
				""");
		Finding upstream = finding(diagnosis, SymptomRules.UPSTREAM_TIMEOUT).orElseThrow();
		assertThat(upstream.severity()).isEqualTo(Severity.WARNING);
		assertThat(upstream.title()).isEqualTo(
				"CoreDNS: 2 queries to its upstream 8.8.8.8:53 timed out: the upstream or the path from CoreDNS to it, "
						+ "not the pod's lookup race");
		assertThat(upstream.replays()).isEmpty();
		assertThat(finding(diagnosis, SymptomRules.LOOKUP_RETRY)).isEmpty();
		Finding probes = finding(diagnose(
				"[ERROR] plugin/errors: 2 3797952284163317497.7063757873447144811. HINFO: read udp 192.168.209.17:36807->20.128.8.8:53: i/o timeout\n"),
				SymptomRules.UPSTREAM_TIMEOUT)
			.orElseThrow();
		assertThat(probes.severity()).isEqualTo(Severity.INFO);
	}

	@Test
	void timingsAreBounded() {
		String paste = "$ dig redis\n" + ";; Query time: 5004 msec\n".repeat(SymptomTimings.MAX_TIMINGS + 200);
		PasteReader.Sorted sorted = PasteReader.read(paste);
		SymptomTimings.Symptoms symptoms = SymptomTimings.parse(sorted.of(PasteFormat.SYMPTOM), sorted.commands());
		assertThat(symptoms.timings()).hasSize(SymptomTimings.MAX_TIMINGS);
		assertThat(symptoms.left()).isEqualTo(200);
		Finding lookup = finding(diagnose(paste), SymptomRules.LOOKUP_RETRY).orElseThrow();
		assertThat(lookup.evidence()).contains(
				"… and " + (SymptomTimings.MAX_TIMINGS - SymptomRules.MAX_EVENTS) + " more.",
				"Not read: 200 more timings past the first " + SymptomTimings.MAX_TIMINGS + ".");
	}

	/**
	 * A {@code -w} format is matched in one pass: built as a regular expression with a
	 * lazy group per variable, five variables against a line of 300 characters that is
	 * not the format's backtracked for more than 20 s (measured), and a paste of such
	 * lines held a thread for as long as its bytes allowed. The bound here is not a
	 * timing to meet but the line between one pass and the old search.
	 */
	@Test
	void aWriteOutFormatIsMatchedInOnePassWhateverItsVariables() {
		String command = "curl -s -o /dev/null -w \"" + "%{http_code}".repeat(60) + "%{time_total}\" http://web";
		String line = "a".repeat(SymptomTimings.MAX_FORMAT_LINE - 1) + "!";
		assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
			for (int i = 0; i < 200; i++) {
				assertThat(SymptomTimings.formatMatch(command, line)).isEmpty();
			}
		});
		// what it reads still reads
		assertThat(SymptomTimings.formatMatch("curl -w \"%{http_code} dns=%{time_namelookup}s total %{time_total}\" x",
				"200 dns=5.012s total  5.113"))
			.containsEntry("namelookup", "5.012")
			.containsEntry("total", "5.113");
		assertThat(SymptomTimings.formatMatch("curl -w \"%{http_code}%{time_total}\" x", "200 5.1")).isEmpty();
	}

}
