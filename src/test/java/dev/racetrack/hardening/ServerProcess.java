package dev.racetrack.hardening;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The application started as a separate process, as the container runs it: with
 * {@code -Xmx512m -XX:+ExitOnOutOfMemoryError} (so that running out of heap ends the
 * process, as in production), on a free loopback port, its output in a file.
 *
 * <p>
 * It runs this build's classes (the test classpath), or the jar named by the system
 * property {@code racetrack.attack.jar}: pointing that at an older build is how each
 * attack was shown to fail before its fix.
 */
final class ServerProcess implements AutoCloseable {

	/** The heap the container is designed for. */
	static final String HEAP = System.getProperty("racetrack.attack.heap", "512m");

	/** The heap ceiling the processes get, in bytes. */
	static long heapBytes() {
		String h = HEAP.toLowerCase(java.util.Locale.ROOT);
		long unit = h.endsWith("g") ? 1L << 30 : h.endsWith("m") ? 1L << 20 : h.endsWith("k") ? 1L << 10 : 1;
		return Long.parseLong(h.replaceAll("[gmk]$", "")) * unit;
	}

	private final Process process;

	private final int port;

	private final Path log;

	private ServerProcess(Process process, int port, Path log) {
		this.process = process;
		this.port = port;
		this.log = log;
	}

	/**
	 * Starts the application with extra {@code --name=value} arguments and waits until it
	 * serves.
	 */
	static ServerProcess start(String... args) throws Exception {
		int port = freePort();
		Path log = Files.createTempFile("racetrack-server-", ".log");
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-Xmx" + HEAP);
		command.add("-XX:+ExitOnOutOfMemoryError");
		// Collections and their pauses go to the log, to tell a pause from a slow answer.
		command.add("-Xlog:gc:file=" + log + ".gc");
		String jar = System.getProperty("racetrack.attack.jar");
		if (jar != null && !jar.isBlank()) {
			command.add("-jar");
			command.add(jar);
		}
		else {
			command.add("-cp");
			command.add(System.getProperty("java.class.path"));
			command.add("dev.racetrack.RacetrackApplication");
		}
		command.add("--server.port=" + port);
		command.add("--server.address=127.0.0.1");
		command.addAll(List.of(args));
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		ServerProcess server = new ServerProcess(process, port, log);
		server.awaitUp(Duration.ofSeconds(90));
		return server;
	}

	int port() {
		return this.port;
	}

	long pid() {
		return this.process.pid();
	}

	URI uri(String pathAndQuery) {
		return URI.create("http://127.0.0.1:" + this.port + pathAndQuery);
	}

	boolean alive() {
		return this.process.isAlive();
	}

	/** The exit code, or -1 while it runs. */
	int exitCode() {
		return this.process.isAlive() ? -1 : this.process.exitValue();
	}

	/**
	 * Each collection so far, from the GC log: its time since the start (ms) and the heap
	 * in use after it (bytes).
	 */
	List<long[]> heapAfterEachGc() {
		List<long[]> out = new ArrayList<>();
		try {
			java.util.regex.Matcher m = java.util.regex.Pattern
				.compile("^\\[(\\d+\\.\\d+)s\\].* (\\d+)M->(\\d+)M\\(", java.util.regex.Pattern.MULTILINE)
				.matcher(Files.readString(Path.of(this.log + ".gc")));
			while (m.find()) {
				out.add(new long[] { (long) (Double.parseDouble(m.group(1)) * 1000),
						Long.parseLong(m.group(3)) << 20 });
			}
		}
		catch (IOException ex) {
			// no log yet
		}
		return out;
	}

	/** The longest collection pause so far, in milliseconds, from its GC log. */
	double longestGcPauseMillis() {
		try {
			java.util.regex.Matcher m = java.util.regex.Pattern
				.compile(" (\\d+\\.\\d+)ms$", java.util.regex.Pattern.MULTILINE)
				.matcher(Files.readString(Path.of(this.log + ".gc")));
			double max = 0;
			while (m.find()) {
				max = Math.max(max, Double.parseDouble(m.group(1)));
			}
			return max;
		}
		catch (IOException ex) {
			return Double.NaN;
		}
	}

	/** What the process printed so far. */
	String output() {
		try {
			return Files.readString(this.log, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			return "";
		}
	}

	/** Sends SIGTERM and waits; returns how long the process took to exit, or null. */
	Duration terminate(Duration wait) throws InterruptedException {
		long start = System.nanoTime();
		this.process.destroy();
		if (!this.process.waitFor(wait.toMillis(), TimeUnit.MILLISECONDS)) {
			return null;
		}
		return Duration.ofNanos(System.nanoTime() - start);
	}

	/**
	 * The heap in use after a full collection, in bytes, as {@code jcmd GC.heap_info}
	 * reports it right after {@code jcmd GC.run}.
	 */
	long heapUsedAfterGc() throws Exception {
		jcmd("GC.run");
		String info = jcmd("GC.heap_info");
		java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(info);
		if (!m.find()) {
			throw new IllegalStateException("no heap figure in: " + info);
		}
		return Long.parseLong(m.group(1)) * 1024;
	}

	private String jcmd(String what) throws Exception {
		Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
				String.valueOf(pid()), what)
			.redirectErrorStream(true)
			.start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		p.waitFor(30, TimeUnit.SECONDS);
		return out;
	}

	private void awaitUp(Duration timeout) throws Exception {
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException(
						"the server exited with " + this.process.exitValue() + ":\n" + output());
			}
			try {
				HttpResponse<String> r = client.send(
						HttpRequest.newBuilder(uri("/actuator/health")).timeout(Duration.ofSeconds(2)).build(),
						HttpResponse.BodyHandlers.ofString());
				if (r.statusCode() == 200) {
					return;
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			Thread.sleep(200);
		}
		close();
		throw new IllegalStateException("the server did not start within " + timeout + ":\n" + output());
	}

	@Override
	public void close() throws InterruptedException {
		if (this.process.isAlive()) {
			this.process.destroy();
			if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
				this.process.destroyForcibly();
				this.process.waitFor(10, TimeUnit.SECONDS);
			}
		}
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
