package dev.racetrack.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.racetrack.kernel.nat.ManipType;
import dev.racetrack.sim.Change;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.sim.Views.CtView;
import dev.racetrack.sim.Views.FlowView;
import dev.racetrack.sim.Views.PacketView;
import dev.racetrack.sim.Views.TupleView;

/**
 * The guided story of a race replay, read off the trace after the run: the beats (steps
 * where playback pauses by itself and the caption says what just became true), the idle
 * steps that playback hurries through, and which of the races the run really showed.
 * <p>
 * Every beat is found by what the events mean, never by a step number, so a change of
 * timing in the model keeps the story: two CPUs holding unconfirmed entries at once; two
 * entries given the same reply tuple (the SNAT port race), made identical (race 1), or
 * sent to two different DNAT targets (race 3); a source port moved by a SNAT step that
 * ran after the other entry's confirm (race 2); the first confirm; the clash and its
 * resolution with the counters it moved; the client's timer; the retry's new port; and a
 * closing summary of every flow's latency and the counters. Beats annotate what the model
 * did and never change it.
 */
public final class Beats {

	/** A beat: pause after this step, and say this. */
	public record Beat(long step, String text) {
	}

	/**
	 * Steps {@code from} to {@code to} (inclusive) that carry nothing of the story (the
	 * handshake's last ACK, the connection's teardown): playback hurries through them.
	 */
	public record Span(long from, long to) {
	}

	/**
	 * What a replay's trace tells.
	 *
	 * @param beats the beats, in step order
	 * @param idle the idle stretches
	 * @param snatRace two entries of two different flows got the same reply tuple while
	 * both were unconfirmed (the SNAT port race)
	 * @param identical two entries were identical while both were unconfirmed (race 1)
	 * @param portMoved an entry's SNAT step ran after the confirm of an entry with the
	 * same original tuple that was unconfirmed when it was created (race 2)
	 * @param differentTargets two entries with the same original tuple were sent to two
	 * different DNAT targets while both were unconfirmed (race 3)
	 */
	public record Story(List<Beat> beats, List<Span> idle, boolean snatRace, boolean identical, boolean portMoved,
			boolean differentTargets) {

		/** Whether the run showed the race that the scenario is about. */
		public boolean showsRaceOf(String scenario) {
			return switch (scenario) {
				case "snat-port-race" -> this.snatRace;
				case "dnat-race-1" -> this.identical;
				case "dnat-race-2" -> this.portMoved;
				case "dnat-race-3" -> this.differentTargets;
				default -> true;
			};
		}

	}

	/** The most beats a replay gets (the closing summary is always one of them). */
	static final int MAX_BEATS = 8;

	private Beats() {
	}

	/** The beats of a replay's trace. */
	public static List<Beat> of(List<TraceEvent> events) {
		return story(events).beats();
	}

	/** The idle stretches of a replay's trace. */
	public static List<Span> idle(List<TraceEvent> events) {
		return story(events).idle();
	}

	/** Everything a replay's trace tells. */
	public static Story story(List<TraceEvent> events) {
		Reader reader = new Reader();
		for (TraceEvent e : events) {
			reader.read(e);
		}
		return reader.story(events);
	}

	/** Reads a trace once, in order. */
	private static final class Reader {

		final List<Beat> beats = new ArrayList<>();

		final Map<Long, String> label = new LinkedHashMap<>();

		final Map<Long, String> pod = new LinkedHashMap<>();

		final Map<Long, Long> packetOf = new LinkedHashMap<>();

		/** The CPU a packet was sent from, when the trace names one. */
		final Map<Long, Integer> sentOn = new LinkedHashMap<>();

		/** The CPU that first took a packet, and how ({@code true}: from the backlog). */
		final Map<Long, Integer> takenBy = new LinkedHashMap<>();

		final Map<Long, Boolean> fromBacklog = new LinkedHashMap<>();

		final Map<Long, CtView> unconfirmed = new TreeMap<>();

		final Map<Long, CtView> confirmed = new TreeMap<>();

		/** Entries whose POSTROUTING (SNAT) step has run. */
		final java.util.Set<Long> srcDone = new java.util.HashSet<>();

		/** Entries whose PREROUTING (DNAT) step has run. */
		final java.util.Set<Long> dstDone = new java.util.HashSet<>();

		/**
		 * Entries created before the confirm of an entry with the same original tuple.
		 */
		final java.util.Set<Long> behindConfirm = new java.util.HashSet<>();

		final Map<Integer, Map<String, Long>> counters = new TreeMap<>();

		final Map<Integer, Map<String, Long>> moved = new TreeMap<>();

		final Map<String, FlowView> flows = new LinkedHashMap<>();

		/** The SNAT port search of each entry that needed one. */
		final Map<Long, dev.racetrack.sim.Views.SearchView> searches = new LinkedHashMap<>();

		final Map<String, Long> firstAnswer = new LinkedHashMap<>();

		/** What the current event added to its CPU's counters. */
		Map<String, Long> stepDelta = Map.of();

		boolean overlap;

		boolean tupleBeat;

		/**
		 * Whether two port walks meeting on one port were told (after the tuple beat).
		 */
		boolean walkBeat;

		boolean confirmBeat;

		boolean clashBeat;

		boolean timerBeat;

		boolean retryBeat;

		boolean summary;

		boolean dropped;

		boolean snatRace;

		boolean identical;

		boolean portMoved;

		boolean differentTargets;

		void read(TraceEvent e) {
			Change c = e.change();
			this.stepDelta = new LinkedHashMap<>();
			if (e.counters() != null && e.cpu() >= 0) {
				Map<String, Long> now = this.counters.computeIfAbsent(e.cpu(), (k) -> new TreeMap<>());
				Map<String, Long> delta = this.moved.computeIfAbsent(e.cpu(), (k) -> new LinkedHashMap<>());
				e.counters().forEach((k, v) -> {
					long before = now.getOrDefault(k, 0L);
					now.put(k, v);
					delta.merge(k, v - before, Long::sum);
					this.stepDelta.put(k, v - before);
				});
			}
			if (c instanceof Change.CpuTake && e.packet() != null && !this.takenBy.containsKey(e.packet())) {
				this.takenBy.put(e.packet(), e.cpu());
				this.fromBacklog.put(e.packet(), "net_rx_action".equals(e.func()));
			}
			if (c instanceof Change.PacketSent x) {
				this.label.put(x.packet().id(), x.packet().label());
				if (e.cpu() >= 0) {
					this.sentOn.put(x.packet().id(), e.cpu());
				}
				if (x.pod() != null && x.pod().startsWith("pod-")) {
					this.pod.put(x.packet().id(), x.pod());
				}
			}
			else if (c instanceof Change.PacketReceived x && x.host() != null && x.host().startsWith("pod-")) {
				FlowView f = currentFlow(x.host());
				if (f != null) {
					this.firstAnswer.putIfAbsent(f.id(), e.t() - f.start());
				}
			}
			else if (c instanceof Change.FlowStart x) {
				this.flows.put(x.flow().id(), x.flow());
			}
			else if (c instanceof Change.CtNew x) {
				onNew(e, x.ct());
			}
			else if (c instanceof Change.NatSetup x) {
				onNat(e, x);
			}
			else if (c instanceof Change.CtConfirm x) {
				onConfirm(e, x.ct());
			}
			else if (c instanceof Change.CtClash x) {
				onClash(e, x);
			}
			else if (c instanceof Change.PacketDropped) {
				this.dropped = true;
			}
			else if (c instanceof Change.TimerFired x && this.dropped && !this.timerBeat) {
				this.timerBeat = true;
				add(e, timerText(e, x));
			}
			else if (c instanceof Change.FlowDone x) {
				this.flows.put(x.flow().id(), x.flow());
				boolean allDone = this.flows.values().stream().noneMatch((f) -> "pending".equals(f.outcome()));
				if (allDone && this.overlap && !this.summary) {
					this.summary = true;
					this.beats.add(new Beat(e.seq(), summaryText()));
				}
			}
		}

		void onNew(TraceEvent e, CtView ct) {
			if (e.packet() != null) {
				this.packetOf.put(ct.id(), e.packet());
			}
			this.unconfirmed.put(ct.id(), ct);
			for (CtView other : this.confirmed.values()) {
				if (other.orig().equals(ct.orig())) {
					return;
				}
			}
			CtView other = otherCpu(ct);
			if (other != null && !this.overlap) {
				this.overlap = true;
				String text = other.orig().equals(ct.orig())
						? cap(name(other)) + " and " + name(ct) + " are now on two CPUs at once: entries #" + other.id()
								+ " (CPU " + other.cpu() + ") and #" + ct.id() + " (CPU " + ct.cpu()
								+ ") have the same original tuple " + tuple(ct.orig())
								+ ". Each is unconfirmed: only its own CPU can see it."
						: cap(name(other)) + " and " + name(ct) + " are now on two CPUs at once: CPU " + other.cpu()
								+ " holds entry #" + other.id() + ", CPU " + ct.cpu() + " entry #" + ct.id()
								+ ". Each is unconfirmed: only its own CPU can see it.";
				add(e, text + twoCpus(other, ct));
			}
		}

		/**
		 * What put the two entries' packets on two CPUs, as the trace tells it: the pods
		 * (or one pod's threads) that sent them, the CPUs they were sent from when the
		 * trace names them, and the CPUs that took them (from the receive backlog, or
		 * straight from a process of the node).
		 */
		String twoCpus(CtView first, CtView second) {
			Long p1 = this.packetOf.get(first.id());
			Long p2 = this.packetOf.get(second.id());
			if (p1 == null || p2 == null || !this.takenBy.containsKey(p1) || !this.takenBy.containsKey(p2)) {
				return "";
			}
			String pod1 = this.pod.get(p1);
			String pod2 = this.pod.get(p2);
			Integer from1 = this.sentOn.get(p1);
			Integer from2 = this.sentOn.get(p2);
			String who;
			if (pod1 != null && pod1.equals(pod2)) {
				who = (from1 != null && from2 != null && !from1.equals(from2))
						? " Two threads of " + pod1 + " sent them, on CPUs " + from1 + " and " + from2
						: " " + cap(pod1) + " sent both";
			}
			else if (pod1 != null && pod2 != null) {
				who = " " + cap(pod1) + " and " + pod2 + " sent them"
						+ ((from1 != null && from2 != null) ? " from CPUs " + from1 + " and " + from2 : "");
			}
			else {
				return "";
			}
			int cpu1 = this.takenBy.get(p1);
			int cpu2 = this.takenBy.get(p2);
			boolean backlog = this.fromBacklog.getOrDefault(p1, false) && this.fromBacklog.getOrDefault(p2, false);
			String how = backlog ? "; the backlog gave them to CPUs " + cpu1 + " and " + cpu2
					: "; CPUs " + cpu1 + " and " + cpu2 + " ran them";
			return who + how + ".";
		}

		void onNat(TraceEvent e, Change.NatSetup x) {
			CtView ct = x.ct();
			if (this.unconfirmed.containsKey(ct.id())) {
				this.unconfirmed.put(ct.id(), ct);
			}
			if (x.manip() == ManipType.DST) {
				this.dstDone.add(ct.id());
			}
			if (x.manip() == ManipType.SRC) {
				this.srcDone.add(ct.id());
				if (x.search() != null) {
					this.searches.put(ct.id(), x.search());
				}
				if (this.behindConfirm.contains(ct.id())) {
					this.portMoved = true;
				}
			}
			TupleView before = x.before();
			TupleView chosen = x.chosen();
			boolean moved = x.manip() == ManipType.SRC && before != null && chosen != null
					&& before.sport() != chosen.sport();
			if (moved) {
				CtView holder = taken(chosen.src(), before.sport());
				if (holder != null && !this.retryBeat && this.beats.size() < MAX_BEATS - 1) {
					this.retryBeat = true;
					add(e, holder.orig().equals(ct.orig())
							? cap(poss(ct)) + " SNAT step runs after #" + holder.id()
									+ "'s confirm: `get_unique_tuple` " + "sees its reply tuple taken by #"
									+ holder.id() + " and moves " + name(ct) + " to source port " + chosen.sport()
									+ ". The original tuples are still the same."
							: "This time #" + holder.id() + " is confirmed, so `get_unique_tuple` sees " + chosen.src()
									+ ":" + before.sport() + " taken and moves " + name(ct) + " to port "
									+ chosen.sport() + ".");
				}
			}
			CtView other = otherCpu(ct);
			// Compare only with an entry that has been through the same NAT step.
			if (other == null || !((x.manip() == ManipType.DST) ? this.dstDone : this.srcDone).contains(other.id())) {
				return;
			}
			// Two port searches that met on one port after the first beat on tuples (six
			// pods on one port: two keep it, the later ones walk from the rover) get a
			// beat
			// of their own: the walkers meeting.
			String walked = sameWalk(this.searches.get(other.id()), this.searches.get(ct.id()));
			if (this.tupleBeat && !this.walkBeat && !walked.isEmpty() && x.manip() == ManipType.SRC
					&& other.reply().equals(ct.reply()) && !other.orig().equals(ct.orig())
					&& this.beats.size() < MAX_BEATS - 1) {
				this.walkBeat = true;
				add(e, "Again, now by walking: CPU " + ct.cpu() + " gives " + name(ct) + " port " + ct.reply().dport()
						+ ", the port CPU " + other.cpu() + " chose for " + name(other) + ": " + walked
						+ "neither sees the other's choice, which is still unconfirmed.");
				return;
			}
			if (this.tupleBeat) {
				return;
			}
			boolean sameOrig = other.orig().equals(ct.orig());
			boolean sameReply = other.reply().equals(ct.reply());
			if (sameReply && !sameOrig && x.manip() == ManipType.SRC) {
				this.snatRace = true;
				this.tupleBeat = true;
				add(e, "CPU " + ct.cpu() + " gives " + name(ct) + " " + endpoint(ct.reply().dst(), ct.reply().dport())
						+ ", the address and port CPU " + other.cpu() + " gave " + name(other) + ": " + walked
						+ "`get_unique_tuple` " + "cannot see #" + other.id()
						+ ", which is still unconfirmed. Both reply tuples are now " + tuple(ct.reply()) + ".");
			}
			else if (sameReply && sameOrig) {
				this.identical = true;
				this.tupleBeat = true;
				add(e, "Both queries go to " + ct.reply().src() + ": entries #" + other.id() + " and #" + ct.id()
						+ " are now identical, original and reply tuple, and neither CPU can see the other's.");
			}
			else if (sameOrig && x.manip() == ManipType.DST && !x.nullBinding()
					&& !other.reply().src().equals(ct.reply().src())) {
				this.differentTargets = true;
				this.tupleBeat = true;
				add(e, "kube-proxy's random rule sends " + name(other) + " to " + other.reply().src() + " and "
						+ name(ct) + " to " + ct.reply().src() + ": the same original tuple, two different reply "
						+ "tuples. No kernel can merge these two entries.");
			}
			else if (!sameOrig && !sameReply && x.manip() == ManipType.SRC
					&& other.reply().src().equals(ct.reply().src()) && other.reply().dst().equals(ct.reply().dst())) {
				this.tupleBeat = true;
				boolean random = x.search() != null && "prandom".equals(x.search().source());
				add(e, "CPU " + ct.cpu() + " gives " + name(ct) + " port " + ct.reply().dport() + ", CPU " + other.cpu()
						+ " gave " + name(other) + " port " + other.reply().dport()
						+ (random ? ": each port search started at a random port, so" : ":")
						+ " the reply tuples differ and the two entries cannot clash.");
			}
		}

		/**
		 * "both port searches started at the shared rover (1024) and walked the same
		 * ports, past 1 taken, to the same first free one; " when two walks began at one
		 * port (the rover of 4.x, or one hash of {@code --random}); empty otherwise.
		 */
		static String sameWalk(dev.racetrack.sim.Views.SearchView first, dev.racetrack.sim.Views.SearchView second) {
			if (first == null || second == null || first.firstPort() != second.firstPort()
					|| !first.source().equals(second.source())) {
				return "";
			}
			String from = switch (first.source()) {
				case "rover" -> "the shared rover (" + first.firstPort() + ")";
				case "secure_port" -> "one hash of the addresses (" + first.firstPort() + ")";
				default -> "port " + first.firstPort();
			};
			if (second.tries() <= 1 && first.tries() <= 1) {
				return "both port searches started at " + from + ", found it free and chose it; ";
			}
			int taken = Math.max(first.tries(), second.tries()) - 1;
			return "both port searches started at " + from + " and walked the same ports, past " + taken + " taken, "
					+ "to the same first free one; ";
		}

		void onConfirm(TraceEvent e, CtView ct) {
			this.unconfirmed.remove(ct.id());
			this.confirmed.put(ct.id(), ct);
			CtView other = null;
			for (CtView u : this.unconfirmed.values()) {
				if (u.cpu() != ct.cpu() && u.orig().equals(ct.orig()) && !this.srcDone.contains(u.id())) {
					this.behindConfirm.add(u.id());
				}
				if (u.cpu() != ct.cpu() && other == null) {
					other = u;
				}
			}
			if (other == null || this.confirmBeat || !this.overlap) {
				return;
			}
			this.confirmBeat = true;
			boolean conflict = other.orig().equals(ct.orig()) || other.reply().equals(ct.reply());
			String text;
			if (this.behindConfirm.contains(other.id())) {
				text = "CPU " + e.cpu() + " confirms " + poss(ct) + " entry #" + ct.id() + ": every CPU sees it now. "
						+ cap(poss(other)) + " entry #" + other.id()
						+ " was created before this, and its SNAT step is still to come.";
			}
			else if (conflict) {
				text = "CPU " + e.cpu() + " confirms #" + ct.id() + " first: every CPU sees it now. But CPU "
						+ other.cpu() + " chose #" + other.id() + "'s tuples before this and does not look again: "
						+ "the check that could have seen #" + ct.id() + " is behind it.";
			}
			else {
				text = "CPU " + e.cpu() + " confirms #" + ct.id() + ": every CPU sees it now. #" + other.id()
						+ " has other tuples, so its confirm will succeed too.";
			}
			add(e, text);
		}

		void onClash(TraceEvent e, Change.CtClash x) {
			this.unconfirmed.remove(x.loser().id());
			if (this.clashBeat) {
				return;
			}
			this.clashBeat = true;
			CtView w = x.winner();
			CtView l = x.loser();
			String on = "REPLY".equals(x.clashedOn()) ? "the same reply tuple " + tuple(w.reply())
					: "the same original tuple " + tuple(w.orig());
			String moved = counterText(e.cpu());
			String text = switch (x.resolution()) {
				case "DROP" -> "CPU " + e.cpu() + "'s confirm finds #" + w.id() + " with " + on
						+ ": the insert fails and " + name(l) + " is dropped before eth0. " + moved + ".";
				case "MERGED" -> "CPU " + e.cpu() + "'s confirm finds #" + w.id() + " identical to #" + l.id()
						+ ": this kernel's `nf_ct_resolve_clash` lets " + name(l) + " use #" + w.id()
						+ " instead. No drop" + (moved.isEmpty() ? "" : "; " + moved) + ".";
				default -> "CPU " + e.cpu() + "'s confirm clashes with #" + w.id() + " on " + on + ", but #" + l.id()
						+ "'s reply tuple is unique: this kernel keeps it as a reply-only clash entry for 1 s, hidden "
						+ "from conntrack -L, and " + name(l) + " goes on. No drop"
						+ (moved.isEmpty() ? "" : "; " + moved) + ".";
			};
			add(e, text);
		}

		String timerText(TraceEvent e, Change.TimerFired x) {
			FlowView f = this.flows.get(x.flow());
			String who = (f != null) ? f.pod() : "The client";
			String waited = (f != null) ? duration(e.t() - f.start()) : "a while";
			if ("syn-rto".equals(x.timer())) {
				return who + " has heard nothing for " + waited
						+ ": its SYN retransmission timer fires and the SYN goes out again, with the same ports.";
			}
			return who + "'s resolver has waited " + waited
					+ " for an answer that was dropped: its timer fires and it asks again.";
		}

		String summaryText() {
			List<FlowView> all = new ArrayList<>(this.flows.values());
			all.sort((a, b) -> Long.compare(b.latencyNs(), a.latencyNs()));
			StringBuilder s = new StringBuilder();
			boolean tcp = all.stream().allMatch((f) -> "tcp-connect".equals(f.kind()));
			if (all.size() <= 3) {
				for (int i = 0; i < all.size(); i++) {
					FlowView f = all.get(i);
					if (i > 0) {
						s.append(", ");
					}
					if (tcp) {
						s.append(f.pod()).append((i == 0) ? " waited " : " ").append(duration(f.latencyNs()));
						if (f.retransmits() > 0) {
							s.append(" (")
								.append(f.retransmits())
								.append(" SYN retransmission")
								.append((f.retransmits() > 1) ? "s" : "")
								.append(')');
						}
					}
					else {
						s.append(f.pod()).append("'s lookup took ").append(duration(f.latencyNs()));
						if (f.retransmits() > 0) {
							s.append(" (")
								.append(f.retransmits())
								.append((f.retransmits() > 1) ? " resends" : " resend")
								.append(')');
						}
						Long first = this.firstAnswer.get(f.id());
						if (first != null && f.retransmits() > 0) {
							s.append("; its first answer came after ").append(duration(first));
						}
					}
				}
			}
			else {
				long slow = all.stream().filter((f) -> f.retransmits() > 0 || !"ok".equals(f.outcome())).count();
				s.append(slow)
					.append(" of ")
					.append(all.size())
					.append(tcp ? " connections" : " lookups")
					.append(" waited for a retry; the slowest took ")
					.append(duration(all.get(0).latencyNs()));
			}
			s.append(". ").append(totals()).append('.');
			return s.toString();
		}

		/** The counters the run moved, per CPU, as {@code conntrack -S} names them. */
		String totals() {
			List<String> parts = new ArrayList<>();
			this.moved.forEach((cpu, delta) -> {
				String t = deltaText(delta);
				if (!t.isEmpty()) {
					parts.add(t + " on CPU " + cpu);
				}
			});
			return parts.isEmpty() ? "conntrack -S: insert_failed and drop stay 0"
					: "conntrack -S: " + String.join("; ", parts);
		}

		/** "insert_failed +1, drop +1 on CPU 1": what this step's counters moved. */
		String counterText(int cpu) {
			String t = deltaText(this.stepDelta);
			return t.isEmpty() ? "" : t + " on CPU " + cpu;
		}

		void add(TraceEvent e, String text) {
			// Keep the last slot for the closing summary.
			if (this.beats.size() < MAX_BEATS - 1) {
				this.beats.add(new Beat(e.seq(), text));
			}
		}

		CtView otherCpu(CtView ct) {
			for (CtView other : this.unconfirmed.values()) {
				if (other.id() != ct.id() && other.cpu() != ct.cpu() && !other.confirmed()) {
					return other;
				}
			}
			return null;
		}

		/** The confirmed entry whose reply goes to this address and port, or null. */
		CtView taken(String address, int port) {
			for (CtView ct : this.confirmed.values()) {
				if (ct.reply().dst().equals(address) && ct.reply().dport() == port) {
					return ct;
				}
			}
			return null;
		}

		FlowView currentFlow(String podName) {
			FlowView last = null;
			for (FlowView f : this.flows.values()) {
				if (f.pod().equals(podName)) {
					last = f;
				}
			}
			return last;
		}

		/** "pod-b's SYN", "A?", "AAAA?": the packet that created an entry. */
		String name(CtView ct) {
			Long p = this.packetOf.get(ct.id());
			String l = (p != null) ? this.label.get(p) : null;
			String owner = (p != null) ? this.pod.get(p) : null;
			if (l == null) {
				return "entry #" + ct.id();
			}
			if (l.endsWith("?")) {
				return l;
			}
			return (owner != null) ? owner + "'s " + l : l;
		}

		/** "AAAA's", "pod-b's SYN's". */
		String poss(CtView ct) {
			String n = name(ct);
			return n.endsWith("?") ? n.substring(0, n.length() - 1) + "'s" : n + "'s";
		}

		Story story(List<TraceEvent> events) {
			return new Story(List.copyOf(this.beats), idleSpans(events), this.snatRace, this.identical, this.portMoved,
					this.differentTargets);
		}

		/**
		 * Steps of TCP packets without SYN and without DNS (the handshake's last ACK, the
		 * teardown): nothing of the race is in them.
		 */
		List<Span> idleSpans(List<TraceEvent> events) {
			Map<Long, PacketView> packets = new LinkedHashMap<>();
			List<Span> spans = new ArrayList<>();
			long from = -1;
			for (TraceEvent e : events) {
				if (e.change() instanceof Change.PacketSent x) {
					packets.put(x.packet().id(), x.packet());
				}
				PacketView p = (e.packet() != null) ? packets.get(e.packet()) : null;
				boolean idle = p != null && "tcp".equals(p.proto()) && !p.label().contains("SYN") && p.dns() == null;
				if (idle && from < 0) {
					from = e.seq();
				}
				else if (!idle && from >= 0) {
					spans.add(new Span(from, e.seq() - 1));
					from = -1;
				}
			}
			if (from >= 0) {
				spans.add(new Span(from, events.get(events.size() - 1).seq()));
			}
			return spans;
		}

	}

	/**
	 * "insert_failed +1, drop +1", the statistics that tell the story, in a fixed order.
	 */
	static String deltaText(Map<String, Long> delta) {
		List<String> parts = new ArrayList<>();
		for (String k : List.of("insert_failed", "drop", "clash_resolve", "early_drop")) {
			long d = delta.getOrDefault(k, 0L);
			if (d > 0) {
				parts.add(k + " +" + d);
			}
		}
		return String.join(", ", parts);
	}

	static String tuple(TupleView t) {
		return t.src() + ":" + t.sport() + " → " + t.dst() + ":" + t.dport();
	}

	static String endpoint(String address, int port) {
		return address + ":" + port;
	}

	/** Capitalises a sentence's first word, but never a pod's name. */
	static String cap(String s) {
		return (s.isEmpty() || s.startsWith("pod-")) ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
	}

	/** "1.000 s", "12.5 ms", "235 µs", "80 ns". */
	static String duration(long ns) {
		if (ns >= 1_000_000_000L) {
			return String.format(Locale.ROOT, "%.3f s", ns / 1e9);
		}
		if (ns >= 1_000_000L) {
			return String.format(Locale.ROOT, "%.1f ms", ns / 1e6);
		}
		if (ns >= 1_000L) {
			return Math.round(ns / 1e3) + " µs";
		}
		return ns + " ns";
	}

}
