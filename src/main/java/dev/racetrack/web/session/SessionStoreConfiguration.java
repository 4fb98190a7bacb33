package dev.racetrack.web.session;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

import dev.racetrack.web.shared.RacetrackProperties;
import dev.racetrack.web.shared.RejectionMetrics;
import dev.racetrack.web.shared.Runs;

/**
 * Chooses the {@link SessionStore}: in memory by default, through Redis when
 * {@code spring.data.redis.url} is set ({@link RedisScaleOut}).
 */
@Configuration(proxyBeanMethods = false)
class SessionStoreConfiguration {

	@Bean
	@Conditional(NoRedis.class)
	InMemorySessionStore inMemorySessionStore(Runs runs, RacetrackProperties properties, RejectionMetrics metrics) {
		return new InMemorySessionStore(runs, properties, metrics);
	}

	/** No {@code spring.data.redis.url}: one instance, sessions in memory. */
	static final class NoRedis implements Condition {

		@Override
		public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
			return !RedisScaleOut.enabled(context.getEnvironment());
		}

	}

	/** {@code spring.data.redis.url} is set: sessions in Redis. */
	static final class WithRedis implements Condition {

		@Override
		public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
			return RedisScaleOut.enabled(context.getEnvironment());
		}

	}

}
