package dev.racetrack.diagnose;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.racetrack.kernel.KernelProfile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Diagnoser}: the findings of src/docs/netfilter-races.md §4 from
 * real-format samples.
 */
class DiagnoserTests {

	private static final String DROPS_ON_5_4 = """
			cpu=0   \tfound=120 invalid=30 ignore=0 insert=0 insert_failed=40 drop=6 early_drop=0 error=0 search_restart=3
			cpu=1   \tfound=130 invalid=31 ignore=0 insert=0 insert_failed=35 drop=4 early_drop=0 error=0 search_restart=2
			""";

	private static final String NO_DROPS_ON_5_4 = """
			cpu=0   \tfound=120 invalid=30 ignore=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=3
			cpu=1   \tfound=130 invalid=31 ignore=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=2
			""";

	private final Diagnoser diagnoser = new Diagnoser();

	/**
	 * A real paste (kubernetes/kubernetes#75893: a MASQUERADE rule without
	 * --random-fully, no kernel named) gets the model's estimate of connections delayed a
	 * minute, and its figures are those of the sustained run it names: the run is made
	 * here again from the same parameters, and a 6.x node with the same rules gets its
	 * own figures.
	 */
	@Test
	void theEstimateOfDelayedConnectionsComesFromASustainedRun() throws Exception {
		String paste = java.nio.file.Files.readString(java.nio.file.Paths
			.get(DiagnoserTests.class.getResource("/diagnose/corpus/k8s-75893-sc68cal.txt").toURI()));
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.pasted(paste, null));
		Finding estimate = diagnosis.findings()
			.stream()
			.filter((f) -> f.id().equals(SustainedEstimate.ID))
			.findFirst()
			.orElseThrow();
		dev.racetrack.scenario.RunParams params = SustainedEstimate.params(dev.racetrack.kernel.KernelProfile.V4_17,
				dev.racetrack.kernel.nat.SnatMode.DEFAULT);
		assertThat(params.workload()).isEqualTo(dev.racetrack.scenario.WorkloadKind.TICKER);
		dev.racetrack.experiment.TrialResult run = new dev.racetrack.experiment.Trial(0, 0, 0, params).run();
		long drops = run.counters().get("drop");
		assertThat(drops).as("the sustained run loses SYNs on 4.17 default").isPositive();
		assertThat(estimate.title()).contains("4.17 with default SNAT")
			.contains("about " + CounterRules.perMinute(drops / ((params.durationS() - params.warmupS()) / 60.0))
					+ " connections a minute delayed");
		assertThat(estimate.evidence().get(0)).contains("2 pods × 16 workers, each dialing every 100 ms")
			.contains("snat-race-conn-test")
			.contains(String.format(java.util.Locale.ROOT, "%,d of %,d connects", drops, run.attempts()));
		assertThat(estimate.mitigations()).singleElement().asString().startsWith("With --random-fully");
		Diagnosis newer = this.diagnoser.diagnose(NodeSample.pasted("uname -r\n6.1.0-18-amd64\n" + paste, null));
		Finding six = newer.findings()
			.stream()
			.filter((f) -> f.id().equals(SustainedEstimate.ID))
			.findFirst()
			.orElseThrow();
		assertThat(six.title()).contains("6.x with default SNAT").isNotEqualTo(estimate.title());
	}

	/**
	 * A full table logs at most ten lines per five seconds; {@code net_ratelimit: N
	 * callbacks suppressed} says how many more were held back, in syslog's form or alone
	 * (the dmesg -T form is the corpus's snout-8-bswang).
	 */
	@Test
	void tableFullLinesCountTheMessagesTheRateLimitHeldBack() {
		String paste = "Apr 23 10:58:07 node1 kernel: net_ratelimit: 120 callbacks suppressed\n"
				+ "Apr 23 10:58:07 node1 kernel: nf_conntrack: table full, dropping packet\n"
				+ "net_ratelimit: 1044 callbacks suppressed\n";
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.pasted(paste, null));
		assertThat(diagnosis.unreadLines()).isEmpty();
		assertThat(diagnosis.verdict().text())
			.contains("the kernel logged it 1 time and suppressed 1,164 more rate-limited messages");
		assertThat(find(diagnosis, "table-full").orElseThrow().evidence())
			.anyMatch((e) -> e.startsWith("Around it the kernel's rate limit held back 1,164 more messages"));
		Diagnosis alone = this.diagnoser
			.diagnose(NodeSample.pasted("net_ratelimit: 1044 callbacks suppressed\n", null));
		assertThat(find(alone, "table-full")).as("suppressed messages alone do not say which").isEmpty();
	}

	@Test
	void diagnoseWhen417AndMasqueradeWithoutRandomFullyAndDropsInOneSampleIsAWarningThatAsksForASecond() {
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.of(Fixtures.read("conntrack-s-old.txt"),
				Fixtures.read("iptables-save-docker.txt"), "4.17.19", null));
		assertThat(diagnosis.profile().profile()).isEqualTo(KernelProfile.V4_17);
		Finding snat = find(diagnosis, "snat-port-race").orElseThrow();
		assertThat(snat.severity()).isEqualTo(Severity.WARNING);
		assertThat(diagnosis.findings()).noneMatch((f) -> f.severity() == Severity.CRITICAL);
		assertThat(find(diagnosis, "drops-since-boot").orElseThrow().mitigations().get(0)).contains("60 s later");
		assertThat(diagnosis.verdict().text()).contains("one sample cannot say whether it is still happening");
		assertThat(diagnosis.verdict().firstFix())
			.contains("-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE --random-fully");
		assertThat(snat.evidence()).contains(
				"line 20: -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE (no --random-fully), written by Docker",
				"line 2: cpu=0 insert_failed=74 drop=74");
		assertThat(snat.evidence()).anySatisfy((line) -> assertThat(line).startsWith("insert_failed equals drop"));
		assertThat(snat.mitigations().get(0)).contains("--random-fully")
			.contains("-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE --random-fully");
		assertThat(diagnosis.findings().get(0).id()).isEqualTo("snat-port-race");
		assertThat(diagnosis.unreadLines()).isEmpty();
		assertThat(diagnosis.replayUrl())
			.isEqualTo("/?scenario=snat-port-race&kernel=4.17&mode=default&resolver=glibc");
	}

	@Test
	void diagnoseWhenClashDropsRiseBetweenTwoSamplesIsCriticalWithTheRateInTheVerdict() {
		String later = "cpu=0 found=4700 insert_failed=104 drop=104\ncpu=1 found=4500 insert_failed=81 drop=81\n"
				+ "cpu=2 found=3977 insert_failed=66 drop=66\ncpu=3 found=4102 insert_failed=70 drop=70\n";
		Diagnosis diagnosis = this.diagnoser.diagnose(new NodeSample(Fixtures.read("conntrack-s-old.txt"),
				Fixtures.read("iptables-save-docker.txt"), "4.17.19", null, later, 60));
		assertThat(find(diagnosis, "snat-port-race").orElseThrow().severity()).isEqualTo(Severity.CRITICAL);
		assertThat(diagnosis.verdict().severity()).isEqualTo(Severity.CRITICAL);
		assertThat(diagnosis.verdict().perMinute()).hasValue(30.0);
		assertThat(diagnosis.verdict().text()).startsWith("About 30 connections or lookups delayed a minute");
		assertThat(diagnosis.verdict().firstFix()).contains("--random-fully");
	}

	@Test
	void diagnoseWhenAllMasqueradeRulesAreRandomFullyHasNoSnatFinding() {
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.of(Fixtures.read("conntrack-s-old.txt"),
				Fixtures.read("iptables-S-kube-proxy-new.txt"), "4.17.19", null));
		assertThat(find(diagnosis, "snat-port-race")).isEmpty();
	}

	@Test
	void diagnoseWhen6xAndClashResolveWithoutDropsIsInfo() {
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.of(Fixtures.read("proc-new-header.txt"),
				Fixtures.read("iptables-S-kube-proxy-new.txt"), "6.1.0-18-amd64", null));
		assertThat(diagnosis.profile().profile()).isEqualTo(KernelProfile.V6_X);
		assertThat(diagnosis.findings()).extracting(Finding::severity).containsOnly(Severity.INFO);
		Finding race1 = find(diagnosis, "dnat-race-1").orElseThrow();
		assertThat(race1.title()).contains("resolves it");
		assertThat(race1.evidence()).anySatisfy((line) -> assertThat(line).startsWith("clash_resolve=64"));
		Finding race3 = find(diagnosis, "dnat-race-3").orElseThrow();
		assertThat(race3.severity()).isEqualTo(Severity.INFO);
		assertThat(race3.evidence().get(0)).contains("KUBE-SVC-TCOU7JCQXEZGVUNU").contains("3 endpoints");
		assertThat(diagnosis.replayUrl())
			.isEqualTo("/?scenario=dnat-race-1&kernel=6.x&mode=random-fully&resolver=glibc&endpoints=3");
	}

	@Test
	void diagnoseWhen54AndKubeDnsHasTwoEndpointsIsRace3Warning() {
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.of(NO_DROPS_ON_5_4,
				Fixtures.read("iptables-save-kube-proxy-old.txt"), "5.4.0-1103-azure", null));
		Finding race3 = find(diagnosis, "dnat-race-3").orElseThrow();
		assertThat(race3.severity()).isEqualTo(Severity.WARNING);
		assertThat(race3.evidence().get(0)).isEqualTo("line 36: KUBE-SVC-TCOU7JCQXEZGVUNU (kube-system/kube-dns:dns, "
				+ "udp/53): 2 endpoints → 10.32.0.6:53, 10.32.0.7:53");
		assertThat(race3.mitigations()).anySatisfy((m) -> assertThat(m).contains("5.6 or later"));
		assertThat(find(diagnosis, "dnat-race-1").orElseThrow().severity()).isEqualTo(Severity.INFO);
		assertThat(find(diagnosis, "dnat-race-2").orElseThrow().severity()).isEqualTo(Severity.INFO);
		assertThat(diagnosis.replayUrl()).startsWith("/?scenario=snat-port-race&kernel=5.0&mode=default")
			.endsWith("&endpoints=2");
	}

	@Test
	void diagnoseWhen54AndDropsIsRace3WarningInOneSampleCriticalInTwoAndCountsResolvedClashes() {
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.of(DROPS_ON_5_4,
				Fixtures.read("iptables-save-kube-proxy-old.txt"), "5.4.0-1103-azure", null));
		assertThat(find(diagnosis, "dnat-race-3").orElseThrow().severity()).isEqualTo(Severity.WARNING);
		Diagnosis twoSamples = this.diagnoser.diagnose(new NodeSample(NO_DROPS_ON_5_4,
				Fixtures.read("iptables-save-kube-proxy-old.txt"), "5.4.0-1103-azure", null, DROPS_ON_5_4, 60));
		assertThat(find(twoSamples, "dnat-race-3").orElseThrow().severity()).isEqualTo(Severity.CRITICAL);
		Finding race1 = find(diagnosis, "dnat-race-1").orElseThrow();
		assertThat(race1.severity()).isEqualTo(Severity.INFO);
		assertThat(race1.evidence()).anySatisfy((line) -> assertThat(line).startsWith("insert_failed − drop = 65"));
	}

	@Test
	void diagnoseWhenRace2On419DropsAndOn50Resolves() {
		String stats = "cpu=0 insert_failed=3 drop=3";
		assertThat(
				find(this.diagnoser.diagnose(NodeSample.of(stats, null, "4.19.20", null)), "dnat-race-2").orElseThrow()
					.severity())
			.isEqualTo(Severity.WARNING);
		assertThat(find(this.diagnoser.diagnose(NodeSample.of(stats, null, "4.19.112+", null)), "dnat-race-2")
			.orElseThrow()
			.severity()).as("4.19.29 and later stable releases carry the race 2 fix").isEqualTo(Severity.INFO);
		assertThat(
				find(this.diagnoser.diagnose(NodeSample.of(stats, null, "5.0.21", null)), "dnat-race-2").orElseThrow()
					.severity())
			.isEqualTo(Severity.INFO);
		assertThat(find(this.diagnoser.diagnose(NodeSample.of(stats, null, "4.19.112+", null)), "dnat-race-1")
			.orElseThrow()
			.severity()).isEqualTo(Severity.INFO);
	}

	@Test
	void diagnoseWhenTwoSamples60SecondsApartGivesPerMinuteRates() {
		String later = """
				cpu=0   \tfound=4700 invalid=2200 ignore=0 insert=0 insert_failed=80 drop=80 early_drop=0 error=0 search_restart=101
				cpu=1   \tfound=4500 invalid=2100 ignore=0 insert=0 insert_failed=84 drop=84 early_drop=0 error=0 search_restart=97
				cpu=2   \tfound=3977 invalid=1990 ignore=0 insert=0 insert_failed=66 drop=66 early_drop=0 error=0 search_restart=88
				cpu=3   \tfound=4102 invalid=2201 ignore=0 insert=0 insert_failed=73 drop=73 early_drop=0 error=0 search_restart=91
				""";
		Diagnosis diagnosis = this.diagnoser.diagnose(new NodeSample(Fixtures.read("conntrack-s-old.txt"),
				Fixtures.read("iptables-save-docker.txt"), "4.15.0-1044-aws", null, later, 30));
		Finding rates = find(diagnosis, "conntrack-rates").orElseThrow();
		assertThat(rates.severity()).isEqualTo(Severity.CRITICAL);
		assertThat(rates.title()).isEqualTo("About 24 connections or lookups delayed per minute");
		assertThat(rates.evidence()).contains("drop: +12 in 30 s = 24 per minute (sum over CPUs)",
				"insert_failed: +12 in 30 s = 24 per minute (sum over CPUs)");
		assertThat(rates.evidence()).anySatisfy((line) -> assertThat(line).contains("glibc lookup about 5 s"));
		assertThat(diagnosis.unreadLines()).isEmpty();
	}

	@Test
	void diagnoseWhenLaterSampleWentDownReportsTheResetInsteadOfANegativeRate() {
		String later = "cpu=0 insert_failed=2 drop=2\ncpu=1 insert_failed=90 drop=90\n";
		String earlier = "cpu=0 insert_failed=74 drop=74\ncpu=1 insert_failed=81 drop=81\n";
		Diagnosis diagnosis = this.diagnoser.diagnose(new NodeSample(earlier, null, "6.1.0-18-amd64", null, later, 60));
		assertThat(diagnosis.unreadLines()).singleElement().satisfies((line) -> {
			assertThat(line.field()).isEqualTo(NodeSample.CONNTRACK_STATS_LATER);
			assertThat(line.line()).isEqualTo(1);
			assertThat(line.reason()).contains("drop went down from 74 to 2").contains("reset");
		});
		assertThat(find(diagnosis, "conntrack-rates")).isEmpty();
	}

	@Test
	void diagnoseWhenNoDropsBetweenSamplesIsNotCriticalEvenWithDropsSinceBoot() {
		String stats = "cpu=0 insert_failed=74 drop=74\n";
		Diagnosis diagnosis = this.diagnoser.diagnose(
				new NodeSample(stats, Fixtures.read("iptables-save-docker.txt"), "5.15.0-1057-azure", null, stats, 60));
		assertThat(find(diagnosis, "snat-port-race").orElseThrow().severity()).isEqualTo(Severity.WARNING);
		Finding rates = find(diagnosis, "conntrack-rates").orElseThrow();
		assertThat(rates.severity()).isEqualTo(Severity.INFO);
		assertThat(rates.title()).isEqualTo("No packet lost between the two samples");
	}

	@Test
	void diagnoseWhenResolverUsesSingleRequestReopenRace1IsOnlyAWarningForMusl() {
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.of(Fixtures.read("conntrack-s-old.txt"), null,
				"4.17.19", Fixtures.read("resolv-host.conf")));
		Finding race1 = find(diagnosis, "dnat-race-1").orElseThrow();
		assertThat(race1.severity()).isEqualTo(Severity.WARNING);
		assertThat(race1.evidence()).anySatisfy((line) -> assertThat(line).contains("musl"));
		Finding resolver = find(diagnosis, "resolver-options").orElseThrow();
		assertThat(resolver.severity()).isEqualTo(Severity.INFO);
		assertThat(diagnosis.replayUrl()).contains("&resolver=glibc-single-request-reopen");
	}

	@Test
	void diagnoseWhenKubeletResolvConfWarnsAboutParallelQueriesAndNdots() {
		Diagnosis diagnosis = this.diagnoser
			.diagnose(NodeSample.of(null, null, "4.19.112+", Fixtures.read("resolv-kubelet.conf")));
		Finding resolver = find(diagnosis, "resolver-options").orElseThrow();
		assertThat(resolver.severity()).isEqualTo(Severity.WARNING);
		assertThat(resolver.mitigations().get(0)).contains("single-request-reopen");
		Finding ndots = find(diagnosis, "ndots-amplification").orElseThrow();
		assertThat(ndots.title()).isEqualTo("ndots:5 with 4 search domains: one lookup can be 10 queries");
		assertThat(ndots.evidence()).anySatisfy((line) -> assertThat(line).contains("namespace shop"));
	}

	@Test
	void diagnoseWithoutUnameAssumes417AndSaysSo() {
		Diagnosis diagnosis = this.diagnoser
			.diagnose(NodeSample.of(Fixtures.read("conntrack-s-old.txt"), null, null, null));
		assertThat(diagnosis.profile().basis()).isEqualTo(KernelMatch.Basis.ASSUMED);
		Finding kernel = find(diagnosis, "kernel-profile").orElseThrow();
		assertThat(kernel.severity()).isEqualTo(Severity.WARNING);
		assertThat(find(diagnosis, "snat-port-race").orElseThrow().title()).contains("no nat rules were pasted");
	}

	@Test
	void diagnoseWhenKernelIsOlderThanModelledWarns() {
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.of(null, null, "3.10.0-1160.el7.x86_64", null));
		assertThat(find(diagnosis, "kernel-profile").orElseThrow().title()).contains("older than any modelled");
	}

	@Test
	void diagnoseWhenEarlyDropsReportsTableFull() {
		Diagnosis diagnosis = this.diagnoser
			.diagnose(NodeSample.of(Fixtures.read("conntrack-s-aks-5.15.txt"), null, "5.15.0-1057-azure", null));
		assertThat(find(diagnosis, "table-full").orElseThrow().severity()).isEqualTo(Severity.WARNING);
		assertThat(find(diagnosis, "dnat-race-1").orElseThrow().evidence())
			.anySatisfy((line) -> assertThat(line).startsWith("clash_resolve=10"));
	}

	@Test
	void diagnoseReportsUnreadLinesOfEveryInputByField() {
		Diagnosis diagnosis = this.diagnoser.diagnose(
				new NodeSample("cpu=0 drop=1\nnonsense", "-A\n", "??", "bogus x", "cpu=0 drop=2\n\nnot a line", 60));
		assertThat(diagnosis.unreadLines()).extracting(UnreadLine::field, UnreadLine::line)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("conntrackStats", 2),
					org.assertj.core.groups.Tuple.tuple("iptables", 1), org.assertj.core.groups.Tuple.tuple("uname", 1),
					org.assertj.core.groups.Tuple.tuple("resolvConf", 1),
					org.assertj.core.groups.Tuple.tuple("conntrackStatsLater", 3));
	}

	@Test
	void replayModeFollowsTheMasqueradeFlags() {
		assertThat(ReplayLink.mode(IptablesParser.parse(Fixtures.read("iptables-save-counters.txt"))))
			.isEqualTo("random");
		assertThat(ReplayLink.mode(IptablesParser.parse(Fixtures.read("iptables-S-kube-proxy-new.txt"))))
			.isEqualTo("random-fully");
		assertThat(ReplayLink.mode(NatTable.empty())).isEqualTo("default");
	}

	@Test
	void replayEndpointsAreCappedAt16() {
		StringBuilder rules = new StringBuilder();
		for (int i = 0; i < 20; i++) {
			rules.append("-A KUBE-SVC-DNS -m comment --comment \"kube-system/kube-dns:dns\" -j KUBE-SEP-")
				.append(i)
				.append('\n');
		}
		Diagnosis diagnosis = this.diagnoser.diagnose(NodeSample.of(null, rules.toString(), "5.4.0-1103-azure", null));
		assertThat(diagnosis.replayUrl()).endsWith("&endpoints=16");
		assertThat(find(diagnosis, "dnat-race-3").orElseThrow().evidence().get(0)).contains("20 endpoints");
	}

	@Test
	void diagnoseIsDeterministic() {
		NodeSample sample = new NodeSample(Fixtures.read("conntrack-s-old.txt"),
				Fixtures.read("iptables-save-kube-proxy-old.txt"), "4.19.0-18-amd64",
				Fixtures.read("resolv-kubelet.conf"), Fixtures.read("conntrack-s-old.txt"), 60);
		assertThat(this.diagnoser.diagnose(sample)).isEqualTo(this.diagnoser.diagnose(sample));
	}

	private static Optional<Finding> find(Diagnosis diagnosis, String id) {
		List<Finding> found = diagnosis.findings().stream().filter((f) -> f.id().equals(id)).toList();
		assertThat(found).as("findings with id %s", id).hasSizeLessThanOrEqualTo(1);
		return found.stream().findFirst();
	}

}
