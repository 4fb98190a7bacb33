package dev.racetrack.scaleout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real Debian {@code redis-server} on a free loopback port, as a JUnit extension:
 * started before the test class, stopped after it. It keeps nothing on disk (no RDB, no
 * AOF, its directory a temporary one) and can be killed ({@code SIGKILL}) and started
 * again on the same port, for the outage tests. Where {@code /usr/bin/redis-server} is
 * missing the tests are skipped with one loud line, except under {@code CI=true}, where
 * it fails the run ({@code .ci/run} installs it).
 *
 * <pre>
 * &#64;RegisterExtension
 * static final RedisServer redis = new RedisServer();
 * ... "--spring.data.redis.url=" + redis.url()
 * </pre>
 */
public final class RedisServer implements BeforeAllCallback, AfterAllCallback {

	public static final Path BINARY = Path.of("/usr/bin/redis-server");

	private int port;

	private Path dir;

	private Process process;

	private RedisClient client;

	private StatefulRedisConnection<String, String> connection;

	@Override
	public void beforeAll(ExtensionContext context) throws Exception {
		start();
	}

	@Override
	public void afterAll(ExtensionContext context) throws Exception {
		stop();
	}

	/** Starts the server (on a free port the first time, on the same port after that). */
	public synchronized void start() throws Exception {
		if (!Files.isExecutable(BINARY)) {
			String line = "!!! REDIS TESTS SKIPPED: /usr/bin/redis-server is missing (apt-get install -y redis-server) !!!";
			if ("true".equals(System.getenv("CI"))) {
				throw new IllegalStateException(line.replace("SKIPPED", "CANNOT RUN") + " CI=true requires it.");
			}
			System.err.println(line);
			assumeTrue(false, line);
		}
		if (this.process != null && this.process.isAlive()) {
			return;
		}
		if (this.port == 0) {
			this.port = freePort();
			this.dir = Files.createTempDirectory("racetrack-redis-");
		}
		Path log = this.dir.resolve("redis.log");
		this.process = new ProcessBuilder(BINARY.toString(), "--port", String.valueOf(this.port), "--bind", "127.0.0.1",
				"--save", "", "--appendonly", "no", "--dir", this.dir.toString(), "--daemonize", "no",
				"--protected-mode", "yes", "--loglevel", "warning")
			.redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
			.start();
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("redis-server exited with " + this.process.exitValue() + ": "
						+ Files.readString(log, StandardCharsets.UTF_8));
			}
			if (ping()) {
				return;
			}
			Thread.sleep(50);
		}
		throw new IllegalStateException("redis-server did not answer PING on port " + this.port);
	}

	/** Kills the server at once ({@code SIGKILL}): no goodbye to its clients. */
	public synchronized void kill() throws InterruptedException {
		if (this.process != null && this.process.isAlive()) {
			this.process.destroyForcibly();
			this.process.waitFor(10, TimeUnit.SECONDS);
		}
	}

	/** Stops the server and removes its directory. */
	public synchronized void stop() throws Exception {
		if (this.client != null) {
			this.connection.close();
			this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
			this.client = null;
		}
		if (this.process != null && this.process.isAlive()) {
			this.process.destroy();
			if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
				kill();
			}
		}
		if (this.dir != null) {
			try (var files = Files.list(this.dir)) {
				for (Path f : files.toList()) {
					Files.deleteIfExists(f);
				}
			}
			Files.deleteIfExists(this.dir);
		}
	}

	public int port() {
		return this.port;
	}

	public boolean running() {
		return this.process != null && this.process.isAlive();
	}

	/** The URL to give {@code spring.data.redis.url}. */
	public String url() {
		return "redis://127.0.0.1:" + this.port;
	}

	/**
	 * A synchronous Lettuce connection to this server, for the tests' own look at what is
	 * kept in Redis (opened on first use, closed when the server stops).
	 */
	public synchronized RedisCommands<String, String> client() {
		if (this.client == null) {
			this.client = RedisClient.create(RedisURI.create(url()));
			this.client.setOptions(ClientOptions.builder().autoReconnect(true).build());
			this.connection = this.client.connect();
		}
		return this.connection.sync();
	}

	private boolean ping() {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port), 500);
			socket.setSoTimeout(2000);
			socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			byte[] reply = socket.getInputStream().readNBytes(7);
			return "+PONG\r\n".equals(new String(reply, StandardCharsets.US_ASCII));
		}
		catch (IOException ex) {
			return false;
		}
	}

	static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
