package dev.racetrack.diagnose;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.racetrack.diagnose.KernelMatch.Basis;
import dev.racetrack.kernel.KernelProfile;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link UnameParser} and {@link KernelProfiles}.
 */
class UnameParserTests {

	@ParameterizedTest(name = "{0} → {1}")
	@CsvSource({ "4.15.0-1044-aws, 4.17, true", "3.10.0-1160.el7.x86_64, 4.17, true",
			"4.14.300-225.541.amzn2, 4.17, true", "4.17.19, 4.17, false", "4.19.112+, 4.19, false",
			"4.19.0-18-amd64, 4.19, false", "5.4.0-1103-azure, 5.0, false", "5.6.19, 5.6, false",
			"5.9.16-1-default, 5.6, false", "5.10.186-179.751.amzn2.x86_64, 6.x, false",
			"5.15.0-1057-azure, 6.x, false", "6.1.0-18-amd64, 6.x, false", "6.8.0-1015-gcp, 6.x, false" })
	void matchMapsEachReleaseToTheNearestModelledKernel(String release, String profile, boolean older) {
		KernelMatch match = match(release);
		assertThat(match.profile().id()).isEqualTo(profile);
		assertThat(match.basis()).isEqualTo(Basis.UNAME);
		assertThat(match.uname()).isEqualTo(release);
		assertThat(match.olderThanModelled()).isEqualTo(older);
	}

	@Test
	void matchWhenOlderThanModelledSaysSo() {
		assertThat(match("3.10.0-1160.el7.x86_64").explanation()).contains("older than any modelled kernel")
			.contains("Red Hat");
		assertThat(match("4.14.300-225.541.amzn2").explanation()).contains("February 2022");
	}

	@Test
	void matchWhen419HasTheLtsBackportsSaysPortSelectionIsLike50ButNotRace2() {
		assertThat(match("4.19.228").explanation()).contains("like 5.0").contains("UDP races 1 and 2 resolved");
		assertThat(match("4.19.112+").explanation()).doesNotContain("like 5.0");
		assertThat(match("4.19.20").fixes().race2()).isEqualTo(KernelFixes.Fix.DROPS);
		assertThat(match("4.19.0-18-amd64").explanation()).contains("paste uname -a for the exact sublevel");
	}

	@Test
	void matchWhen56To59SaysTheCountersDiffer() {
		assertThat(match("5.6.19").explanation()).contains("clash_resolve").contains("5.10");
	}

	@Test
	void matchWhen510To64SaysWhatItLacksOf6x() {
		assertThat(match("5.15.0-1057-azure").explanation()).contains("linear SYN back-off")
			.contains("TIME_WAIT")
			.contains("Ubuntu");
		assertThat(match("6.8.0-1015-gcp").explanation()).doesNotContain("linear SYN back-off (6.5)");
	}

	@Test
	void parseWhenUnameAIsPastedReadsTheRelease() {
		UnameParser.Result result = UnameParser
			.parse("Linux de-ha-public-2 5.10.0-9-amd64 #1 SMP Debian 5.10.70-1 (2021-09-30) x86_64 GNU/Linux");
		assertThat(result.version()).hasValueSatisfying((v) -> assertThat(v.release()).isEqualTo("5.10.0-9-amd64"));
		assertThat(result.problems()).isEmpty();
	}

	@Test
	void parseWhenPromptAndProcVersionReadsTheRelease() {
		UnameParser.Result result = UnameParser.parse("root@node:~# cat /proc/version\r\n"
				+ "Linux version 5.4.0-1103-azure (buildd@lcy02-amd64-040) (gcc version 7.5.0) #109~18.04.1-Ubuntu SMP\r\n");
		assertThat(result.version()).hasValueSatisfying((v) -> assertThat(v.majorMinor()).isEqualTo("5.4"));
	}

	@Test
	void parseWhenGarbageReportsTheLineAndMatchAssumes417() {
		UnameParser.Result result = UnameParser.parse("root@node:~# uname -r\nwhatever\n");
		assertThat(result.version()).isEmpty();
		assertThat(result.problems()).singleElement().satisfies((p) -> assertThat(p.line()).isEqualTo(2));
		KernelMatch match = KernelProfiles.match(result.version(), ConntrackStats.empty());
		assertThat(match.profile()).isEqualTo(KernelProfile.V4_17);
		assertThat(match.basis()).isEqualTo(Basis.ASSUMED);
	}

	@Test
	void parseWhenTwoReleasesUsesTheFirst() {
		UnameParser.Result result = UnameParser.parse("5.4.0-1103-azure\n6.1.0-18-amd64\n");
		assertThat(result.version()).hasValueSatisfying((v) -> assertThat(v.major()).isEqualTo(5));
		assertThat(result.problems()).singleElement().satisfies((p) -> assertThat(p.line()).isEqualTo(2));
	}

	@Test
	void matchWithoutUnameReadsClashResolveAs6x() {
		ConntrackStats stats = ConntrackStatsParser.parse(Fixtures.read("conntrack-s-aks-5.15.txt"));
		KernelMatch match = KernelProfiles.match(Optional.empty(), stats);
		assertThat(match.profile()).isEqualTo(KernelProfile.V6_X);
		assertThat(match.basis()).isEqualTo(Basis.COUNTERS);
	}

	private static KernelMatch match(String release) {
		UnameParser.Result result = UnameParser.parse(release);
		assertThat(result.problems()).isEmpty();
		return KernelProfiles.match(result.version(), ConntrackStats.empty());
	}

}
