package dev.racetrack.diagnose;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link PastedText}.
 */
class PastedTextTests {

	@Test
	void ofSplitsLfCrlfAndLoneCrAndDropsTrailingSpaceAndColours() {
		PastedText text = PastedText.of("a \r\nb\rc\n\u001B[01;32mroot@node\u001B[00m:~# \n");
		assertThat(text.size()).isEqualTo(4);
		assertThat(text.line(1)).isEqualTo("a");
		assertThat(text.line(3)).isEqualTo("c");
		assertThat(text.line(4)).isEqualTo("root@node:~#");
		assertThat(text.overflow()).isEmpty();
	}

	@Test
	void ofWhenOverTheLineLimitReportsTheFirstLineNotRead() {
		PastedText text = PastedText.of("x\n".repeat(PastedText.MAX_LINES + 10));
		assertThat(text.size()).isEqualTo(PastedText.MAX_LINES);
		assertThat(text.overflow()).hasValueSatisfying((p) -> {
			assertThat(p.line()).isEqualTo(PastedText.MAX_LINES + 1);
			assertThat(p.reason()).contains("4096 lines");
		});
	}

	@Test
	void ofWhenOverTheCharacterLimitReadsWholeLinesBeforeIt() {
		String line = "y".repeat(999) + "\n";
		PastedText text = PastedText.of(line.repeat(100));
		assertThat(text.size()).isEqualTo(65);
		assertThat(text.overflow()).hasValueSatisfying((p) -> {
			assertThat(p.line()).isEqualTo(66);
			assertThat(p.reason()).contains("65536 characters");
		});
	}

	@Test
	void ofWhenOneLineIsTooLongReadsNothing() {
		PastedText text = PastedText.of("z".repeat(PastedText.MAX_CHARS + 1));
		assertThat(text.size()).isZero();
		assertThat(text.overflow()).hasValueSatisfying((p) -> assertThat(p.line()).isEqualTo(1));
	}

	@Test
	void ofNullIsEmptyAndBlank() {
		assertThat(PastedText.of(null).size()).isZero();
		assertThat(PastedText.of(null).isBlank()).isTrue();
	}

}
