package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Every parser and the {@link Diagnoser} take thousands of random and mangled inputs
 * (seed 42) without throwing, and every line they report exists in the input.
 */
class ParserFuzzTests {

	private static final long SEED = 42;

	private static final int CASES = 3_000;

	private static final List<String> FIXTURES = List.of("conntrack-s-old.txt", "conntrack-s-aks-5.15.txt",
			"proc-old-header.txt", "proc-new-header.txt", "proc-debian-5.10.txt", "iptables-save-docker.txt",
			"iptables-save-kube-proxy-old.txt", "iptables-S-kube-proxy-new.txt", "iptables-save-counters.txt",
			"resolv-kubelet.conf", "resolv-host.conf");

	private static final String ALPHABET = "cpu=0123456789abcdefABCDEF \t\r\n\"'\\#;:-!*[]/.,_=+~$%>@"
			+ "entrisfoundvaldrp-AIPNjMASQUERADEKUBE-SVCSEPnameserversearchoptionsndots:\u0000\u001B\u00e9\u2028\uFEFF";

	@Test
	void parsersNeverThrowAndReportOnlyLinesThatExist() {
		Random random = new Random(SEED);
		List<String> fixtures = FIXTURES.stream().map(Fixtures::read).toList();
		for (int i = 0; i < CASES; i++) {
			String input = input(random, fixtures);
			int lines = lineCount(input);
			String seed = "case " + i + " of seed " + SEED;
			check(seed, input, lines, (text) -> ConntrackStatsParser.parse(text).problems());
			check(seed, input, lines, (text) -> IptablesParser.parse(text).problems());
			check(seed, input, lines, (text) -> UnameParser.parse(text).problems());
			check(seed, input, lines, (text) -> ResolvConfParser.parse(text).problems());
		}
	}

	@Test
	void diagnoserNeverThrowsOnMangledSamples() {
		Random random = new Random(SEED);
		List<String> fixtures = FIXTURES.stream().map(Fixtures::read).toList();
		Diagnoser diagnoser = new Diagnoser();
		for (int i = 0; i < CASES / 3; i++) {
			NodeSample sample = new NodeSample(input(random, fixtures), input(random, fixtures),
					input(random, fixtures), input(random, fixtures), input(random, fixtures),
					random.nextBoolean() ? 1 + random.nextInt(86_400) : null);
			assertThatNoException().as("case %d of seed %d", i, SEED).isThrownBy(() -> {
				Diagnosis diagnosis = diagnoser.diagnose(sample);
				assertThat(diagnosis.replayUrl()).startsWith("/?scenario=");
				assertThat(diagnosis.unreadLines()).allSatisfy((line) -> assertThat(line.line()).isPositive());
			});
		}
	}

	private static void check(String seed, String input, int lines, Function<String, List<LineProblem>> parser) {
		List<LineProblem> problems = new ArrayList<>();
		assertThatNoException().as(seed).isThrownBy(() -> problems.addAll(parser.apply(input)));
		assertThat(problems).as(seed).allSatisfy((p) -> assertThat(p.line()).isBetween(1, Math.max(1, lines)));
	}

	/** Random text, a mangled fixture, or fixtures spliced together. */
	private static String input(Random random, List<String> fixtures) {
		return switch (random.nextInt(4)) {
			case 0 -> randomText(random, random.nextInt(400));
			case 1 -> mangle(random, fixtures.get(random.nextInt(fixtures.size())));
			case 2 -> fixtures.get(random.nextInt(fixtures.size())) + randomText(random, 40)
					+ fixtures.get(random.nextInt(fixtures.size()));
			default -> cut(random, fixtures.get(random.nextInt(fixtures.size())));
		};
	}

	private static String randomText(Random random, int length) {
		StringBuilder text = new StringBuilder(length);
		for (int i = 0; i < length; i++) {
			text.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
		}
		return text.toString();
	}

	private static String mangle(Random random, String fixture) {
		StringBuilder text = new StringBuilder(fixture);
		int edits = 1 + random.nextInt(20);
		for (int i = 0; i < edits && text.length() > 0; i++) {
			int at = random.nextInt(text.length());
			switch (random.nextInt(3)) {
				case 0 -> text.deleteCharAt(at);
				case 1 -> text.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
				default -> text.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
			}
		}
		return text.toString();
	}

	private static String cut(Random random, String fixture) {
		return fixture.substring(0, random.nextInt(fixture.length() + 1));
	}

	/** Lines as {@link PastedText} counts them (LF, CRLF or lone CR). */
	private static int lineCount(String text) {
		return text.isEmpty() ? 0 : text.split("\r\n|\r|\n", -1).length;
	}

}
