package dev.racetrack.web.shared;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

import io.netty.channel.Channel;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.server.reactive.ServerHttpResponse;

/**
 * A large JSON answer written as it is sent: a prefix, the items of a list separated by
 * commas, a suffix, in chunks of about {@link #CHUNK_BYTES}, each serialised only when
 * the client is ready for it. What a response holds at once is one chunk, whatever the
 * size of the list; a client that reads nothing for {@link #STALL} is cut off (as a
 * client gone: not an error of the server).
 *
 * <p>
 * The chunks are serialised on {@link #WRITERS}, never on the event loop that writes
 * them: thirty large answers asked at once (a class opening the same replay) took the
 * event loops for as long as their serialisation took, ≈1 s on 2 cores, and every other
 * request on those loops waited that long.
 */
public final class JsonChunks {

	public static final int CHUNK_BYTES = 64 * 1024;

	public static final Duration STALL = Duration.ofSeconds(30);

	/**
	 * The threads that serialise chunks, one per core (daemon threads: the server's
	 * shutdown does not wait for them; a response is cut when its connection closes).
	 */
	private static final Scheduler WRITERS = Schedulers.newParallel("json-writer",
			Runtime.getRuntime().availableProcessors(), true);

	private JsonChunks() {
	}

	/**
	 * @param escape applied to each piece of JSON (e.g. to write it inside an HTML script
	 * block), or the identity
	 */
	public static Flux<DataBuffer> write(ServerHttpResponse response, JsonMapper json, String prefix, List<?> items,
			String suffix, Function<String, String> escape) {
		DataBufferFactory buffers = response.bufferFactory();
		Channel channel = Backpressure.channelOf(response);
		return Flux.<DataBuffer, Integer>generate(() -> -1, (index, sink) -> {
			StringBuilder sb = new StringBuilder(CHUNK_BYTES + 4096);
			int i = index;
			if (i < 0) {
				sb.append(prefix);
				i = 0;
			}
			while (i < items.size() && sb.length() < CHUNK_BYTES) {
				if (i > 0) {
					sb.append(',');
				}
				sb.append(escape.apply(json.writeValueAsString(items.get(i))));
				i++;
			}
			if (i >= items.size()) {
				if (index == Integer.MAX_VALUE) {
					sink.complete();
					return index;
				}
				sb.append(suffix);
				sink.next(buffers.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
				return Integer.MAX_VALUE;
			}
			sink.next(buffers.wrap(sb.toString().getBytes(StandardCharsets.UTF_8)));
			return i;
		})
			.subscribeOn(WRITERS)
			.concatMap(
					(chunk) -> Backpressure
						.writable(channel, STALL,
								() -> new java.io.EOFException(
										"the client read nothing for " + STALL.toSeconds() + " s"))
						.thenReturn(chunk),
					1);
	}

}
