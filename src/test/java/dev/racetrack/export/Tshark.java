package dev.racetrack.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs Debian's {@code /usr/bin/tshark} on a capture file, with every checksum check on.
 * Where tshark is missing the tests that need it are skipped with one loud line, except
 * under {@code CI=true}, where a missing tshark fails the run (as
 * {@code dev.racetrack.browser.Browser} does for Chromium).
 */
final class Tshark {

	static final Path TSHARK = Path.of("/usr/bin/tshark");

	/** Checksum validation is off by default in Wireshark; these turn it on. */
	static final List<String> CHECK_CHECKSUMS = List.of("-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
			"-o", "udp.check_checksum:TRUE");

	private Tshark() {
	}

	/** Skips the calling test (or fails it under CI=true) when tshark is missing. */
	static void require() {
		if (Files.isExecutable(TSHARK)) {
			return;
		}
		String line = "!!! TSHARK TESTS SKIPPED: /usr/bin/tshark is missing (apt-get install -y tshark) !!!";
		if ("true".equals(System.getenv("CI"))) {
			throw new IllegalStateException(line.replace("SKIPPED", "CANNOT RUN") + " CI=true requires it.");
		}
		System.err.println(line);
		assumeTrue(false, line);
	}

	/**
	 * {@code tshark -r file <checksum checks> -T fields -E separator=| -e …}: one list of
	 * field values per packet.
	 */
	static List<List<String>> fields(Path file, String... fields) {
		List<String> args = new ArrayList<>(List.of("-r", file.toString()));
		args.addAll(CHECK_CHECKSUMS);
		args.addAll(List.of("-T", "fields", "-E", "separator=|", "-E", "occurrence=a"));
		for (String field : fields) {
			args.add("-e");
			args.add(field);
		}
		List<List<String>> rows = new ArrayList<>();
		for (String line : run(args).split("\n")) {
			if (!line.isEmpty()) {
				rows.add(Arrays.asList(line.split("\\|", -1)));
			}
		}
		return rows;
	}

	/** {@code tshark -r file <checksum checks> [more args]}: the standard output. */
	static String read(Path file, String... more) {
		List<String> args = new ArrayList<>(List.of("-r", file.toString()));
		args.addAll(CHECK_CHECKSUMS);
		args.addAll(List.of(more));
		return run(args);
	}

	private static String run(List<String> args) {
		require();
		List<String> command = new ArrayList<>();
		command.add(TSHARK.toString());
		command.addAll(args);
		try {
			Path err = Files.createTempFile("tshark", ".err");
			try {
				Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
				byte[] out = process.getInputStream().readAllBytes();
				if (!process.waitFor(60, TimeUnit.SECONDS)) {
					process.destroyForcibly();
					throw new IllegalStateException("tshark did not finish: " + command);
				}
				if (process.exitValue() != 0) {
					throw new IllegalStateException("tshark exited with " + process.exitValue() + ": "
							+ Files.readString(err, StandardCharsets.UTF_8));
				}
				return new String(out, StandardCharsets.UTF_8);
			}
			finally {
				Files.deleteIfExists(err);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
