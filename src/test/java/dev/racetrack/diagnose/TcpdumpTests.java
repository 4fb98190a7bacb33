package dev.racetrack.diagnose;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link TcpdumpParser} and {@link CaptureRules} on real captures: every packet
 * line here is copied from a public thread (cited at each), the rest of the text around
 * it (prompts, a resolv.conf, counters) is made up.
 */
class TcpdumpTests {

	/**
	 * Azure/acs-engine#3546 (sylr, 2018, {@code tcpdump -vvv} inside the pod, names not
	 * resolved with -n): the A and AAAA queries of one lookup leave port 49203 together,
	 * only the AAAA is answered, and the A is sent again 5.005 s later.
	 */
	private static final String ACS_ENGINE_3546 = "/diagnose/corpus/acs-engine-3546-sylr.txt";

	/**
	 * kubernetes/kubernetes#90854 (skamboj, 2020, {@code tcpdump -i flannel.1 -nn}): one
	 * SYN sent again 1.055 s later with the same seq, then the SYN-ACK.
	 */
	private static final String K8S_90854 = "/diagnose/corpus/k8s-90854-skamboj.txt";

	/**
	 * weaveworks/weave#1171 (rade, 2015, {@code tcpdump -ni docker0 port 53}): getent's
	 * queries, one at a time, each unanswered and sent again 5 s later.
	 */
	private static final String WEAVE_1171 = "/diagnose/corpus/weave-1171-rade.txt";

	/** Two lines of kubernetes/kubernetes#90854, with {@code -i any}'s prefix added. */
	private static final String ANY_PREFIX = """
			19:31:37.438631 flannel.1 Out IP 198.18.103.0.13758 > 198.18.102.10.80: Flags [S], seq 265989161, win 43690, options [mss 65495,sackOK,TS val 2631200673 ecr 0,nop,wscale 7], length 0
			19:31:38.493883 flannel.1 Out IP 198.18.103.0.13758 > 198.18.102.10.80: Flags [S], seq 265989161, win 43690, options [mss 65495,sackOK,TS val 2631201728 ecr 0,nop,wscale 7], length 0
			""";

	private final Diagnoser diagnoser = new Diagnoser();

	private static String corpus(String path) throws Exception {
		return Files.readString(Paths.get(TcpdumpTests.class.getResource(path).toURI()));
	}

	private Diagnosis diagnose(String paste) {
		return this.diagnoser.diagnose(NodeSample.pasted(paste, null));
	}

	private static Finding finding(Diagnosis diagnosis, String id) {
		return diagnosis.findings().stream().filter((f) -> f.id().equals(id)).findFirst().orElseThrow();
	}

	@Test
	void packetLinesAreReadAsTcpdumpNotLeftUnread() throws Exception {
		PasteReader.Sorted sorted = PasteReader.read(corpus(WEAVE_1171));
		assertThat(sorted.of(PasteFormat.TCPDUMP)).extracting(Line::number)
			.containsExactly(5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
		assertThat(sorted.problems()).noneMatch((p) -> p.line() >= 5 && p.line() <= 14)
			.noneMatch((p) -> p.reason().contains("not packets"));
	}

	@Test
	void aDnsQueryAndItsAnswerAreReadWithTheirTimes() throws Exception {
		PasteReader.Sorted sorted = PasteReader.read(corpus(WEAVE_1171));
		TcpdumpParser.Capture capture = TcpdumpParser.parse(sorted.of(PasteFormat.TCPDUMP), sorted.commands());
		assertThat(capture.timestamps()).isEqualTo("time of day");
		TcpdumpParser.Packet query = capture.packets().get(0);
		assertThat(query.kind()).isEqualTo(TcpdumpParser.Kind.DNS_QUERY);
		assertThat(query.from()).isEqualTo("172.17.1.200.40938");
		assertThat(query.id()).isEqualTo("60310");
		assertThat(query.type()).isEqualTo("AAAA");
		assertThat(query.name()).isEqualTo("foo.weave.local.");
		assertThat(query.micros()).isEqualTo(((19 * 60 + 46) * 60 + 8) * 1_000_000L + 789_037);
		TcpdumpParser.Packet answer = capture.packets().get(9);
		assertThat(answer.kind()).isEqualTo(TcpdumpParser.Kind.DNS_ANSWER);
		assertThat(answer.id()).isEqualTo("47529");
		assertThat(answer.to()).isEqualTo("172.17.1.200.46767");
	}

	@Test
	void theVerboseFormTakesThePacketFromTheIndentedLine() throws Exception {
		PasteReader.Sorted sorted = PasteReader.read(corpus(ACS_ENGINE_3546));
		TcpdumpParser.Capture capture = TcpdumpParser.parse(sorted.of(PasteFormat.TCPDUMP), sorted.commands());
		assertThat(capture.packets()).extracting(TcpdumpParser.Packet::kind)
			.containsExactly(TcpdumpParser.Kind.DNS_QUERY, TcpdumpParser.Kind.DNS_QUERY, TcpdumpParser.Kind.DNS_ANSWER,
					TcpdumpParser.Kind.DNS_QUERY);
		assertThat(capture.packets().get(2).id()).isEqualTo("6911");
		assertThat(capture.packets().get(3).line()).isEqualTo(14);
		assertThat(capture.packets().get(0).dport()).isEqualTo("53");
		// The last line, cut short where the public copy ends, is reported.
		Diagnosis diagnosis = diagnose(corpus(ACS_ENGINE_3546));
		assertThat(diagnosis.unreadLines()).anyMatch((u) -> u.covers(15));
	}

	@Test
	void aQueryLostBesideItsAnsweredTwinIsTheRacesSignature() throws Exception {
		Diagnosis diagnosis = diagnose(corpus(ACS_ENGINE_3546));
		Finding lost = finding(diagnosis, CaptureRules.DNS_LOST);
		assertThat(lost.severity()).isEqualTo(Severity.WARNING);
		assertThat(lost.title()).contains("1 DNS query lost").contains("5.005 s");
		assertThat(lost.evidence().get(0)).startsWith("line 5: A? abstraction.fr.default.svc.cluster.local. (id 1272)")
			.contains("line 7: its AAAA? twin, sent 0.000142 s after it from the same socket, was answered (line 9)")
			.contains("line 14: the A query sent again 5.005 s after the first, from the same port");
		assertThat(lost.evidence()).anyMatch((e) -> e.contains("insert_failed") && e.contains("not pasted"));
		assertThat(lost.mitigations()).anyMatch((m) -> m.contains("single-request-reopen"))
			.anyMatch((m) -> m.contains("NodeLocal DNSCache"));
		assertThat(diagnosis.verdict().text()).startsWith("tcpdump: 1 DNS query lost");
		assertThat(diagnosis.findings()).noneMatch((f) -> f.id().equals(CaptureRules.DNS_UNANSWERED));
	}

	/**
	 * musl (Alpine's C library) sends a lost query again every timeout/attempts, 2.5 s by
	 * default (res_msend.c, {@code retry_interval = timeout / attempts}), not after
	 * glibc's 5 s: an Alpine pod's capture was read as clean. No real musl capture was
	 * found; this is acs-engine#3546's with the re-send moved to 2.5 s after the first,
	 * and to 3.6 s, neither resolver's interval.
	 */
	@Test
	void muslsRetryIntervalIsTheSignatureToo() throws Exception {
		String capture = corpus(ACS_ENGINE_3546);
		Finding musl = finding(diagnose(capture.replace("09:31:42.559682", "09:31:40.056100")), CaptureRules.DNS_LOST);
		assertThat(musl.title()).contains("2.501 s");
		assertThat(musl.evidence()).anyMatch((e) -> e.contains("musl's retry interval (timeout/attempts, 2.5 s")
				&& e.contains("4.5–5.5 s or 2–3 s"));
		Diagnosis neither = diagnose(capture.replace("09:31:42.559682", "09:31:41.156100"));
		assertThat(neither.findings()).noneMatch((f) -> f.id().equals(CaptureRules.DNS_LOST));
	}

	/**
	 * {@code tcpdump -e} prints the link-level header where {@code IP} stands; verbatim
	 * from kubernetes/kubernetes#122174 (andreas-ibm, 2023-12-06, a capture on cni0 of a
	 * ClusterIP connection: the SYN before and after kube-proxy's DNAT, the SYN-ACK, a
	 * RST; the last line wrapped in the paste). It was wholly unread; now the SYN seen
	 * twice is one connection, sent once: no signature.
	 */
	@Test
	void theLinkLevelHeaderOfDashEIsReadPast() {
		String paste = """
				```
				03:26:08.830155 2a:c7:37:d7:2e:07 > 4e:7d:69:53:97:61, ethertype IPv4 (0x0800), length 74: 10.244.1.192.38530 > 10.103.175.29.7800: Flags [S], seq 1582609996, win 64860, options [mss 1410,sackOK,TS val 1438955416 ecr 0,nop,wscale 7], length 0
				03:26:08.830319 4e:7d:69:53:97:61 > 92:dc:e0:5d:fb:15, ethertype IPv4 (0x0800), length 74: 10.244.1.192.38530 > 10.244.1.189.7800: Flags [S], seq 1582609996, win 64860, options [mss 1410,sackOK,TS val 1438955416 ecr 0,nop,wscale 7], length 0
				03:26:08.830392 92:dc:e0:5d:fb:15 > 2a:c7:37:d7:2e:07, ethertype IPv4 (0x0800), length 74: 10.244.1.189.7800 > 10.244.1.192.38530: Flags [S.], seq 1420487994, ack 1582609997, win 64308, options [mss 1410,sackOK,TS val 733929093 ecr 1438955416,nop,wscale 7], length 0
				03:26:08.830458 2a:c7:37:d7:2e:07 > 92:dc:e0:5d:fb:15, ethertype IPv4 (0x0800), length 54: 10.244.1.192.38530 > 10.244.1.189.7800: Flags [R], seq 1582609997, win 0, lengt
				h 0
				```
				""";
		PasteReader.Sorted sorted = PasteReader.read(paste);
		assertThat(sorted.of(PasteFormat.TCPDUMP)).extracting(Line::number).containsExactly(2, 3, 4, 5);
		Diagnosis diagnosis = diagnose(paste);
		assertThat(finding(diagnosis, CaptureRules.CLEAN).title()).contains("2 SYNs read")
			.contains("no SYN re-sent after 1 s");
		assertThat(diagnosis.unreadLines()).extracting(UnreadLine::line).containsExactly(6);
	}

	@Test
	void resolvConfsTimeoutSetsTheWindowAndCountersAreCompared() throws Exception {
		String capture = corpus(ACS_ENGINE_3546);
		// With timeout:2 pasted, a re-send after 5 s is not the resolver's own.
		Diagnosis shortTimeout = this.diagnoser.diagnose(
				new NodeSample(null, null, null, "nameserver 10.200.0.10\noptions timeout:2\n", null, null, capture));
		assertThat(shortTimeout.findings()).noneMatch((f) -> f.id().equals(CaptureRules.DNS_LOST));
		Diagnosis noInsertFailed = this.diagnoser.diagnose(new NodeSample(
				"cpu=0   \tfound=12 invalid=3 ignore=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 "
						+ "search_restart=0\n",
				null, null, null, null, null, capture));
		Finding lost = finding(noInsertFailed, CaptureRules.DNS_LOST);
		assertThat(lost.severity()).isEqualTo(Severity.INFO);
		assertThat(lost.evidence()).anyMatch((e) -> e.startsWith("conntrack -S: insert_failed=0"));
	}

	@Test
	void queriesNoneOfWhichWasAnsweredAreNotTheRacesSignature() throws Exception {
		Diagnosis diagnosis = diagnose(corpus(WEAVE_1171));
		assertThat(diagnosis.findings()).noneMatch((f) -> f.id().equals(CaptureRules.DNS_LOST));
		Finding unanswered = finding(diagnosis, CaptureRules.DNS_UNANSWERED);
		assertThat(unanswered.title()).contains("3 DNS queries unanswered").contains("not a conntrack race");
		assertThat(unanswered.evidence().get(0)).isEqualTo("line 5: AAAA? foo.weave.local. (id 60310) from "
				+ "172.17.1.200.40938 got no answer, and no other query was sent with it; line 6: sent again 5.005 s "
				+ "later.");
	}

	@Test
	void aSynSentAgainAfterOneSecondIsASynLostOnTheWay() throws Exception {
		Diagnosis diagnosis = diagnose(corpus(K8S_90854));
		Finding syn = finding(diagnosis, CaptureRules.SYN_RESENT);
		assertThat(syn.severity()).isEqualTo(Severity.WARNING);
		assertThat(syn.title()).startsWith("tcpdump: 1 connection sent its SYN again after 1.055 s");
		assertThat(syn.evidence().get(0))
			.isEqualTo("line 5: SYN 198.18.103.0.13758 > 198.18.102.10.80 seq 265989161; line 6: sent again 1.055 s "
					+ "later (same seq); line 7: SYN-ACK 0.000840 s after the last SYN.");
		assertThat(syn.mitigations().get(0)).startsWith("Paste conntrack -S");
	}

	@Test
	void theInterfacePrefixOfAnyIsReadPast() {
		TcpdumpParser.Capture capture = TcpdumpParser.parse(Line.of(ANY_PREFIX), List.of());
		assertThat(capture.packets()).extracting(TcpdumpParser.Packet::kind).containsOnly(TcpdumpParser.Kind.SYN);
		assertThat(capture.packets().get(1).micros() - capture.packets().get(0).micros()).isEqualTo(1_055_252);
	}

	@Test
	void withoutTimesNoGapIsGuessed() {
		String untimed = ANY_PREFIX.replace("19:31:37.438631 ", "").replace("19:31:38.493883 ", "");
		Diagnosis diagnosis = diagnose(untimed);
		assertThat(diagnosis.findings()).extracting(Finding::id)
			.contains(CaptureRules.UNTIMED)
			.doesNotContain(CaptureRules.SYN_RESENT);
	}

	@Test
	void deltaTimesOfTtttAreAddedUp() {
		String delta = "$ tcpdump -nn -ttt -i flannel.1\n" + ANY_PREFIX.replace("19:31:37.438631 ", "00:00:00.000000 ")
			.replace("19:31:38.493883 ", "00:00:01.055252 ");
		PasteReader.Sorted sorted = PasteReader.read(delta);
		TcpdumpParser.Capture capture = TcpdumpParser.parse(sorted.of(PasteFormat.TCPDUMP), sorted.commands());
		assertThat(capture.timestamps()).isEqualTo("delta (-ttt)");
		assertThat(finding(diagnose(delta), CaptureRules.SYN_RESENT).title()).contains("1.055 s");
	}

	@Test
	void bothQueriesOfAPairUnansweredAreNotTheRacesSignature() throws Exception {
		// acs-engine#3546's capture with the AAAA answer (lines 8 and 9) taken out.
		String capture = corpus(ACS_ENGINE_3546).lines()
			.filter((l) -> !l.contains("09:31:37.556385") && !l.contains("6911 NXDomain"))
			.collect(java.util.stream.Collectors.joining("\n"));
		Diagnosis diagnosis = diagnose(capture);
		assertThat(diagnosis.findings()).noneMatch((f) -> f.id().equals(CaptureRules.DNS_LOST));
		assertThat(finding(diagnosis, CaptureRules.DNS_UNANSWERED).evidence().get(0))
			.contains("got no answer, nor did its AAAA? twin (line 7)")
			.contains("sent again 5.005 s later");
	}

	@Test
	void aCaptureIsReadAndFollowedWithinBounds() {
		// weave#1171's first query line, with a new id and port every millisecond: more
		// lines than a paste can hold, handed to the reader directly.
		List<Line> lines = new java.util.ArrayList<>();
		for (int i = 0; i < TcpdumpParser.MAX_PACKETS + 10; i++) {
			lines.add(new Line(i + 1,
					String.format(java.util.Locale.ROOT,
							"19:46:%02d.%06d IP 172.17.1.200.%d > 172.17.42.1.53: %d+ AAAA? foo.weave.local. (33)",
							8 + i / 1000, i % 1000 * 1000, 10000 + i, 100 + i)));
		}
		TcpdumpParser.Capture capture = TcpdumpParser.parse(lines, List.of());
		assertThat(capture.packets()).hasSize(TcpdumpParser.MAX_PACKETS);
		assertThat(capture.problems()).singleElement()
			.satisfies((p) -> assertThat(p.line()).isEqualTo(TcpdumpParser.MAX_PACKETS + 1));
		Facts facts = new Facts(KernelProfiles.match(java.util.Optional.empty(), ConntrackStats.empty(), "", ""),
				ConntrackStats.empty(), NatTable.empty(), ResolverConfig.absent(), java.util.Optional.empty(),
				NodeExtras.empty(), List.of(), CiliumStatus.empty());
		Finding clean = CaptureRules.assess(capture, facts).get(0);
		assertThat(clean.id()).isEqualTo(CaptureRules.CLEAN);
		assertThat(clean.evidence())
			.contains("line " + (CaptureRules.MAX_QUERIES + 1) + ": not followed: only the first "
					+ CaptureRules.MAX_QUERIES + " DNS queries of a capture are followed.");
	}

	@Test
	void theSameSynSeenTwiceCountsOnce() {
		// kubernetes#90854's two SYNs, each seen on the pod's veth and again after the
		// node's MASQUERADE (address and port made up), as -i any shows them.
		String twice = """
				19:31:37.438631 veth1 In  IP 198.18.103.0.13758 > 198.18.102.10.80: Flags [S], seq 265989161, win 43690, length 0
				19:31:37.438702 eth0  Out IP 10.0.0.5.13758 > 198.18.102.10.80: Flags [S], seq 265989161, win 43690, length 0
				19:31:38.493883 veth1 In  IP 198.18.103.0.13758 > 198.18.102.10.80: Flags [S], seq 265989161, win 43690, length 0
				19:31:38.493950 eth0  Out IP 10.0.0.5.13758 > 198.18.102.10.80: Flags [S], seq 265989161, win 43690, length 0
				""";
		Finding syn = finding(diagnose(twice), CaptureRules.SYN_RESENT);
		assertThat(syn.title()).startsWith("tcpdump: 1 connection sent its SYN again after 1.055 s");
		assertThat(syn.evidence().get(0)).startsWith("line 1: SYN 198.18.103.0.13758 > 198.18.102.10.80");
	}

	@Test
	void countersPastedBesideASynSentAgainAreSaidToAgreeOrNot() throws Exception {
		String capture = corpus(K8S_90854);
		String lost = "cpu=0   \tfound=12 invalid=3 ignore=0 insert=0 insert_failed=3 drop=3 early_drop=0 error=0 "
				+ "search_restart=0\n";
		Finding agrees = finding(this.diagnoser.diagnose(new NodeSample(lost, null, null, null, null, null, capture)),
				CaptureRules.SYN_RESENT);
		assertThat(agrees.severity()).isEqualTo(Severity.WARNING);
		assertThat(agrees.title()).contains("insert_failed shows inserts lost");
		assertThat(agrees.evidence()).contains("conntrack -S: insert_failed=3: the node lost inserts at the confirm, "
				+ "which agrees with the capture.");
		Finding disagrees = finding(
				this.diagnoser
					.diagnose(new NodeSample(lost.replace("=3", "=0"), null, null, null, null, null, capture)),
				CaptureRules.SYN_RESENT);
		assertThat(disagrees.severity()).isEqualTo(Severity.INFO);
		assertThat(disagrees.title()).contains("no insert lost at the conntrack confirm");
	}

	/**
	 * The Lab's "matching replay" for a capture replays the race its signature is of: it
	 * opened the SNAT port race for a lost DNS query, whose info finding (no nat rules
	 * pasted) was the only race finding. The capture's finding carries the race, and so
	 * does the race's own finding.
	 */
	@Test
	void theMatchingReplayIsTheRaceTheCapturesSignatureIsOf() throws Exception {
		Diagnosis lost = diagnose(corpus(ACS_ENGINE_3546));
		assertThat(finding(lost, CaptureRules.DNS_LOST).replays()).contains(DnatRaceRules.RACE_1.id());
		assertThat(lost.replayUrl()).startsWith("/?scenario=dnat-race-1&");
		Diagnosis resent = diagnose(corpus(K8S_90854));
		assertThat(finding(resent, CaptureRules.SYN_RESENT).replays()).contains(SnatPortRaceRule.ID);
		assertThat(finding(resent, SnatPortRaceRule.ID).replays()).contains(SnatPortRaceRule.ID);
		assertThat(finding(resent, KernelRule.ID).replays()).isEmpty();
		assertThat(resent.replayUrl()).startsWith("/?scenario=snat-port-race&");
	}

	/** A finding replays only a race the Lab replays. */
	@Test
	void aFindingReplaysOnlyARace() {
		assertThatIllegalArgumentException().isThrownBy(() -> new Finding(CaptureRules.DNS_UNANSWERED, Severity.WARNING,
				"title", List.of(), List.of(), Optional.of(CaptureRules.DNS_UNANSWERED)));
	}

}
