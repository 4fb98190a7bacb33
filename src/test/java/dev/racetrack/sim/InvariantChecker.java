package dev.racetrack.sim;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.conntrack.ConntrackStats;
import dev.racetrack.kernel.conntrack.ConntrackTable;
import dev.racetrack.kernel.packet.Tuple;
import dev.racetrack.sim.Views.CtView;

/**
 * Checks, after every trace event, that the model is sound and that the trace describes
 * it (TigerBeetle's global checkers): no two confirmed entries share an original or a
 * reply tuple; time never goes back and steps are contiguous; and folding the trace so
 * far gives exactly the live table (ids, tuples, confirmed or not) and the live counters.
 * A failure names the step.
 */
public final class InvariantChecker implements Consumer<TraceEvent> {

	private NodeRun run;

	private TraceFolder folder;

	private long lastT = Long.MIN_VALUE;

	private long lastSeq = -1;

	private long checked;

	/** A recording tracer that runs this checker after each event. */
	public Tracer tracer(long maxEvents) {
		return Tracer.recording(maxEvents).onEvent(this);
	}

	/** The run being checked (set before it starts emitting). */
	public void bind(NodeRun nodeRun) {
		this.run = nodeRun;
		this.folder = new TraceFolder(nodeRun.config().cpus());
	}

	public long checked() {
		return this.checked;
	}

	@Override
	public void accept(TraceEvent e) {
		if (this.run == null) {
			throw new IllegalStateException("bind the run before it emits");
		}
		fail(e.seq() != this.lastSeq + 1, e, "steps are not contiguous");
		fail(e.t() < this.lastT, e, "time went back");
		this.lastSeq = e.seq();
		this.lastT = e.t();
		this.folder.apply(e);
		ConntrackTable table = this.run.node().netfilter().table();
		uniqueTuples(e, table.confirmed());
		foldMatchesTable(e, table);
		foldMatchesCounters(e);
		this.checked++;
	}

	private void uniqueTuples(TraceEvent e, List<Conntrack> confirmed) {
		Set<Tuple> seen = new HashSet<>();
		for (Conntrack ct : confirmed) {
			if (!ct.clashEntry()) {
				fail(!seen.add(ct.original()), e, "two confirmed entries share original " + ct.original());
			}
			fail(!seen.add(ct.reply()), e, "two confirmed entries share reply " + ct.reply());
		}
	}

	private void foldMatchesTable(TraceEvent e, ConntrackTable table) {
		Map<Long, Conntrack> live = new HashMap<>();
		table.confirmed().forEach((ct) -> live.put(ct.id(), ct));
		for (int cpu = 0; cpu < table.cpus(); cpu++) {
			table.unconfirmed(cpu).forEach((ct) -> live.put(ct.id(), ct));
		}
		List<CtView> folded = this.folder.state().conntrack();
		fail(folded.size() != live.size(), e,
				"the trace shows " + folded.size() + " entries, the table holds " + live.size());
		for (CtView v : folded) {
			Conntrack ct = live.get(v.id());
			fail(ct == null, e, "the trace shows entry #" + v.id() + " that the table does not hold");
			fail(ct.confirmed() != v.confirmed(), e, "entry #" + v.id() + " confirmed differs");
			fail(!Views.TupleView.of(ct.reply()).equals(v.reply()), e, "entry #" + v.id() + " reply differs");
		}
	}

	private void foldMatchesCounters(TraceEvent e) {
		ConntrackStats stats = this.run.node().netfilter().stats();
		List<Map<String, Long>> folded = this.folder.state().counters();
		for (int cpu = 0; cpu < stats.cpus(); cpu++) {
			for (Map.Entry<String, Long> live : stats.ofCpu(cpu).entrySet()) {
				long shown = folded.get(cpu).getOrDefault(live.getKey(), 0L);
				fail(shown != live.getValue(), e,
						"cpu " + cpu + " " + live.getKey() + " is " + live.getValue() + " but the trace says " + shown);
			}
		}
	}

	private static void fail(boolean failed, TraceEvent e, String what) {
		if (failed) {
			throw new AssertionError("invariant broken at step " + e.seq() + " (" + e.type() + ", t=" + e.t() + "): "
					+ what + " — " + e.text());
		}
	}

}
