package dev.racetrack.web.session;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurationImportFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.StringUtils;

/**
 * Scale-out through Redis is switched on by one property, Spring Boot's own
 * {@code spring.data.redis.url} (src/docs/PRODUCT.md §4). Without it nothing of Redis is
 * configured: Spring Boot's Redis auto-configurations (connection factory, templates,
 * health contributor, Lettuce observation) are filtered out before they are even looked
 * at, so an instance with no Redis makes no connection attempt and shows no Redis health,
 * exactly as before the dependency was added.
 *
 * <p>
 * With it, {@link Environment} gets the defaults scale-out needs (each can be overridden
 * like any property): the readiness group includes the {@code redis} health contributor,
 * the health and the readiness probe show their components (a probe that is down says
 * which part is), and Lettuce commands and connections time out after two seconds.
 */
public final class RedisScaleOut {

	/** The one property that switches scale-out on. */
	public static final String URL_PROPERTY = "spring.data.redis.url";

	private static final String REDIS_AUTO_CONFIGURATION = "org.springframework.boot.data.redis.";

	private RedisScaleOut() {
	}

	/** Whether {@code spring.data.redis.url} is set (and not blank). */
	public static boolean enabled(Environment environment) {
		return StringUtils.hasText(environment.getProperty(URL_PROPERTY));
	}

	/**
	 * Leaves Spring Boot's Redis auto-configurations out unless
	 * {@code spring.data.redis.url} is set (registered in
	 * {@code META-INF/spring.factories}).
	 */
	public static final class AutoConfigurationFilter implements AutoConfigurationImportFilter, EnvironmentAware {

		private Environment environment;

		@Override
		public void setEnvironment(Environment environment) {
			this.environment = environment;
		}

		@Override
		public boolean[] match(String[] autoConfigurationClasses, AutoConfigurationMetadata metadata) {
			boolean redis = this.environment != null && enabled(this.environment);
			boolean[] match = new boolean[autoConfigurationClasses.length];
			for (int i = 0; i < match.length; i++) {
				String name = autoConfigurationClasses[i];
				match[i] = redis || name == null || !name.startsWith(REDIS_AUTO_CONFIGURATION);
			}
			return match;
		}

	}

	/**
	 * With Redis configured: the readiness probe includes Redis and names the component
	 * that is down; commands and connections time out quickly, so a request never waits
	 * on an unreachable Redis for longer than a user would (registered in
	 * {@code META-INF/spring.factories}; runs after the application's own properties are
	 * read, and adds only what they leave unset).
	 */
	public static final class Defaults implements EnvironmentPostProcessor, Ordered {

		static final String SOURCE = "racetrackRedisScaleOut";

		@Override
		public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
			if (!enabled(environment)) {
				return;
			}
			Map<String, Object> defaults = new LinkedHashMap<>();
			String readiness = "management.endpoint.health.group.readiness.include";
			String members = environment.getProperty(readiness, "readinessState");
			if (!members.matches("(^|.*,)\\s*redis\\s*(,.*|$)")) {
				// Above the application's own value (it is extended, not replaced).
				environment.getPropertySources()
					.addFirst(new MapPropertySource(SOURCE + "Readiness", Map.of(readiness, members + ",redis")));
			}
			defaults.put("management.endpoint.health.group.readiness.show-components", "always");
			defaults.put("management.endpoint.health.show-components", "always");
			defaults.put("spring.data.redis.timeout", "2s");
			defaults.put("spring.data.redis.connect-timeout", "2s");
			environment.getPropertySources().addLast(new MapPropertySource(SOURCE, defaults));
		}

		@Override
		public int getOrder() {
			// After the config data (application.properties, arguments) is read.
			return Ordered.LOWEST_PRECEDENCE;
		}

	}

}
