package dev.racetrack.experiment;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import dev.racetrack.sim.ResolverKind;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Monte Carlo row of src/docs/PRODUCT.md §1, on fixed seeds: the rates come out of
 * the model's mechanics and its one calibration (TimingModel), never from a target. Each
 * test prints what it measured, so that a change of the model shows in the build log.
 */
class MonteCarloFidelityTests {

	static final long SEED = 1;

	/** The lower edges of the display buckets that hold the spikes. */
	static final long HALF_SECOND = 562_341_325L;

	static final long ONE_SECOND = 1_000_000_000L;

	/** [3 s, 4 s): 4.17's second SYN retransmission (1 s + 2 s). */
	static final long THREE_SECONDS = 3_000_000_000L;

	/** [5 s, 6 s): glibc's resolver timeout. */
	static final long FIVE_SECONDS = 5_000_000_000L;

	@Test
	@DisplayName("4.17: a lost SYN shows as the 1 s spike; where retransmissions race again (--random on ephemeral ports), as the 3 s spike too")
	void lostSynsShowAsTheOneAndThreeSecondSpikes() {
		ExperimentPlan plan = ExperimentPlan.of(
				List.of(Plans.tcp("4.17", "default", 80, 10, 32000), Plans.tcp("4.17", "random", 32, 10, 0)), 100,
				SEED);
		ExperimentResult result = Plans.run(plan, 2);
		ConfigurationResult bound = result.configurations().get(0);
		ConfigurationResult random = result.configurations().get(1);
		print(bound);
		print(random);
		assertThat(count(bound, ONE_SECOND)).as("1 s: one SYN lost").isPositive();
		assertThat(count(bound, HALF_SECOND)).as("nothing between the fast connects and 1 s").isZero();
		assertThat(bound.p50Nanos()).isLessThan(1_000_000);
		assertThat(bound.p999Nanos()).isGreaterThanOrEqualTo(1_000_000_000L);
		assertThat(count(random, ONE_SECOND)).isPositive();
		assertThat(count(random, THREE_SECONDS)).as("3 s: the retransmission lost too").isPositive();
	}

	@Test
	@DisplayName("4.17 DNS free play: two threads sending A and AAAA at once race, and a dropped query costs 5 s; one thread (glibc, musl) never races on a warm node")
	void droppedQueriesShowAsTheFiveSecondSpike() {
		ExperimentPlan plan = ExperimentPlan.of(List.of(Plans.dns("4.17").withResolver(ResolverKind.TWO_THREADS),
				Plans.dns("4.17"), Plans.dns("4.17").withResolver(ResolverKind.MUSL)), 40, SEED);
		ExperimentResult result = Plans.run(plan, 2);
		ConfigurationResult twoThreads = result.configurations().get(0);
		ConfigurationResult glibc = result.configurations().get(1);
		ConfigurationResult musl = result.configurations().get(2);
		print(twoThreads);
		print(glibc);
		print(musl);
		assertThat(count(twoThreads, FIVE_SECONDS)).as("two threads: 5 s").isPositive();
		assertThat(count(twoThreads, THREE_SECONDS)).as("glibc's timer waits the whole 5 s").isZero();
		assertThat(glibc.insertFailed().events() + glibc.clashResolves().events())
			.as("glibc's sendmmsg from one thread: both queries on one CPU, never a clash")
			.isZero();
		assertThat(musl.insertFailed().events() + musl.clashResolves().events())
			.as("musl's two sendto from one thread: never a clash")
			.isZero();
	}

	@Test
	@DisplayName("ephemeral ports (each pod its own port): the default mode keeps the pods' ports, so the race is rare")
	void ephemeralPortsMakeTheRaceRare() {
		ExperimentPlan plan = ExperimentPlan.of(List.of(Plans.tcp("4.17", "default", 32, 10, 0)), 200, SEED);
		ConfigurationResult row = Plans.run(plan, 2).configurations().get(0);
		print(row);
		assertThat(row.insertFailed().rate()).isLessThan(0.002);
	}

	@Test
	@DisplayName("6.x DNS free play with two threads: A and AAAA still race, and the kernel resolves every clash (clash_resolve, no drop)")
	void dnsOn6xResolvesEveryClash() {
		ExperimentPlan plan = ExperimentPlan.of(List.of(Plans.dns("6.x").withResolver(ResolverKind.TWO_THREADS),
				Plans.dns("4.17").withResolver(ResolverKind.TWO_THREADS)), 40, SEED);
		ExperimentResult result = Plans.run(plan, 2);
		ConfigurationResult today = result.configurations().get(0);
		ConfigurationResult old = result.configurations().get(1);
		print(today);
		print(old);
		assertThat(today.clashResolves().events()).isPositive();
		assertThat(today.drops().events()).isZero();
		assertThat(today.insertFailed().events()).isZero();
		assertThat(count(today, FIVE_SECONDS)).as("no 5 s stall").isZero();
		assertThat(old.drops().events()).as("4.17 drops the loser").isPositive();
		assertThat(count(old, FIVE_SECONDS)).as("glibc's 5 s stall after a drop").isPositive();
	}

	private static long count(ConfigurationResult row, long lowNanos) {
		return row.histogram().stream().filter((b) -> b.lowNanos() == lowNanos).findFirst().orElseThrow().count();
	}

	private static void print(ConfigurationResult c) {
		System.out.printf(java.util.Locale.ROOT,
				"%s %s %s %s pods=%d sourcePort=%d trials=%d attempts=%d insert_failed=%.4f%% [%.4f, %.4f] "
						+ "drop=%.4f%% clash_resolve=%.4f%% p50=%d p99=%d p999=%d%n",
				c.params().scenario(), c.params().kernel().id(), c.params().mode().id(), c.params().resolver().id(),
				c.params().pods(), c.params().sourcePort(), c.trials(), c.attempts(), 100 * c.insertFailed().rate(),
				100 * c.insertFailed().low(), 100 * c.insertFailed().high(), 100 * c.drops().rate(),
				100 * c.clashResolves().rate(), c.p50Nanos(), c.p99Nanos(), c.p999Nanos());
	}

}
