package dev.racetrack.web.session;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.web.reactive.function.client.WebClient;

import dev.racetrack.RacetrackApplication;
import dev.racetrack.scaleout.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scale-out is switched on by {@code spring.data.redis.url} alone: without it the
 * application has no Redis connection factory and no Redis health (so it can make no
 * connection attempt); with it (a real {@code redis-server}) the health and the readiness
 * probe show Redis.
 */
class RedisScaleOutTests {

	@RegisterExtension
	static final RedisServer redis = new RedisServer();

	@Test
	void withoutTheUrlNothingOfRedisIsConfigured() throws Exception {
		try (ConfigurableApplicationContext context = start()) {
			assertThat(context.getBeanNamesForType(ReactiveRedisConnectionFactory.class)).isEmpty();
			assertThat(context.getBeanDefinitionNames())
				.as("no Redis bean at all: connection, template, health contributor")
				.noneMatch((name) -> name.toLowerCase(java.util.Locale.ROOT).contains("redis"));
			assertThat(context.getBeanNamesForType(SessionStore.class)).hasSize(1);
			assertThat(context.getBean(SessionStore.class)).isInstanceOf(InMemorySessionStore.class);
			Map<?, ?> health = get(context, "/actuator/health");
			assertThat(health.get("status")).isEqualTo("UP");
			assertThat(String.valueOf(health)).doesNotContain("redis");
			Map<?, ?> readiness = get(context, "/actuator/health/readiness");
			assertThat(String.valueOf(readiness)).doesNotContain("redis");
		}
	}

	@Test
	void withTheUrlHealthAndReadinessShowRedis() throws Exception {
		try (ConfigurableApplicationContext context = start("--spring.data.redis.url=" + redis.url())) {
			assertThat(context.getBeanNamesForType(ReactiveRedisConnectionFactory.class)).hasSize(1);
			assertThat(context.getBean(SessionStore.class)).isInstanceOf(RedisSessionStore.class);
			Map<?, ?> health = get(context, "/actuator/health");
			assertThat(((Map<?, ?>) health.get("components")).keySet()).map(String::valueOf).contains("redis");
			Map<?, ?> readiness = get(context, "/actuator/health/readiness");
			assertThat(readiness.get("status")).isEqualTo("UP");
			assertThat(((Map<?, ?>) readiness.get("components")).keySet()).map(String::valueOf).contains("redis");
		}
	}

	private static ConfigurableApplicationContext start(String... args) {
		String[] all = new String[args.length + 1];
		all[0] = "--server.port=0";
		System.arraycopy(args, 0, all, 1, args.length);
		return new SpringApplication(RacetrackApplication.class).run(all);
	}

	private static Map<?, ?> get(ConfigurableApplicationContext context, String path) {
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		return WebClient.create("http://127.0.0.1:" + port)
			.get()
			.uri(path)
			.exchangeToMono((r) -> r.bodyToMono(Map.class))
			.block(Duration.ofSeconds(10));
	}

}
