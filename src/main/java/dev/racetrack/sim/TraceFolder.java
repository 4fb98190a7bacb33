package dev.racetrack.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.racetrack.sim.Views.CtView;
import dev.racetrack.sim.Views.FlowView;
import dev.racetrack.sim.Views.RoverView;

/**
 * Folds trace events, in order, into the {@link LabState} they lead to. The browser's
 * reducer ({@code frontend/js/lab/reducer.js}) applies the same rules; tests keep the two
 * in step.
 */
public final class TraceFolder {

	private final int cpuCount;

	private long step = -1;

	private long t;

	private final TreeMap<Long, CtView> conntrack = new TreeMap<>();

	private final List<Map<String, Long>> counters = new ArrayList<>();

	private final Map<String, RoverView> rovers = new TreeMap<>();

	private final List<Long> cpus = new ArrayList<>();

	private final Map<Long, Integer> packetCpu = new HashMap<>();

	private final TreeMap<Long, LabState.InFlight> packets = new TreeMap<>();

	private final Map<String, LabState.Timer> timers = new LinkedHashMap<>();

	private final Map<String, FlowView> flows = new LinkedHashMap<>();

	private final List<LabState.Drop> drops = new ArrayList<>();

	private final List<LabState.Walk> walks = new ArrayList<>();

	public TraceFolder(int cpuCount) {
		this.cpuCount = cpuCount;
		for (int i = 0; i < cpuCount; i++) {
			this.counters.add(new TreeMap<>());
			this.cpus.add(null);
			this.walks.add(null);
		}
	}

	/** Folds every event of a list up to and including index {@code step}. */
	public static LabState fold(List<TraceEvent> events, int cpus, long step) {
		TraceFolder folder = new TraceFolder(cpus);
		long last = Math.min(step, events.size() - 1);
		for (int i = 0; i <= last; i++) {
			folder.apply(events.get(i));
		}
		return folder.state();
	}

	public void apply(TraceEvent e) {
		this.step = e.seq();
		this.t = e.t();
		if (e.counters() != null && e.cpu() >= 0 && e.cpu() < this.cpuCount) {
			this.counters.get(e.cpu()).putAll(e.counters());
		}
		if (e.rover() != null) {
			this.rovers.put(e.rover().proto(), e.rover());
		}
		Change c = e.change();
		if (c instanceof Change.CtNew x) {
			remove(x.reopened());
			remove(x.earlyDropped());
			put(x.ct());
		}
		else if (c instanceof Change.CtFound x) {
			if (x.deleted()) {
				this.conntrack.remove(x.ct().id());
			}
			else {
				put(x.ct());
			}
		}
		else if (c instanceof Change.NatSetup x) {
			if (x.search() != null && x.search().evicted() >= 0) {
				this.conntrack.remove(x.search().evicted());
			}
			put(x.ct());
			endWalk(e, x);
		}
		else if (c instanceof Change.PortWalk x) {
			if (e.cpu() >= 0 && e.cpu() < this.cpuCount) {
				LabState.Walk w = this.walks.get(e.cpu());
				List<Integer> taken = (w != null && w.ct() == x.ct() && !w.chosen()) ? w.takenPorts() : List.of();
				if (x.taken() && x.port() >= 0) {
					// the last TAKEN_KEPT candidates found taken, oldest first
					List<Integer> grown = new ArrayList<>(taken);
					grown.add(x.port());
					taken = grown.subList(Math.max(0, grown.size() - LabState.Walk.TAKEN_KEPT), grown.size());
				}
				this.walks.set(e.cpu(), new LabState.Walk(x.ct(), x.proto(), x.firstPort(), x.port(), x.tries(),
						x.taken(), x.offsetSource(), x.roverBefore(), false, taken));
			}
		}
		else if (c instanceof Change.CtConfirm x) {
			put(x.ct());
		}
		else if (c instanceof Change.CtClash x) {
			applyClash(x);
		}
		else if (c instanceof Change.ChainTooLong x) {
			this.conntrack.remove(x.ct().id());
		}
		else if (c instanceof Change.CtDestroy x) {
			this.conntrack.remove(x.id());
		}
		else {
			applyClient(e, c);
		}
	}

	/** The SNAT step that ends a CPU's walk: the walk stays, on the port chosen. */
	private void endWalk(TraceEvent e, Change.NatSetup x) {
		if (e.cpu() < 0 || e.cpu() >= this.cpuCount || x.ct() == null) {
			return;
		}
		LabState.Walk w = this.walks.get(e.cpu());
		if (w != null && w.ct() == x.ct().id()) {
			this.walks.set(e.cpu(), new LabState.Walk(w.ct(), w.proto(), w.base(), x.ct().reply().dport(), w.tries(),
					false, w.offsetSource(), w.roverBefore(), true, w.takenPorts()));
		}
	}

	private void applyClash(Change.CtClash x) {
		if ("CLASH_ENTRY".equals(x.resolution())) {
			put(x.survivor());
		}
		else {
			this.conntrack.remove(x.loser().id());
		}
		put(x.winner());
	}

	private void applyClient(TraceEvent e, Change c) {
		if (c instanceof Change.CpuTake) {
			this.cpus.set(e.cpu(), e.packet());
			this.walks.set(e.cpu(), null);
			this.packetCpu.put(e.packet(), e.cpu());
			moved(e, "cpu" + e.cpu());
		}
		else if (c instanceof Change.PacketSent x) {
			this.packets.put(e.packet(), new LabState.InFlight(x.packet(), e.iface(), e.t()));
		}
		else if (c instanceof Change.PacketHop x) {
			this.packets.put(e.packet(), new LabState.InFlight(x.packet(), e.iface(), e.t()));
			if ("out".equals(x.direction()) && ("eth0".equals(e.iface()) || "cni0".equals(e.iface()))) {
				freeCpu(e.packet());
			}
		}
		else if (c instanceof Change.NatPacket x) {
			this.packets.put(e.packet(), new LabState.InFlight(x.after(), "cpu" + e.cpu(), e.t()));
		}
		else if (c instanceof Change.PacketReceived) {
			this.packets.remove(e.packet());
		}
		else if (c instanceof Change.PacketDropped x) {
			this.drops.add(new LabState.Drop(e.packet(), e.cpu(), e.t(), x.reason()));
			this.packets.remove(e.packet());
			freeCpu(e.packet());
		}
		else if (c instanceof Change.TimerSet x) {
			this.timers.put(x.flow() + "/" + x.timer(), new LabState.Timer(x.flow(), x.timer(), x.expiresAt()));
		}
		else if (c instanceof Change.TimerFired x) {
			this.timers.remove(x.flow() + "/" + x.timer());
		}
		else if (c instanceof Change.TimerCleared x) {
			this.timers.remove(x.flow() + "/" + x.timer());
		}
		else if (c instanceof Change.FlowStart x) {
			this.flows.put(x.flow().id(), x.flow());
		}
		else if (c instanceof Change.FlowDone x) {
			this.flows.put(x.flow().id(), x.flow());
		}
	}

	private void moved(TraceEvent e, String where) {
		LabState.InFlight f = this.packets.get(e.packet());
		if (f != null) {
			this.packets.put(e.packet(), new LabState.InFlight(f.packet(), where, e.t()));
		}
	}

	private void freeCpu(Long packet) {
		Integer cpu = this.packetCpu.remove(packet);
		if (cpu != null && packet.equals(this.cpus.get(cpu))) {
			this.cpus.set(cpu, null);
			this.walks.set(cpu, null);
		}
	}

	private void put(CtView ct) {
		if (ct != null) {
			this.conntrack.put(ct.id(), ct);
		}
	}

	private void remove(Long id) {
		if (id != null) {
			this.conntrack.remove(id);
		}
	}

	public LabState state() {
		List<Map<String, Long>> counterCopy = new ArrayList<>();
		this.counters.forEach((m) -> counterCopy.add(Collections.unmodifiableMap(new TreeMap<>(m))));
		return new LabState(this.step, this.t, List.copyOf(this.conntrack.values()), counterCopy,
				Collections.unmodifiableMap(new TreeMap<>(this.rovers)),
				Collections.unmodifiableList(new ArrayList<>(this.cpus)), List.copyOf(this.packets.values()),
				List.copyOf(this.timers.values()), List.copyOf(this.flows.values()), List.copyOf(this.drops),
				Collections.unmodifiableList(new ArrayList<>(this.walks)));
	}

}
