package dev.racetrack.diagnose;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TsharkParser}: tshark's one-line summary read into the capture
 * {@link CaptureRules} judges, and every capture of a form judged ({@link Diagnoser}).
 * The two corpus pastes are real (d2iq-archive/mesos-dns#102,
 * kubernetes-sigs/external-dns #2027); no real tshark paste with a lost or re-sent query
 * or SYN was found in the stored threads, so those signatures are tested on real tcpdump
 * captures of the corpus (acs-engine#3546, kubernetes#90854) written out again as tshark
 * prints them: same addresses, ids (in hex), flags and times (relative to the first
 * frame), said at each.
 */
class TsharkTests {

	/**
	 * d2iq-archive/mesos-dns#102 (cbuben, 2015-03-16, tshark 1.x on docker0): an A and an
	 * AAAA query, both answered, one line prefixed by tshark's running count.
	 */
	private static final String MESOS_DNS_102 = "/diagnose/corpus/mesos-dns-102-cbuben.txt";

	/**
	 * kubernetes-sigs/external-dns#2027 (wajika, 2021-03-26, ksniff's capture read by
	 * tshark): the time column in whole seconds.
	 */
	private static final String EXTERNAL_DNS_2027 = "/diagnose/corpus/external-dns-2027-wajika.txt";

	/**
	 * acs-engine#3546's four packets (tcpdump -vvv in the pod, 2018) as tshark prints
	 * them: 1272 and 6911 are 0x04f8 and 0x1aff; the pod is 10.200.0.10 (the capture's
	 * filter); kube-dns's address, printed by name in the paste, is made up.
	 */
	private static final String LOST_QUERY = """
			$ tshark -n -i any -f "port 53"
			    1 0.000000000  10.200.0.10 → 10.0.0.10    DNS 86 Standard query 0x04f8 A abstraction.fr.default.svc.cluster.local
			    2 0.000142000  10.200.0.10 → 10.0.0.10    DNS 86 Standard query 0x1aff AAAA abstraction.fr.default.svc.cluster.local
			    3 0.001737000    10.0.0.10 → 10.200.0.10  DNS 179 Standard query response 0x1aff No such name AAAA abstraction.fr.default.svc.cluster.local SOA ns.dns.cluster.local
			    4 5.005034000  10.200.0.10 → 10.0.0.10    DNS 86 Standard query 0x04f8 A abstraction.fr.default.svc.cluster.local
			""";

	/**
	 * kubernetes#90854's SYN, its re-send 1.055 s later and the SYN-ACK (tcpdump -nn on
	 * flannel.1, 2020) as tshark prints them, with its relative seq.
	 */
	private static final String SYN_RESENT = """
			    1 0.000000000 198.18.103.0 → 198.18.102.10 TCP 74 13758 → 80 [SYN] Seq=0 Win=43690 Len=0 MSS=65495 SACK_PERM=1 TSval=2631200673 TSecr=0 WS=128
			    2 1.055252000 198.18.103.0 → 198.18.102.10 TCP 74 [TCP Retransmission] 13758 → 80 [SYN] Seq=0 Win=43690 Len=0 MSS=65495 SACK_PERM=1 TSval=2631201728 TSecr=0 WS=128
			    3 1.056092000 198.18.102.10 → 198.18.103.0 TCP 74 80 → 13758 [SYN, ACK] Seq=0 Ack=1 Win=27960 Len=0 MSS=1410 SACK_PERM=1 TSval=2955153471 TSecr=2631201728 WS=128
			""";

	/**
	 * Wireshark's summary without an arrow, its column header above: verbatim from
	 * novastone-media/MQTT-Client-Framework#10 (ckrey, 2014-06-29).
	 */
	private static final String WIRESHARK_SUMMARY = """
			No.     Time           Source                Destination           Protocol Length Info
			     66 6.550919000    192.168.178.25        107.20.203.175        TCP      78     49877 > ibm-mqisdp [SYN] Seq=0 Win=65535 Len=0 MSS=1460 WS=16 TSval=601755386 TSecr=0 SACK_PERM=1
			""";

	private final Diagnoser diagnoser = new Diagnoser();

	private static String corpus(String path) throws Exception {
		return Files.readString(Paths.get(TsharkTests.class.getResource(path).toURI()));
	}

	private Diagnosis diagnose(String paste) {
		return this.diagnoser.diagnose(NodeSample.pasted(paste, null));
	}

	private static TcpdumpParser.Capture capture(String paste) {
		PasteReader.Sorted sorted = PasteReader.read(paste);
		return TsharkParser.parse(sorted.of(PasteFormat.TSHARK), sorted.commands());
	}

	private static Finding finding(Diagnosis diagnosis, String id) {
		return diagnosis.findings().stream().filter((f) -> f.id().equals(id)).findFirst().orElseThrow();
	}

	@Test
	void summaryLinesAndTsharksMessagesAreReadAsTshark() throws Exception {
		PasteReader.Sorted sorted = PasteReader.read(corpus(MESOS_DNS_102));
		// 13, 14: "Running as user …", "Capturing on 'docker0'"; 18, 19: after the count.
		assertThat(sorted.of(PasteFormat.TSHARK)).extracting(Line::number)
			.containsExactly(13, 14, 15, 16, 17, 18, 19, 20);
		assertThat(sorted.problems()).noneMatch((p) -> p.line() >= 13 && p.line() <= 20);
	}

	@Test
	void aQueryAndItsAnswerAreReadWithoutAPortTsharkDoesNotShow() throws Exception {
		TcpdumpParser.Capture capture = capture(corpus(MESOS_DNS_102));
		assertThat(capture.tool()).isEqualTo("tshark");
		assertThat(capture.timestamps()).isEqualTo("seconds");
		assertThat(capture.packets()).extracting(TcpdumpParser.Packet::kind)
			.containsExactly(TcpdumpParser.Kind.DNS_QUERY, TcpdumpParser.Kind.DNS_QUERY, TcpdumpParser.Kind.DNS_ANSWER,
					TcpdumpParser.Kind.DNS_ANSWER, TcpdumpParser.Kind.DNS_QUERY, TcpdumpParser.Kind.DNS_ANSWER);
		TcpdumpParser.Packet query = capture.packets().get(1);
		assertThat(query.from()).isEqualTo("172.17.0.65");
		assertThat(query.sport()).isEmpty();
		assertThat(query.id()).isEqualTo("0x7619");
		assertThat(query.type()).isEqualTo("AAAA");
		assertThat(query.name()).isEqualTo("archive.ubuntu.com");
		TcpdumpParser.Packet afterCount = capture.packets().get(4);
		assertThat(afterCount.line()).isEqualTo(19);
		assertThat(afterCount.micros()).isEqualTo(20_975_650L);
		assertThat(capture.packets().get(3).id()).isEqualTo("0x3e00");
		assertThat(capture.packets().get(3).to()).isEqualTo("172.17.0.65");
	}

	@Test
	void aCaptureWithEveryQueryAnsweredIsClean() throws Exception {
		Diagnosis diagnosis = diagnose(corpus(MESOS_DNS_102));
		Finding clean = finding(diagnosis, CaptureRules.CLEAN);
		assertThat(clean.title()).startsWith("tshark: 3 DNS queries and 0 SYNs read");
		assertThat(diagnosis.read()).contains("tshark: lines 13–20");
	}

	@Test
	void wholeSecondsAreNotPreciseEnoughAndNoGapIsGuessed() throws Exception {
		Diagnosis diagnosis = diagnose(corpus(EXTERNAL_DNS_2027));
		Finding untimed = finding(diagnosis, CaptureRules.UNTIMED);
		assertThat(untimed.title()).startsWith("tshark: 3 DNS queries and 0 SYNs read").contains("not precise enough");
		assertThat(untimed.evidence()).anyMatch((e) -> e.contains("whole seconds"));
		assertThat(diagnosis.findings())
			.noneMatch((f) -> f.id().equals(CaptureRules.DNS_UNANSWERED) || f.id().equals(CaptureRules.DNS_LOST));
		// The ARP lines (no destination in tshark 1.x) and ICMP lines are read too.
		assertThat(capture(corpus(EXTERNAL_DNS_2027)).packets()).hasSize(11);
	}

	@Test
	void aQueryLostBesideItsAnsweredTwinIsTheSameSignatureAndSaysWhatWasAssumed() {
		Diagnosis diagnosis = diagnose(LOST_QUERY);
		Finding lost = finding(diagnosis, CaptureRules.DNS_LOST);
		assertThat(lost.title()).startsWith("tshark: 1 DNS query lost").contains("5.005 s");
		assertThat(lost.evidence().get(0))
			.startsWith(
					"line 2: A? abstraction.fr.default.svc.cluster.local (id 0x04f8) from 10.200.0.10 got no answer")
			.contains("its AAAA? twin, sent 0.000142 s after it from the same address, was answered (line 4)")
			.contains("line 5: the A query sent again 5.005 s after the first, from the same address");
		assertThat(lost.evidence()).contains(CaptureRules.PORTLESS);
		assertThat(diagnosis.verdict().text()).startsWith("tshark: 1 DNS query lost");
		// The twin's answer taken out: nothing of the lookup answered, the server's or
		// the path's.
		Diagnosis unanswered = diagnose(LOST_QUERY.lines()
			.filter((l) -> !l.contains("response"))
			.toList()
			.stream()
			.reduce("", (a, b) -> a + b + "\n"));
		assertThat(unanswered.findings()).noneMatch((f) -> f.id().equals(CaptureRules.DNS_LOST));
		assertThat(finding(unanswered, CaptureRules.DNS_UNANSWERED).evidence()).contains(CaptureRules.PORTLESS);
	}

	@Test
	void tshark_sDeltaTimesAreAddedUpWhenItsCommandSaysSo() {
		String deltas = LOST_QUERY.replace("0.001737000", "0.001595000")
			.replace("5.005034000", "5.003297000")
			.replace("-f \"port 53\"", "-t dd -f \"port 53\"");
		assertThat(finding(diagnose(deltas), CaptureRules.DNS_LOST).title()).contains("5.005 s");
		assertThat(capture(deltas).timestamps()).isEqualTo("delta (-t dd)");
		// Without -t dd the same numbers are seconds since the first frame.
		String relative = deltas.replace("-t dd ", "");
		assertThat(finding(diagnose(relative), CaptureRules.DNS_LOST).title()).contains("5.003 s");
	}

	@Test
	void aSynSentAgainAfterOneSecondIsTheSameSignature() {
		Diagnosis diagnosis = diagnose(SYN_RESENT);
		Finding resent = finding(diagnosis, CaptureRules.SYN_RESENT);
		assertThat(resent.title()).startsWith("tshark: 1 connection sent its SYN again after 1.055 s");
		assertThat(resent.evidence().get(0))
			.startsWith("line 1: SYN 198.18.103.0.13758 > 198.18.102.10.80; line 2: sent again 1.055 s later")
			.contains("line 3: SYN-ACK 0.000840 s after the last SYN");
		// tshark's relative Seq=0 identifies no SYN: not shown as a seq.
		assertThat(resent.evidence().get(0)).doesNotContain("seq 0");
	}

	@Test
	void aSynTsharkMarksAsANewConnectionOnTheSamePortsIsNotARetransmission() {
		String reused = SYN_RESENT.replace("[TCP Retransmission]", "[TCP Port numbers reused]");
		assertThat(diagnose(reused).findings()).noneMatch((f) -> f.id().equals(CaptureRules.SYN_RESENT));
	}

	@Test
	void wiresharksSummaryWithoutArrowIsReadWithItsHeader() {
		PasteReader.Sorted sorted = PasteReader.read(WIRESHARK_SUMMARY);
		assertThat(sorted.of(PasteFormat.TSHARK)).extracting(Line::number).containsExactly(1, 2);
		TcpdumpParser.Packet syn = capture(WIRESHARK_SUMMARY).packets().get(0);
		assertThat(syn.kind()).isEqualTo(TcpdumpParser.Kind.SYN);
		assertThat(syn.from()).isEqualTo("192.168.178.25.49877");
		assertThat(syn.to()).isEqualTo("107.20.203.175.ibm-mqisdp");
		assertThat(syn.micros()).isEqualTo(6_550_919L);
		assertThat(syn.id()).isEmpty();
	}

	@Test
	void rowsOfCountersAreNotTakenForSummaryLines() {
		assertThat(TsharkParser
			.isPacketLine("    0     0 KUBE-MARK-MASQ  all  --  *      *       0.0.0.0/0            0.0.0.0/0"))
			.isFalse();
		assertThat(TsharkParser.isPacketLine("    1    60 ACCEPT     tcp  --  eth0   *       0.0.0.0/0    0.0.0.0/0"))
			.isFalse();
	}

	@Test
	void aCaptureIsReadUpToTheBoundAndTheRestIsReported() {
		// More lines than a paste can hold, handed to the reader directly.
		List<Line> lines = new java.util.ArrayList<>();
		for (int i = 1; i <= TcpdumpParser.MAX_PACKETS + 3; i++) {
			lines.add(new Line(i, String.format(java.util.Locale.ROOT,
					"%d 0.%09d 10.0.0.1 → 10.0.0.2 DNS 86 Standard query 0x%04x A a.example", i, i, i)));
		}
		TcpdumpParser.Capture capture = TsharkParser.parse(lines, List.of());
		assertThat(capture.packets()).hasSize(TcpdumpParser.MAX_PACKETS);
		assertThat(capture.problems()).singleElement()
			.satisfies((p) -> assertThat(p.line()).isEqualTo(TcpdumpParser.MAX_PACKETS + 1));
	}

	/**
	 * Two boxes, two captures (the pod's and the node's, say): both are judged, each
	 * finding named by its capture. Only the first box's capture used to be read, so the
	 * query lost in the second was never said.
	 */
	@Test
	void everyCaptureOfTheFormIsJudgedAndNamed() throws Exception {
		String weave = Files
			.readString(Paths.get(TsharkTests.class.getResource("/diagnose/corpus/weave-1171-rade.txt").toURI()));
		NodeSample sample = new NodeSample(LOST_QUERY, null, null, null, null, null, weave);
		Diagnosis diagnosis = this.diagnoser.diagnose(sample);
		assertThat(finding(diagnosis, CaptureRules.DNS_LOST).title())
			.startsWith("tshark (lines 2–5 of conntrackStats): 1 DNS query lost");
		assertThat(finding(diagnosis, CaptureRules.DNS_UNANSWERED).title()).startsWith("tcpdump (lines 5–14): ");
		assertThat(diagnosis.verdict().text()).startsWith("tshark (lines 2–5 of conntrackStats): 1 DNS query lost");
		assertThat(List.of(CaptureRules.DNS_LOST, CaptureRules.DNS_UNANSWERED))
			.allMatch((id) -> diagnosis.findings().stream().filter((f) -> f.id().equals(id)).count() == 1);
	}

}
