package dev.racetrack.diagnose;

import org.junit.jupiter.api.Test;

import dev.racetrack.diagnose.ConntrackStats.Format;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ConntrackStatsParser}.
 */
class ConntrackStatsParserTests {

	@Test
	void parseWhenConntrackSOldFieldSetReadsEveryCpuAndSkipsThePrompt() {
		ConntrackStats stats = ConntrackStatsParser.parse(Fixtures.read("conntrack-s-old.txt"));
		assertThat(stats.format()).isEqualTo(Format.CONNTRACK_S);
		assertThat(stats.problems()).isEmpty();
		assertThat(stats.cpus()).hasSize(4);
		assertThat(stats.cpus().get(0).line()).isEqualTo(2);
		assertThat(stats.cpus().get(0).get(Counter.IGNORE)).isZero();
		assertThat(stats.cpus().get(0).has(Counter.IGNORE)).isTrue();
		assertThat(stats.total(Counter.INSERT_FAILED)).isEqualTo(74 + 81 + 66 + 70);
		assertThat(stats.total(Counter.DROP)).isEqualTo(stats.total(Counter.INSERT_FAILED));
		assertThat(stats.fromKernel510OrLater()).contains(false);
	}

	@Test
	void parseWhenConntrackSNewFieldSetWithCrlfReadsClashResolveAndChainTooLong() {
		ConntrackStats stats = ConntrackStatsParser.parse(Fixtures.read("conntrack-s-aks-5.15.txt"));
		assertThat(stats.format()).isEqualTo(Format.CONNTRACK_S);
		assertThat(stats.problems()).isEmpty();
		assertThat(stats.cpus()).extracting(CpuCounters::cpu).containsExactly(0, 1);
		assertThat(stats.total(Counter.CLASH_RESOLVE)).isEqualTo(10);
		assertThat(stats.total(Counter.EARLY_DROP)).isEqualTo(939985 + 941003);
		assertThat(stats.cpus().get(1).has(Counter.CHAINTOOLONG)).isTrue();
		assertThat(stats.fromKernel510OrLater()).contains(true);
	}

	@Test
	void parseWhenHeaderIsOldEraReadsSearchedColumn() {
		ConntrackStats stats = ConntrackStatsParser.parse(Fixtures.read("proc-old-header.txt"));
		assertThat(stats.format()).isEqualTo(Format.PROC_OLD);
		assertThat(stats.problems()).isEmpty();
		assertThat(stats.cpus()).hasSize(2);
		assertThat(stats.cpus().get(0).get(Counter.SEARCHED)).isEqualTo(0x0760e6ffL);
		assertThat(stats.cpus().get(0).get("delete_list")).isEqualTo(0x005a1da9L);
		assertThat(stats.cpus().get(0).get(Counter.ERROR)).isEqualTo(0x00021251L);
		assertThat(stats.total(Counter.INSERT_FAILED)).isEqualTo(0x4a + 0x51);
		assertThat(stats.entries()).hasValue(0x71e);
		assertThat(stats.has(Counter.CLASH_RESOLVE)).isFalse();
		assertThat(stats.fromKernel510OrLater()).contains(false);
	}

	@Test
	void parseWhenHeaderIsNewEraMapsClashresAndChainlength() {
		ConntrackStats stats = ConntrackStatsParser.parse(Fixtures.read("proc-new-header.txt"));
		assertThat(stats.format()).isEqualTo(Format.PROC_NEW);
		assertThat(stats.problems()).isEmpty();
		assertThat(stats.cpus()).extracting(CpuCounters::cpu).containsExactly(0, 1, 2, 3);
		assertThat(stats.cpus()).extracting(CpuCounters::line).containsExactly(3, 4, 5, 6);
		assertThat(stats.total(Counter.CLASH_RESOLVE)).isEqualTo(0x2a + 0x11 + 0x05);
		assertThat(stats.cpus().get(0).has(Counter.CHAINTOOLONG)).isTrue();
		assertThat(stats.has(Counter.SEARCHED)).isFalse();
		assertThat(stats.fromKernel510OrLater()).contains(true);
	}

	@Test
	void parseWhenHeaderMixesClashresAndDeleteListMapsByName() {
		ConntrackStats stats = ConntrackStatsParser.parse(Fixtures.read("proc-debian-5.10.txt"));
		assertThat(stats.format()).isEqualTo(Format.PROC_NEW);
		assertThat(stats.cpus().get(1).get(Counter.CLASH_RESOLVE)).isEqualTo(2);
		assertThat(stats.cpus().get(1).get(Counter.INVALID)).isEqualTo(0x70);
		assertThat(stats.cpus().get(1).has("delete_list")).isTrue();
	}

	@Test
	void parseWhenProcRowsHaveNoHeaderAssumesModernOrderAndSaysSo() {
		String rows = "00000004  00000003 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
				+ "00000001 00000001 00000000 00000000  00000000 00000000 00000000 00000000\n";
		ConntrackStats stats = ConntrackStatsParser.parse(rows);
		assertThat(stats.format()).isEqualTo(Format.PROC_NO_HEADER);
		assertThat(stats.total(Counter.CLASH_RESOLVE)).isEqualTo(3);
		assertThat(stats.total(Counter.DROP)).isEqualTo(1);
		assertThat(stats.problems()).singleElement().satisfies((p) -> {
			assertThat(p.line()).isEqualTo(1);
			assertThat(p.reason()).contains("no header");
		});
	}

	@Test
	void parseWhenLastProcRowIsCutShortReadsItsColumnsAndReportsTheLine() {
		String text = Fixtures.read("proc-old-header.txt") + "0000071e  0044e878 057c5a59 001b46d7";
		ConntrackStats stats = ConntrackStatsParser.parse(text);
		assertThat(stats.cpus()).hasSize(3);
		assertThat(stats.cpus().get(2).get(Counter.FOUND)).isEqualTo(0x057c5a59L);
		assertThat(stats.cpus().get(2).has(Counter.DROP)).isFalse();
		assertThat(stats.problems()).singleElement().satisfies((p) -> {
			assertThat(p.line()).isEqualTo(5);
			assertThat(p.reason()).contains("only 4 of 17 columns");
		});
	}

	@Test
	void parseWhenConntrackSLineIsCutShortKeepsWhatItReadAndNamesTheToken() {
		String text = "cpu=0 found=1 invalid=2 insert_failed=3 drop=3\ncpu=1 found=9 inv";
		ConntrackStats stats = ConntrackStatsParser.parse(text);
		assertThat(stats.cpus()).hasSize(2);
		assertThat(stats.cpus().get(1).get(Counter.FOUND)).isEqualTo(9);
		assertThat(stats.problems()).singleElement().satisfies((p) -> {
			assertThat(p.line()).isEqualTo(2);
			assertThat(p.reason()).contains("'inv'");
		});
	}

	@Test
	void parseWhenOnlySummaryLinesReadsThemWithoutCpus() {
		ConntrackStats stats = ConntrackStatsParser.parse("entries 123\n");
		assertThat(stats.format()).isEqualTo(Format.SUMMARY);
		assertThat(stats.problems()).isEmpty();
		assertThat(stats.cpus()).isEmpty();
		assertThat(stats.entries()).hasValue(123);
		assertThat(stats.readable()).isFalse();
	}

	@Test
	void parseWhenConntrackSHasAGlobalSummaryLineKeepsBoth() {
		ConntrackStats stats = ConntrackStatsParser.parse("cpu=0 found=1 insert_failed=2 drop=2\nentries 42");
		assertThat(stats.format()).isEqualTo(Format.CONNTRACK_S);
		assertThat(stats.entries()).hasValue(42);
		assertThat(stats.total(Counter.DROP)).isEqualTo(2);
	}

	@Test
	void parseWhenNoiseSurroundsTheOutputReportsOnlyTheShellMessage() {
		String text = "```\n[root@ip-10-0-1-17 ~]# conntrack -S\n-bash: conntrack: command not found\n"
				+ "[root@ip-10-0-1-17 ~]# cat /proc/net/stat/nf_conntrack\n" + Fixtures.read("proc-new-header.txt")
				+ "conntrack v1.4.6 (conntrack-tools): 0 flow entries have been shown.\n```\n";
		ConntrackStats stats = ConntrackStatsParser.parse(text);
		assertThat(stats.cpus()).hasSize(4);
		assertThat(stats.problems()).singleElement().satisfies((p) -> {
			assertThat(p.line()).isEqualTo(3);
			assertThat(p.reason()).contains("not installed");
		});
	}

	@Test
	void parseWhenWatchHeaderIsPastedSkipsIt() {
		ConntrackStats stats = ConntrackStatsParser
			.parse("Every 2.0s: conntrack -S          node-1: Mon Mar 14 08:01:55 2022\n\ncpu=0 drop=1\n");
		assertThat(stats.problems()).isEmpty();
		assertThat(stats.total(Counter.DROP)).isEqualTo(1);
	}

	@Test
	void parseWhenBothFormatsArePastedKeepsTheFirstAndReportsTheOther() {
		String text = "cpu=0 found=1 insert_failed=2 drop=2\n" + Fixtures.read("proc-new-header.txt");
		ConntrackStats stats = ConntrackStatsParser.parse(text);
		assertThat(stats.format()).isEqualTo(Format.CONNTRACK_S);
		assertThat(stats.cpus()).hasSize(1);
		assertThat(stats.problems()).extracting(LineProblem::line).containsExactly(3, 4, 5, 6, 7);
	}

	@Test
	void parseWhenACpuAppearsTwiceKeepsTheFirstAndReportsTheSecond() {
		ConntrackStats stats = ConntrackStatsParser.parse("cpu=0 drop=1\ncpu=0 drop=5\n");
		assertThat(stats.total(Counter.DROP)).isEqualTo(1);
		assertThat(stats.problems()).singleElement().satisfies((p) -> {
			assertThat(p.line()).isEqualTo(2);
			assertThat(p.reason()).contains("appears again (first on line 1)");
		});
	}

	@Test
	void parseWhenTextIsSomethingElseReportsEveryLine() {
		ConntrackStats stats = ConntrackStatsParser.parse("hello\n\nworld\n");
		assertThat(stats.format()).isEqualTo(Format.NONE);
		assertThat(stats.problems()).extracting(LineProblem::line).containsExactly(1, 3);
	}

	@Test
	void parseWhenNullGivesNothing() {
		ConntrackStats stats = ConntrackStatsParser.parse(null);
		assertThat(stats.format()).isEqualTo(Format.NONE);
		assertThat(stats.problems()).isEmpty();
	}

	@Test
	void samplesWhenNodeExporterMetricsReadTheCpuSumsAsTheSummary() {
		String text = """
				# HELP node_nf_conntrack_stat_drop Number of packets dropped due to conntrack failure.
				# TYPE node_nf_conntrack_stat_drop gauge
				node_nf_conntrack_stat_drop{instance="10.0.0.1:9100",job="node"} 7
				node_nf_conntrack_stat_insert_failed{instance="10.0.0.1:9100",job="node"} 2.214804038e+09
				node_nf_conntrack_stat_drop{instance="10.0.0.2:9100",job="node"} 9
				node_nf_conntrack_entries / node_nf_conntrack_entries_limit > 0.80
				""";
		PasteReader.Sorted sorted = PasteReader.read(text);
		ConntrackStats stats = ConntrackStatsParser.samples(sorted.of(PasteFormat.CONNTRACK_STATS), false).get(0);
		assertThat(stats.format()).isEqualTo(Format.METRICS);
		assertThat(stats.cpus()).isEmpty();
		assertThat(stats.total(Counter.DROP)).isEqualTo(7);
		assertThat(stats.total(Counter.INSERT_FAILED)).isEqualTo(2214804038L);
		assertThat(stats.problems()).singleElement()
			.satisfies((p) -> assertThat(p.reason()).contains("another series"));
		// The alert's expression is read as the alert's threshold, not as a sample.
		assertThat(sorted.of(PasteFormat.ALERT)).extracting(Line::number).containsExactly(6);
	}

	@Test
	void samplesWhenExporterMetricsPerCpuMergeEachCpuAndASecondScrapeIsASecondSample() {
		String scrape = """
				conntrack_stats_insert_failed{cpu="0",netns=""} 3
				conntrack_stats_insert_failed{cpu="1",netns=""} 4
				conntrack_stats_drop{cpu="0",netns=""} 3
				conntrack_stats_drop{cpu="1",netns=""} 4
				""";
		String later = scrape.replace("} 4", "} 9");
		PasteReader.Sorted sorted = PasteReader.read(scrape + later);
		java.util.List<ConntrackStats> samples = ConntrackStatsParser.samples(sorted.of(PasteFormat.CONNTRACK_STATS),
				false);
		assertThat(samples).hasSize(2);
		assertThat(samples.get(0).cpus()).extracting(CpuCounters::cpu).containsExactly(0, 1);
		assertThat(samples.get(0).cpus().get(1).line()).isEqualTo(2);
		assertThat(samples.get(0).total(Counter.DROP)).isEqualTo(7);
		assertThat(samples.get(1).total(Counter.DROP)).isEqualTo(12);
		assertThat(samples.get(0).problems()).isEmpty();
	}

}
