package dev.racetrack.web.session;

import io.lettuce.core.ClientOptions;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;

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

	@Bean
	@Conditional(WithRedis.class)
	RedisSessionStore redisSessionStore(ReactiveStringRedisTemplate redis, ReactiveRedisConnectionFactory connections,
			Runs runs, RacetrackProperties properties, RejectionMetrics metrics, MeterRegistry meters) {
		return new RedisSessionStore(redis, new ReactiveRedisMessageListenerContainer(connections), runs, properties,
				metrics, meters);
	}

	/**
	 * While Redis cannot be reached, commands fail at once (a 503 for the request)
	 * instead of queueing until they time out; the client reconnects by itself. Replies
	 * are handed to the requests on Reactor's threads, not on the client's I/O thread, so
	 * what a request does next (write a stream's first events) never delays other
	 * replies.
	 */
	@Bean
	@Conditional(WithRedis.class)
	LettuceClientOptionsBuilderCustomizer redisClientOptions() {
		return (options) -> options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.publishOnScheduler(true);
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
