package dev.racetrack.web.shared;

import java.net.InetSocketAddress;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Large downloads per client address: {@code racetrack.max-downloads-per-client} of them
 * at once (4 unless set, never more than {@link Downloads#MAX}), and the 429 names that
 * setting.
 */
class DownloadsTests {

	static Downloads downloads(Map<String, String> settings) {
		RacetrackProperties properties = Settings.racetrack(settings);
		return new Downloads(properties, new RejectionMetrics(new SimpleMeterRegistry()));
	}

	/**
	 * A request from {@code address}, as it is once {@link ExchangeCleanup} has seen it.
	 */
	static MockServerWebExchange from(String address) {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get("/api/simulate").remoteAddress(new InetSocketAddress(address, 40000)));
		exchange.getAttributes()
			.put(ExchangeCleanup.class.getName(), new java.util.concurrent.CopyOnWriteArrayList<>());
		return exchange;
	}

	static int admitted(Downloads d, String address) {
		int n = 0;
		try {
			while (n < 100) {
				d.open(from(address));
				n++;
			}
		}
		catch (TooManyRequestsException ex) {
			// the cap
		}
		return n;
	}

	@Test
	void fourAtOnceForOneAddressUnlessSet() {
		assertThat(admitted(downloads(Map.of()), "10.0.0.7")).isEqualTo(4);
		assertThat(admitted(downloads(Map.of("racetrack.max-downloads-per-client", "12")), "10.0.0.7")).isEqualTo(12);
		assertThat(admitted(downloads(Map.of("racetrack.max-downloads-per-client", "1000")), "10.0.0.7"))
			.as("never more than all downloads together")
			.isEqualTo(Downloads.MAX);
	}

	@Test
	void theCapIsPerAddressAndTheRefusalNamesItsSetting() {
		Downloads d = downloads(Map.of("racetrack.max-downloads-per-client", "2"));
		d.open(from("10.0.0.7"));
		d.open(from("10.0.0.7"));
		assertThatExceptionOfType(TooManyRequestsException.class).isThrownBy(() -> d.open(from("10.0.0.7")))
			.withMessageContaining("racetrack.max-downloads-per-client")
			.satisfies((ex) -> assertThat(ex.limit()).isEqualTo("downloads-per-client"));
		d.open(from("10.0.0.8"));
	}

}
