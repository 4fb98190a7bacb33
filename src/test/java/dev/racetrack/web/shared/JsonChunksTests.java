package dev.racetrack.web.shared;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;

import com.fasterxml.jackson.annotation.JsonValue;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link JsonChunks}: the body it writes, and where it is serialised.
 */
class JsonChunksTests {

	private final JsonMapper json = JsonMapper.builder().build();

	/** An item that says which thread serialised it. */
	static final class Item {

		static final List<String> threads = Collections.synchronizedList(new ArrayList<>());

		final int n;

		Item(int n) {
			this.n = n;
		}

		@JsonValue
		String value() {
			threads.add(Thread.currentThread().getName());
			return "item-" + this.n + "-" + "x".repeat(200);
		}

	}

	/** A response with no connection behind it: every chunk is taken at once. */
	private static MockServerHttpResponse response() {
		return new MockServerHttpResponse() {
			@Override
			@SuppressWarnings("unchecked")
			public <T> T getNativeResponse() {
				return (T) new Object();
			}
		};
	}

	@Test
	void theBodyIsThePrefixTheItemsAndTheSuffixInChunks() {
		List<Item> items = IntStream.range(0, 2000).mapToObj(Item::new).toList();
		List<DataBuffer> chunks = JsonChunks.write(response(), this.json, "{\"items\":[", items, "]}", (s) -> s)
			.collectList()
			.block();
		StringBuilder body = new StringBuilder();
		for (DataBuffer chunk : chunks) {
			body.append(chunk.toString(StandardCharsets.UTF_8));
		}
		StringBuilder expected = new StringBuilder("{\"items\":[");
		for (int i = 0; i < items.size(); i++) {
			expected.append((i > 0) ? "," : "").append('"').append("item-").append(i).append('-');
			expected.append("x".repeat(200)).append('"');
		}
		expected.append("]}");
		assertThat(body.toString()).isEqualTo(expected.toString());
		assertThat(chunks).hasSizeGreaterThan(4);
		assertThat(chunks)
			.allSatisfy((c) -> assertThat(c.readableByteCount()).isLessThanOrEqualTo(JsonChunks.CHUNK_BYTES + 4096));
	}

	/**
	 * A large answer is serialised on the writer threads, whichever thread asks for its
	 * chunks: on the event loop it held every other request of that loop for as long as
	 * it took (≈1 s for thirty 2.5 MB answers on 2 cores).
	 */
	@Test
	void chunksAreSerialisedOffTheAskingThread() {
		Item.threads.clear();
		List<Item> items = IntStream.range(0, 1000).mapToObj(Item::new).toList();
		JsonChunks.write(response(), this.json, "[", items, "]", (s) -> s).blockLast();
		assertThat(Item.threads).hasSize(items.size());
		assertThat(Item.threads).allSatisfy((name) -> assertThat(name).startsWith("json-writer"));
	}

}
