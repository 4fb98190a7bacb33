package dev.racetrack.sim;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The port search as {@link TraceFolder} keeps it for the Lab: the ports a walk found
 * taken (the browser draws them and infers none), the last
 * {@link LabState.Walk#TAKEN_KEPT} of them, through a jump to a new start, and a new walk
 * starting afresh.
 */
class TraceFolderWalkTests {

	private long seq;

	@Test
	void aWalkKeepsTheLastPortsItFoundTakenThroughAJump() {
		TraceFolder folder = new TraceFolder(2);
		folder.apply(walk(1, 7, 41000, -1, 0, false));
		List<Integer> expected = new ArrayList<>();
		for (int i = 0; i < LabState.Walk.TAKEN_KEPT + 3; i++) {
			folder.apply(walk(1, 7, 41000, 41000 + i, i + 1, true));
			expected.add(41000 + i);
		}
		// a jump to a new random start: the tested port is free
		folder.apply(walk(1, 7, 50000, 50000, LabState.Walk.TAKEN_KEPT + 4, false));
		LabState.Walk w = folder.state().walks().get(1);
		assertThat(w.takenPorts()).hasSize(LabState.Walk.TAKEN_KEPT)
			.containsExactlyElementsOf(expected.subList(3, expected.size()));
		assertThat(w.port()).isEqualTo(50000);
		assertThat(w.base()).isEqualTo(50000);
		assertThat(folder.state().walks().get(0)).isNull();
	}

	@Test
	void anotherEntrysWalkOnTheCpuStartsAfresh() {
		TraceFolder folder = new TraceFolder(1);
		folder.apply(walk(0, 7, 1024, 1024, 1, true));
		folder.apply(walk(0, 8, 2048, 2048, 1, true));
		assertThat(folder.state().walks().get(0).takenPorts()).containsExactly(2048);
	}

	private TraceEvent walk(int cpu, long ct, int firstPort, int port, int tries, boolean taken) {
		return new TraceEvent(this.seq, this.seq++, cpu, "port-walk", 1L, "POSTROUTING", null,
				"nf_nat_l4proto_unique_tuple", "walks", null, null,
				new Change.PortWalk(ct, "tcp", firstPort, port, tries, taken, "prandom", -1));
	}

}
