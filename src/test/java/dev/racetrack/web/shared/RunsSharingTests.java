package dev.racetrack.web.shared;

import java.time.Duration;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import dev.racetrack.scenario.RunParams;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run asked for again while it is being computed is computed once (a room joining a new
 * run together shares one computation and one slot); an asker who leaves does not stop it
 * for the others, and when every asker has left it stops and frees its slot. Uncached
 * runs (untraced, or stopped at a step) are shared the same way while anyone holds them.
 */
class RunsSharingTests {

	static final RacetrackProperties LIMITS = Settings.racetrack(Map.of("racetrack.max-concurrent-runs", "1"));

	final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	final Runs runs = new Runs(LIMITS, new HeapWatch(), new RejectionMetrics(this.registry));

	/** A free-play run that takes a while to compute (seconds, traced). */
	static RunParams large(long seed) {
		return RunParamsBinder.bind(Map.of("scenario", "tcp-free-play", "pods", "64", "rounds", "25", "sourcePort",
				"32000", "seed", String.valueOf(seed)));
	}

	@AfterEach
	void stop() {
		this.runs.destroy();
	}

	double admitted() {
		return this.registry.find("racetrack.admitted").counters().stream().mapToDouble((c) -> c.count()).sum();
	}

	@Test
	void askersOfOneRunWhileItIsComputedShareOneComputationAndOneSlot() {
		RunParams p = large(1);
		// One slot: a second computation would be refused (429); a shared one is not.
		Mono<Runs.Held> a = this.runs.traced(p);
		Mono<Runs.Held> b = this.runs.traced(p);
		Mono<Runs.Held> c = this.runs.traced(p);
		var held = Mono.zip(a, b, c).block(Duration.ofSeconds(60));
		assertThat(held.getT1().run()).isSameAs(held.getT2().run()).isSameAs(held.getT3().run());
		assertThat(admitted()).as("computations admitted").isEqualTo(1.0);
		held.getT1().lease().release();
		held.getT2().lease().release();
		held.getT3().lease().release();
	}

	@Test
	void oneAskerLeavingDoesNotStopTheRunForTheOthers() {
		RunParams p = large(2);
		Disposable gone = this.runs.traced(p).subscribe();
		Mono<Runs.Held> stays = this.runs.traced(p);
		var held = stays.doOnSubscribe((s) -> gone.dispose()).block(Duration.ofSeconds(60));
		assertThat(held).isNotNull();
		assertThat(held.run().trace().size()).isPositive();
		held.lease().release();
	}

	@Test
	void whenEveryAskerHasLeftTheRunStopsAndItsSlotIsFree() throws InterruptedException {
		Disposable first = this.runs.traced(large(3)).subscribe();
		Disposable second = this.runs.traced(large(3)).subscribe();
		first.dispose();
		second.dispose();
		// The stopped computation gives its one slot back: another run is admitted.
		admittedOnceTheSlotIsFree(() -> this.runs.traced(RunParamsBinder.bind(Map.of("scenario", "snat-port-race"))));
	}

	/**
	 * The same export at the same step, asked by several at once (a class pressing the
	 * button the teacher named), is computed once: with one slot, the others join it
	 * rather than get a 429; the slot and the memory come back when the last lets go.
	 */
	@Test
	void askersOfOneStepShareOneComputationAndGiveItBackTogether() {
		RunParams p = large(4);
		long before = this.runs.heldBytes();
		var held = Mono.zip(this.runs.atStep(p, 5_000), this.runs.atStep(p, 5_000), this.runs.atStep(p, 5_000))
			.block(Duration.ofSeconds(60));
		assertThat(held.getT1().run()).isSameAs(held.getT2().run()).isSameAs(held.getT3().run());
		assertThat(held.getT1().run().trace().size()).isEqualTo(5_001);
		assertThat(admitted()).as("computations admitted").isEqualTo(1.0);
		assertThat(this.runs.sharedRuns()).isEqualTo(1);
		// Another step is another model, and the one slot is taken.
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> this.runs.atStep(p, 6_000).block())
			.isInstanceOf(TooManyRequestsException.class);
		held.getT1().lease().release();
		held.getT2().lease().release();
		assertThat(this.runs.sharedRuns()).as("held by the third").isEqualTo(1);
		// Asked again while one still holds it: the same model, no new computation.
		Runs.Held late = this.runs.atStep(p, 5_000).block(Duration.ofSeconds(10));
		assertThat(late.run()).isSameAs(held.getT3().run());
		assertThat(admitted()).isEqualTo(1.0);
		held.getT3().lease().release();
		late.lease().release();
		assertThat(this.runs.sharedRuns()).isZero();
		assertThat(this.runs.heldBytes()).isEqualTo(before);
		// The slot is free again.
		Runs.Held next = this.runs.atStep(p, 6_000).block(Duration.ofSeconds(60));
		assertThat(next.run().trace().size()).isEqualTo(6_001);
		next.lease().release();
	}

	@Test
	void askersOfOneUntracedRunShareItAndItStopsWhenAllHaveLeft() throws InterruptedException {
		RunParams p = RunParamsBinder.bind(Map.of("scenario", "tcp-free-play", "pods", "128", "rounds", "1000",
				"sourcePort", "32000", "seed", "5"));
		Disposable first = this.runs.untraced(p).subscribe();
		Disposable second = this.runs.untraced(p).subscribe();
		assertThat(admitted()).as("computations admitted").isEqualTo(1.0);
		assertThat(this.runs.sharedRuns()).isEqualTo(1);
		first.dispose();
		assertThat(this.runs.sharedRuns()).as("the second still waits for it").isEqualTo(1);
		second.dispose();
		assertThat(this.runs.sharedRuns()).isZero();
		// The stopped computation gives its slot back: another run is admitted.
		admittedOnceTheSlotIsFree(() -> this.runs.untraced(RunParamsBinder.bind(Map.of("scenario", "snat-port-race"))));
	}

	/**
	 * Asks for a small run until the one slot, left by a stopped computation, takes it
	 * (at most 10 s).
	 */
	private static void admittedOnceTheSlotIsFree(java.util.function.Supplier<Mono<Runs.Held>> ask)
			throws InterruptedException {
		Runs.Held other = null;
		for (int i = 0; i < 200 && other == null; i++) {
			try {
				other = ask.get().block(Duration.ofSeconds(10));
			}
			catch (TooManyRequestsException ex) {
				Thread.sleep(50);
			}
		}
		assertThat(other).as("a run admitted once the stopped one left its slot").isNotNull();
		other.lease().release();
	}

}
