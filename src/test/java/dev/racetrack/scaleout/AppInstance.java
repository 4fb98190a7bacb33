package dev.racetrack.scaleout;

import java.io.IOException;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Racetrack instance as its own operating-system process (its own JVM, heap, event
 * loops and sessions; nothing shared with the others but what goes through Redis), on a
 * free loopback port, its output in {@code target/scaleout/<name>-<port>.log}. It runs
 * this build's classes (the test classpath). {@link #kill()} ends it with
 * {@code SIGKILL}: no shutdown hook, no goodbye to its clients or to Redis, as when a
 * node dies.
 */
public final class AppInstance implements AutoCloseable {

	private final String name;

	private final int port;

	private final Path log;

	private final Process process;

	private AppInstance(String name, int port, Path log, Process process) {
		this.name = name;
		this.port = port;
		this.log = log;
		this.process = process;
	}

	/**
	 * Launches an instance (without waiting for it) with {@code jvm} options and
	 * {@code --name=value} arguments.
	 */
	public static AppInstance launch(String name, List<String> jvm, List<String> args) throws IOException {
		int port = RedisServer.freePort();
		Path dir = Path.of("target", "scaleout");
		Files.createDirectories(dir);
		Path log = dir.resolve(name + "-" + port + ".log");
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		command.add("-XX:+ExitOnOutOfMemoryError");
		command.addAll(jvm);
		command.add("-cp");
		command.add(System.getProperty("java.class.path"));
		command.add("dev.racetrack.RacetrackApplication");
		command.add("--server.port=" + port);
		command.add("--server.address=127.0.0.1");
		command.add("--spring.application.name=racetrack-" + name);
		command.addAll(args);
		Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
		return new AppInstance(name, port, log, process);
	}

	/**
	 * Launches {@code count} instances at once (they start in parallel) and waits until
	 * each one serves.
	 */
	public static List<AppInstance> start(int count, List<String> jvm, List<String> args) throws Exception {
		List<AppInstance> all = new ArrayList<>();
		try {
			for (int i = 0; i < count; i++) {
				all.add(launch("i" + (i + 1), jvm, args));
			}
			for (AppInstance a : all) {
				a.awaitUp(Duration.ofSeconds(120));
			}
			return all;
		}
		catch (Exception ex) {
			for (AppInstance a : all) {
				a.close();
			}
			throw ex;
		}
	}

	public String name() {
		return this.name;
	}

	public int port() {
		return this.port;
	}

	public long pid() {
		return this.process.pid();
	}

	public String base() {
		return "http://127.0.0.1:" + this.port;
	}

	public URI uri(String path) {
		return URI.create(base() + path);
	}

	public boolean alive() {
		return this.process.isAlive();
	}

	/** What the process printed so far. */
	public String output() {
		try {
			return Files.readString(this.log, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			return "";
		}
	}

	/** Waits until {@code /actuator/health/liveness} answers 200. */
	public void awaitUp(Duration timeout) throws Exception {
		HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException(
						this.name + " exited with " + this.process.exitValue() + ":\n" + output());
			}
			try {
				HttpResponse<String> r = client.send(
						HttpRequest.newBuilder(uri("/actuator/health/liveness")).timeout(Duration.ofSeconds(2)).build(),
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
		throw new IllegalStateException(this.name + " did not start within " + timeout + ":\n" + output());
	}

	/** Ends the process with {@code SIGKILL} and waits for it to be gone. */
	public void kill() throws InterruptedException {
		this.process.destroyForcibly();
		this.process.waitFor(20, TimeUnit.SECONDS);
	}

	/**
	 * The heap in use after a full collection, in bytes ({@code jcmd GC.run}, then
	 * {@code GC.heap_info}).
	 */
	public long heapUsedAfterGc() throws Exception {
		jcmd("GC.run");
		String info = jcmd("GC.heap_info");
		Matcher m = Pattern.compile("used (\\d+)K").matcher(info);
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

	/**
	 * Stops the process (SIGTERM, then SIGKILL after 20 s); its log stays in
	 * target/scaleout.
	 */
	@Override
	public void close() throws InterruptedException {
		if (this.process.isAlive()) {
			this.process.destroy();
			if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
				kill();
			}
		}
	}

}
