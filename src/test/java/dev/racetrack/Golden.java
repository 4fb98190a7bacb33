package dev.racetrack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Golden outputs under {@code src/test/resources/golden/}: the expected text of a tool,
 * written by hand from the tool's source, compared byte for byte (ns-3's reference
 * outputs, src/docs/style-anchors.md §5).
 */
public final class Golden {

	private Golden() {
	}

	/** The golden file's bytes as UTF-8 text. */
	public static String read(String name) {
		try (InputStream in = Golden.class.getResourceAsStream("/golden/" + name)) {
			assertThat(in).as("golden file %s exists", name).isNotNull();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Asserts that {@code actual} is the golden file, byte for byte (the text comparison
	 * first, for a readable diff).
	 */
	public static void assertMatches(String name, String actual) {
		String expected = read(name);
		assertThat(actual).as("%s", name).isEqualTo(expected);
		assertThat(actual.getBytes(StandardCharsets.UTF_8)).as("%s, byte for byte", name)
			.isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
	}

}
