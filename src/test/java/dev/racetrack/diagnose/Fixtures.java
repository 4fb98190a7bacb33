package dev.racetrack.diagnose;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the real-format samples under {@code src/test/resources/diagnose/} (their sources
 * are in the README there).
 */
final class Fixtures {

	private Fixtures() {
	}

	static String read(String name) {
		try (InputStream in = Fixtures.class.getResourceAsStream("/diagnose/" + name)) {
			if (in == null) {
				throw new IllegalArgumentException("no fixture " + name);
			}
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
