package dev.racetrack.scenario;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.nat.SnatMode;
import dev.racetrack.sim.Change;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.sim.Tracer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The guided story of each race replay: beats found by what the events mean (the texts
 * are checked against the events they sit on, not against step numbers), race 2's and
 * race 3's defining steps, a closing summary with every flow's latency and the counters,
 * idle stretches that hold only teardown, and the race check that names the knob that
 * took a race away.
 */
class BeatsTests {

	static List<TraceEvent> events(RunParams p) {
		NodeRun run = ScenarioRunner.run(p, Tracer.recording(100_000));
		return run.trace().events();
	}

	static RunParams params(String scenario, String kernel) {
		RunParams d = Scenarios.byId(scenario).orElseThrow().defaults();
		return d.withKernel(KernelProfile.fromId(kernel).orElseThrow());
	}

	static TraceEvent at(List<TraceEvent> events, Beats.Beat b) {
		return events.get((int) b.step());
	}

	static Beats.Beat beatOn(List<TraceEvent> events, List<Beats.Beat> beats, String type) {
		return beats.stream()
			.filter((b) -> at(events, b).type().equals(type))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no beat on a " + type + " step in " + beats));
	}

	@ParameterizedTest(name = "{0} on {1}")
	@CsvSource({ "snat-port-race, 4.17", "snat-port-race, 6.x", "dnat-race-1, 4.17", "dnat-race-1, 4.19",
			"dnat-race-2, 4.17", "dnat-race-2, 5.0", "dnat-race-3, 4.17", "dnat-race-3, 5.6", "dnat-race-3, 6.x" })
	void everyReplayHasAStoryThatEndsInASummary(String scenario, String kernel) {
		List<TraceEvent> events = events(params(scenario, kernel));
		Beats.Story story = Beats.story(events);
		List<Beats.Beat> beats = story.beats();
		story.beats()
			.forEach((b) -> System.out
				.println(scenario + " " + kernel + " @" + b.step() + " [" + at(events, b).type() + "] " + b.text()));
		assertThat(beats).hasSizeBetween(4, Beats.MAX_BEATS);
		assertThat(beats).isSortedAccordingTo((a, b) -> Long.compare(a.step(), b.step()));
		assertThat(story.showsRaceOf(scenario)).as("the defaults show the scenario's race").isTrue();
		// The last beat is the summary, on the step where the last flow completes.
		Beats.Beat last = beats.get(beats.size() - 1);
		assertThat(at(events, last).change()).isInstanceOf(Change.FlowDone.class);
		assertThat(last.text()).contains("conntrack -S");
		// The clash beat sits on the clash and says how it was resolved.
		Beats.Beat clash = beatOn(events, beats, "ct-clash");
		Change.CtClash c = (Change.CtClash) at(events, clash).change();
		assertThat(clash.text()).contains("#" + c.winner().id());
		if ("DROP".equals(c.resolution())) {
			assertThat(clash.text()).contains("dropped").contains("insert_failed +1");
			assertThat(last.text()).contains("insert_failed +1");
		}
		else {
			assertThat(clash.text()).contains("No drop").doesNotContain("dropped");
		}
	}

	@Test
	void theSnatRaceNamesTheSharedPortAndTheRetrysNewPort() {
		List<TraceEvent> events = events(params("snat-port-race", "4.17"));
		List<Beats.Beat> beats = Beats.of(events);
		Beats.Beat same = beatOn(events, beats, "nat-setup");
		Change.NatSetup setup = (Change.NatSetup) at(events, same).change();
		String port = setup.ct().reply().dst() + ":" + setup.ct().reply().dport();
		assertThat(same.text()).contains(port).contains("still unconfirmed");
		// The retransmission's SNAT step moves to another port, and a beat says so.
		Beats.Beat retry = beats.stream().filter((b) -> b.text().startsWith("This time")).findFirst().orElseThrow();
		Change.NatSetup moved = (Change.NatSetup) at(events, retry).change();
		assertThat(moved.chosen().sport()).isNotEqualTo(moved.before().sport());
		assertThat(retry.text()).contains("port " + moved.chosen().sport());
		// The summary gives both flows' latencies, the slow one first.
		String summary = beats.get(beats.size() - 1).text();
		assertThat(summary).matches("pod-b waited 1\\.0\\d\\d s \\(1 SYN retransmission\\), pod-a \\d+ µs\\. .*")
			.endsWith("conntrack -S: insert_failed +1, drop +1 on CPU 1.");
	}

	@Test
	void race2sDefiningStepIsTheSnatThatRunsAfterTheConfirm() {
		List<TraceEvent> events = events(params("dnat-race-2", "4.17"));
		List<Beats.Beat> beats = Beats.of(events);
		Beats.Beat confirm = beatOn(events, beats, "ct-confirm");
		assertThat(confirm.text()).contains("its SNAT step is still to come")
			.doesNotContain("already past")
			.doesNotContain("behind it");
		Beats.Beat moved = beats.stream()
			.filter((b) -> at(events, b).change() instanceof Change.NatSetup n && n.before() != null
					&& n.chosen().sport() != n.before().sport())
			.findFirst()
			.orElseThrow(() -> new AssertionError("no beat on the port change: " + beats));
		Change.NatSetup n = (Change.NatSetup) at(events, moved).change();
		assertThat(moved.step()).isGreaterThan(confirm.step());
		assertThat(moved.text()).contains("AAAA?").contains("source port " + n.chosen().sport());
	}

	@Test
	void race3sDefiningStepIsTheDnatToTwoEndpoints() {
		List<TraceEvent> events = events(params("dnat-race-3", "4.17"));
		List<Beats.Beat> beats = Beats.of(events);
		Beats.Beat dnat = beats.stream()
			.filter((b) -> at(events, b).change() instanceof Change.NatSetup n
					&& n.manip() == dev.racetrack.kernel.nat.ManipType.DST)
			.findFirst()
			.orElseThrow(() -> new AssertionError("no beat on the DNAT step: " + beats));
		assertThat(dnat.text()).contains("10.32.0.6").contains("10.32.0.7").contains("two different reply tuples");
		// Race 1's story is not told under race 3's title.
		assertThat(beats).noneMatch((b) -> b.text().contains("identical"));
	}

	/**
	 * The beat where two CPUs hold unconfirmed entries says what put the packets there,
	 * read off the trace: who sent them, and which CPU took each (the trace's own
	 * cpu-take steps).
	 */
	@Test
	void theTwoCpusBeatSaysWhatPutThePacketsThere() {
		for (String scenario : List.of("snat-port-race", "dnat-race-1")) {
			List<TraceEvent> events = events(params(scenario, "4.19"));
			Beats.Beat overlap = Beats.of(events)
				.stream()
				.filter((b) -> b.text().contains("on two CPUs at once"))
				.findFirst()
				.orElseThrow();
			List<TraceEvent> takes = events.stream()
				.filter((e) -> e.change() instanceof Change.CpuTake && e.packet() != null)
				.toList();
			assertThat(takes).hasSizeGreaterThanOrEqualTo(2);
			String sent = scenario.startsWith("snat") ? "pod-a and pod-b sent them" : "pod-a sent both";
			assertThat(overlap.text()).as(scenario)
				.contains(sent)
				.contains("the backlog gave them to CPUs " + takes.get(0).cpu() + " and " + takes.get(1).cpu());
		}
	}

	@Test
	void dnsCaptionsEndWithOneDot() {
		List<TraceEvent> events = events(params("dnat-race-1", "4.17"));
		assertThat(events).noneMatch((e) -> e.text().contains(".."));
	}

	@Test
	void idleStretchesHoldOnlyTeardownAndTheHandshakesLastAck() {
		List<TraceEvent> events = events(params("snat-port-race", "4.17"));
		List<Beats.Span> idle = Beats.idle(events);
		assertThat(idle).isNotEmpty();
		long idleSteps = idle.stream().mapToLong((s) -> s.to() - s.from() + 1).sum();
		assertThat(idleSteps).as("most of the run after the drop is teardown").isGreaterThan(events.size() / 3);
		for (Beats.Span s : idle) {
			for (long i = s.from(); i <= s.to(); i++) {
				TraceEvent e = events.get((int) i);
				assertThat(e.packet()).as("step %d", i).isNotNull();
				assertThat(e.text()).doesNotContain("SYN");
			}
		}
		for (Beats.Beat b : Beats.of(events)) {
			assertThat(idle).noneMatch((s) -> s.from() <= b.step() && b.step() <= s.to());
		}
		// The DNS races have no teardown: nothing is idle.
		assertThat(Beats.idle(events(params("dnat-race-3", "4.17")))).isEmpty();
	}

	@Test
	void randomFullyTellsWhyNoRaceHappens() {
		RunParams p = params("snat-port-race", "4.17").withMode(SnatMode.RANDOM_FULLY);
		List<TraceEvent> events = events(p);
		Beats.Story story = Beats.story(events);
		story.beats().forEach((b) -> System.out.println("random-fully @" + b.step() + " " + b.text()));
		assertThat(story.showsRaceOf("snat-port-race")).isFalse();
		assertThat(story.beats()).anyMatch((b) -> b.text().contains("cannot clash"));
		assertThat(story.beats().get(story.beats().size() - 1).text()).contains("insert_failed and drop stay 0");
	}

	@Test
	void theRaceCheckNamesTheKnobThatTookTheRaceAway() {
		RunParams oneEndpoint = params("dnat-race-3", "4.17").toBuilder().endpoints(1).build();
		List<TraceEvent> events = events(oneEndpoint);
		Optional<RaceCheck.Finding> f = RaceCheck.check(oneEndpoint, Beats.story(events), events.size());
		assertThat(f).isPresent();
		assertThat(f.get().shows()).isFalse();
		assertThat(f.get().culprit()).hasValue(new RaceCheck.Culprit("endpoints", "1", "2"));

		RunParams onePod = params("snat-port-race", "4.17").withPods(1);
		List<TraceEvent> one = events(onePod);
		assertThat(RaceCheck.check(onePod, Beats.story(one), one.size()).orElseThrow().culprit())
			.hasValue(new RaceCheck.Culprit("pods", "1", "2"));

		RunParams fixed = params("snat-port-race", "4.17").withMode(SnatMode.RANDOM_FULLY);
		List<TraceEvent> rf = events(fixed);
		assertThat(RaceCheck.check(fixed, Beats.story(rf), rf.size()).orElseThrow().culprit())
			.hasValue(new RaceCheck.Culprit("mode", "random-fully", "default"));

		// A later kernel resolves the race; it still happens, so there is nothing to
		// warn.
		RunParams later = params("dnat-race-3", "5.6");
		List<TraceEvent> l = events(later);
		assertThat(RaceCheck.check(later, Beats.story(l), l.size()).orElseThrow().shows()).isTrue();
	}

	/**
	 * The check's runs stop with the run they check (its askers left, the server stops):
	 * a replay whose knobs took its race away runs one more replay per differing knob.
	 */
	@Test
	void theRaceCheckStopsWhenAsked() {
		RunParams fixed = params("snat-port-race", "4.17").withMode(SnatMode.RANDOM_FULLY);
		List<TraceEvent> rf = events(fixed);
		int[] asked = new int[1];
		assertThat(RaceCheck.check(fixed, Beats.story(rf), rf.size(), () -> asked[0]++ > 0).orElseThrow().culprit())
			.as("the first run is asked once, before its first action, and goes on")
			.hasValue(new RaceCheck.Culprit("mode", "random-fully", "default"));
		assertThatThrownBy(() -> RaceCheck.check(fixed, Beats.story(rf), rf.size(), () -> true))
			.isInstanceOf(dev.racetrack.sim.RunStoppedException.class);
	}

	@Test
	void twoWalksFromTheRoverAreToldAsOneWalkTwice() {
		// Six pods on port 32000 (4.17 default): the first keeps 32000, the rest walk
		// from the rover; two of them walk at once on two CPUs and meet.
		RunParams six = params("snat-port-race", "4.17").toBuilder().pods(6).build();
		List<TraceEvent> events = events(six);
		Beats.Story story = Beats.story(events);
		assertThat(story.snatRace()).isTrue();
		assertThat(story.beats()).filteredOn((b) -> at(events, b).type().equals("nat-setup"))
			.as("the two pods keeping 32000 first, later two walkers meeting")
			.first()
			.satisfies((b) -> assertThat(b.text()).doesNotContain("port searches"));
		assertThat(story.beats())
			.filteredOn((b) -> b.text().contains("both port searches started at the shared rover ("))
			.singleElement()
			.satisfies((b) -> {
				assertThat(at(events, b).type()).isEqualTo("nat-setup");
				assertThat(b.text()).contains("neither sees the other's choice");
			});
		// The two pods keeping 32000 (the scenario's defaults) never walk: no such words.
		List<TraceEvent> two = events(params("snat-port-race", "4.17"));
		assertThat(Beats.story(two).beats()).noneSatisfy((b) -> assertThat(b.text()).contains("port searches"));
	}

}
