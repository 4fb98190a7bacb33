package dev.racetrack.sim;

import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.ScenarioRunner;
import dev.racetrack.scenario.Scenarios;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * glibc's retry after a try that got one answer of two (src/docs/netfilter-races.md §6,
 * [GLIBC]): {@code send_dg} sets {@code RES_SNGLKUP} on the resolver state and asks the
 * pair again at once, A first and AAAA after A's answer, on the same socket (so the same
 * 5-tuple), not only the query that was lost.
 */
class SingleRequestRetryTests {

	@Test
	@DisplayName("race 2 on 4.17: after 5 s with one answer, glibc sets RES_SNGLKUP and resends A, then AAAA after A's answer, from the same port")
	void theRetryResendsAThenAaaa() {
		RunParams p = Scenarios.byId("dnat-race-2").orElseThrow().defaults().withKernel(KernelProfile.V4_17);
		List<TraceEvent> events = ScenarioRunner.run(p, Tracer.recording(100_000)).trace().events();
		int option = indexOf(events, "resolver-option", "RES_SNGLKUP");
		assertThat(option).as("the RES_SNGLKUP retry").isNotNegative();
		List<TraceEvent> sentBefore = events.subList(0, option)
			.stream()
			.filter((e) -> "packet-sent".equals(e.type()) && e.text().contains("glibc"))
			.toList();
		List<TraceEvent> sentAfter = events.subList(option, events.size())
			.stream()
			.filter((e) -> "packet-sent".equals(e.type()) && e.text().contains("glibc"))
			.toList();
		assertThat(sentBefore).as("the first try: A and AAAA at once").hasSize(2);
		assertThat(sentAfter).as("the retry: both queries again").hasSizeGreaterThanOrEqualTo(2);
		assertThat(sentAfter.get(0).text()).contains("A? ");
		assertThat(sentAfter.get(1).text()).contains("AAAA? ");
		String port = sentBefore.get(0).text().replaceAll(".* from port (\\d+).*", "$1");
		assertThat(sentAfter.get(0).text()).as("the same socket").contains("from port " + port);
		assertThat(sentAfter.get(1).text()).contains("from port " + port);
		int answerToA = -1;
		for (int i = option; i < events.size(); i++) {
			TraceEvent e = events.get(i);
			if (e.seq() > sentAfter.get(0).seq() && "packet-received".equals(e.type())
					&& e.text().startsWith("pod-a receives A!")) {
				answerToA = i;
				break;
			}
		}
		assertThat(answerToA).as("A answered after the retry").isNotNegative();
		assertThat(sentAfter.get(1).seq()).as("AAAA only after the answer to A (single-request)")
			.isGreaterThan(events.get(answerToA).seq());
	}

	private static int indexOf(List<TraceEvent> events, String type, String text) {
		for (int i = 0; i < events.size(); i++) {
			if (type.equals(events.get(i).type()) && events.get(i).text().contains(text)) {
				return i;
			}
		}
		return -1;
	}

}
