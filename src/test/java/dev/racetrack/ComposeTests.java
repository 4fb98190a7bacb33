package dev.racetrack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * There is no Docker engine on the build machines, so {@code compose.yaml} (Redis, three
 * instances and a load balancer) is checked by reading it, and the balancer's
 * {@code deploy/haproxy.cfg} by HAProxy itself ({@code haproxy -c}) where HAProxy is
 * installed.
 */
class ComposeTests {

	@SuppressWarnings("unchecked")
	final Map<String, Object> compose = (Map<String, Object>) new Yaml().load(read("compose.yaml"));

	final String haproxy = read("deploy/haproxy.cfg");

	@SuppressWarnings("unchecked")
	Map<String, Object> service(String name) {
		return (Map<String, Object>) ((Map<String, Object>) this.compose.get("services")).get(name);
	}

	@Test
	void redisThreeInstancesAndABalancer() {
		Map<String, Object> services = service("redis");
		assertThat(services).isNotNull();
		assertThat(String.valueOf(services.get("image"))).startsWith("redis:");
		assertThat(services).containsKey("healthcheck");
		for (String name : List.of("racetrack-1", "racetrack-2", "racetrack-3")) {
			Map<String, Object> app = service(name);
			assertThat(app).as(name).isNotNull();
			assertThat(app.get("build")).isEqualTo(".");
			assertThat(String.valueOf(((Map<?, ?>) app.get("environment")).get("SPRING_DATA_REDIS_URL")))
				.isEqualTo("redis://redis:6379");
			assertThat(String.valueOf(app.get("depends_on"))).contains("redis").contains("service_healthy");
			assertThat(app).doesNotContainKey("ports");
			assertThat(this.haproxy).containsPattern("(?m)^\\s*server " + name + " " + name + ":8080\\b");
		}
		Map<String, Object> balancer = service("balancer");
		assertThat(String.valueOf(balancer.get("image"))).startsWith("haproxy:");
		assertThat(String.valueOf(balancer.get("ports"))).isEqualTo("[8080:8080]");
		assertThat((List<?>) balancer.get("volumes"))
			.anyMatch((v) -> String.valueOf(v).startsWith("./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg"));
		assertThat(Path.of("deploy/haproxy.cfg")).exists();
	}

	@Test
	void theBalancerChecksReadinessAndLetsEventStreamsFlow() {
		assertThat(this.haproxy).contains("http-check send meth GET uri /actuator/health/readiness")
			.contains("http-check expect status 200")
			.containsPattern("(?m)^\\s*balance leastconn$")
			.containsPattern("(?m)^\\s*option redispatch$")
			.doesNotContain("cookie");
		// Inactivity timeouts longer than the streams' 15 s heartbeat.
		assertThat(this.haproxy).containsPattern("(?m)^\\s*timeout client 60s$")
			.containsPattern("(?m)^\\s*timeout server 60s$");
	}

	@Test
	void haproxyAcceptsItsConfiguration() throws Exception {
		Path bin = Path.of("/usr/sbin/haproxy");
		assumeTrue(Files.isExecutable(bin), "haproxy is not installed (apt-get install -y haproxy)");
		// The compose network's DNS is not here: the servers' names resolve at run time
		// (init-addr none), so the check reads everything else.
		Process p = new ProcessBuilder(bin.toString(), "-c", "-f", "deploy/haproxy.cfg").redirectErrorStream(true)
			.start();
		String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
		assertThat(p.exitValue()).as(out).isZero();
	}

	private static String read(String file) {
		try {
			return Files.readString(Path.of(file));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
