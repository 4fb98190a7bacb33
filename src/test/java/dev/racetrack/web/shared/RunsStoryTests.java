package dev.racetrack.web.shared;

import java.time.Duration;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.racetrack.scenario.RaceCheck;
import dev.racetrack.scenario.ReplayStory;
import dev.racetrack.scenario.RunParams;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A traced run's story (its beats and its race check, which may compute a run per knob)
 * is read once, where the run is computed, and comes with the run every time it is asked
 * for: a class loading a replay whose knobs took its race away (the SNAT race with
 * {@code random-fully}: 11–56 ms of checks per request, on the server's event loop when
 * the run was cached) costs one check, not one per page.
 */
class RunsStoryTests {

	final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	final Runs runs = new Runs(Settings.racetrack(Map.of()), new HeapWatch(), new RejectionMetrics(this.registry));

	@AfterEach
	void stop() {
		this.runs.destroy();
	}

	@Test
	void theStoryIsReadWithTheRunAndComesWithTheCachedRun() {
		RunParams p = RunParamsBinder.bind(Map.of("scenario", "snat-port-race", "mode", "random-fully", "pods", "32"));
		Runs.Held first = this.runs.traced(p).block(Duration.ofSeconds(60));
		ReplayStory story = first.story();
		assertThat(story).isNotNull();
		assertThat(story.finding()).as("a race replay is checked").isPresent();
		RaceCheck.Finding finding = story.finding().get();
		assertThat(finding.shows()).isFalse();
		assertThat(finding.culprit()).map(RaceCheck.Culprit::knob).contains("mode");
		assertThat(story).as("the story read off its events")
			.isEqualTo(ReplayStory.of(p, first.run().trace().events()));

		Runs.Held again = this.runs.traced(p).block(Duration.ofSeconds(60));
		assertThat(again.run()).as("the cached run").isSameAs(first.run());
		assertThat(again.story()).as("its story, not read again").isSameAs(story);
		first.lease().release();
		again.lease().release();
	}

	@Test
	void freePlayHasNoStory() {
		RunParams p = RunParamsBinder.bind(Map.of("scenario", "tcp-free-play", "pods", "4", "rounds", "2"));
		Runs.Held held = this.runs.traced(p).block(Duration.ofSeconds(60));
		assertThat(held.story()).as("free play's events are not read for a story").isSameAs(ReplayStory.NONE);
		held.lease().release();
	}

}
