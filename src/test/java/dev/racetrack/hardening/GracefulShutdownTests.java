package dev.racetrack.hardening;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.SignalType;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;

import dev.racetrack.RacetrackApplication;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A graceful shutdown closes open session streams cleanly (they complete, they do not
 * error) and promptly, instead of waiting for the shutdown timeout.
 */
class GracefulShutdownTests {

	@Test
	void shutdownCompletesOpenStreamsCleanly() throws Exception {
		ConfigurableApplicationContext context = new SpringApplication(RacetrackApplication.class)
			.run("--server.port=0", "--spring.lifecycle.timeout-per-shutdown-phase=20s");
		int port = ((WebServerApplicationContext) context).getWebServer().getPort();
		WebClient web = WebClient.create("http://localhost:" + port);
		Map<?, ?> s = web.post()
			.uri("/api/sessions")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(Map.of("scenario", "snat-port-race"))
			.retrieve()
			.bodyToMono(Map.class)
			.block(Duration.ofSeconds(30));
		AtomicReference<SignalType> end = new AtomicReference<>();
		java.util.concurrent.CountDownLatch snapshot = new java.util.concurrent.CountDownLatch(1);
		web.get()
			.uri("/api/sessions/{id}/events", s.get("id"))
			.accept(MediaType.TEXT_EVENT_STREAM)
			.retrieve()
			.bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {
			})
			.doOnNext((e) -> snapshot.countDown())
			.doFinally(end::set)
			.subscribe((e) -> {
			}, (error) -> {
			});
		assertThat(snapshot.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
		long started = System.nanoTime();
		context.close();
		long tookMillis = (System.nanoTime() - started) / 1_000_000;
		for (int i = 0; i < 50 && end.get() == null; i++) {
			Thread.sleep(100);
		}
		System.out.println("SHUTDOWN took " + tookMillis + " ms, stream ended with " + end.get());
		assertThat(end.get()).as("the stream completed").isEqualTo(SignalType.ON_COMPLETE);
		assertThat(tookMillis).as("shutdown did not wait for its 20 s timeout").isLessThan(15_000);
	}

}
