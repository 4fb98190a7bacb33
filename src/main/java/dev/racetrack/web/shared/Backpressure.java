package dev.racetrack.web.shared;

import java.time.Duration;
import java.util.function.Supplier;

import io.netty.channel.Channel;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;

/**
 * Writes only while the connection takes them: Netty queues what it is handed without
 * limit, so a response that produces its body piece by piece (event streams, chunked
 * downloads) asks here before each piece. A client that stops reading then holds Netty's
 * high-water mark (64 KB) and one piece, never a queue; one that stays backed up for the
 * given patience is cut off.
 */
public final class Backpressure {

	/** How often a backed-up connection is looked at again. */
	static final Duration POLL = Duration.ofMillis(50);

	private Backpressure() {
	}

	/** The Netty channel under a response, when there is one. */
	public static Channel channelOf(ServerHttpResponse response) {
		Object nativeResponse = ServerHttpResponseDecorator.getNativeResponse(response);
		return (nativeResponse instanceof Connection connection) ? connection.channel() : null;
	}

	/**
	 * Completes when the connection takes more (its outbound buffer below the high-water
	 * mark); after {@code patience}, closes the connection (its pending writes fail, so
	 * nothing waits for a reader that never comes) and fails with what {@code gone}
	 * makes.
	 */
	public static Mono<Void> writable(Channel channel, Duration patience, Supplier<? extends Throwable> gone) {
		if (channel == null || channel.isWritable() || !channel.isActive()) {
			return Mono.empty();
		}
		return Flux.interval(POLL)
			.filter((t) -> channel.isWritable() || !channel.isActive())
			.next()
			.then()
			.timeout(patience, Mono.defer(() -> {
				channel.close();
				return Mono.error(gone.get());
			}));
	}

}
