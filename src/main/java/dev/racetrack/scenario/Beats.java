package dev.racetrack.scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.racetrack.kernel.nat.ManipType;
import dev.racetrack.sim.Change;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.sim.Views.CtView;
import dev.racetrack.sim.Views.TupleView;

/**
 * The guided beats of a race replay: the steps where playback pauses by itself and the
 * caption says what just became true. Beats are read off the trace after the run (two
 * CPUs holding unconfirmed entries at once, a reply tuple chosen twice, the first
 * confirm, the lost insert, the client's timer, the delayed flow); they annotate what the
 * model did and never change it.
 */
public final class Beats {

	/** A beat: pause after this step, and say this. */
	public record Beat(long step, String text) {
	}

	/** The most beats a replay gets. */
	static final int MAX_BEATS = 8;

	private Beats() {
	}

	public static List<Beat> of(List<TraceEvent> events) {
		List<Beat> beats = new ArrayList<>();
		Map<Long, CtView> unconfirmed = new HashMap<>();
		boolean sawTwoWindows = false;
		boolean sawSameReply = false;
		boolean sawFirstConfirm = false;
		boolean sawClash = false;
		boolean sawTimer = false;
		for (TraceEvent e : events) {
			if (beats.size() >= MAX_BEATS) {
				break;
			}
			Change c = e.change();
			if (c instanceof Change.CtNew x) {
				unconfirmed.put(x.ct().id(), x.ct());
				if (!sawTwoWindows && otherCpu(unconfirmed, x.ct()) != null) {
					sawTwoWindows = true;
					beats.add(new Beat(e.seq(),
							"Two CPUs now each hold an unconfirmed entry (#" + otherCpu(unconfirmed, x.ct()).id()
									+ " and #" + x.ct().id()
									+ "): neither can see the other's until it is confirmed."));
				}
			}
			else if (c instanceof Change.NatSetup x) {
				unconfirmed.put(x.ct().id(), x.ct());
				CtView twin = sameReply(unconfirmed, x.ct());
				if (!sawSameReply && twin != null && x.manip() == ManipType.SRC) {
					sawSameReply = true;
					beats.add(new Beat(e.seq(), "Entries #" + twin.id() + " and #" + x.ct().id()
							+ " now have the same reply tuple " + reply(x.ct()) + ", and neither CPU can tell."));
				}
			}
			else if (c instanceof Change.CtConfirm x) {
				unconfirmed.remove(x.ct().id());
				if (!sawFirstConfirm && !unconfirmed.isEmpty() && sawTwoWindows) {
					sawFirstConfirm = true;
					beats.add(new Beat(e.seq(), "CPU " + e.cpu() + " confirms entry #" + x.ct().id()
							+ " first: from now on every CPU sees it, but the other packet is already past that check."));
				}
			}
			else if (c instanceof Change.CtClash x) {
				unconfirmed.remove(x.loser().id());
				if (!sawClash) {
					sawClash = true;
					beats.add(new Beat(e.seq(), clashText(x)));
				}
			}
			else if (c instanceof Change.TimerFired x && sawClash && !sawTimer) {
				sawTimer = true;
				beats.add(new Beat(e.seq(), x.timer().equals("syn-rto")
						? "The client heard nothing back, so its SYN retransmission timer fires: the first cost of the race."
						: "The resolver's timer fires: it has waited for an answer that was dropped."));
			}
			else if (c instanceof Change.FlowDone x && x.flow().retransmits() > 0 && sawClash) {
				beats.add(new Beat(e.seq(),
						x.flow().pod() + "'s " + ("tcp-connect".equals(x.flow().kind()) ? "connection" : "lookup")
								+ " finally completes: "
								+ String.format(java.util.Locale.ROOT, "%.3f s", x.flow().latencyNs() / 1e9)
								+ " instead of a fraction of a millisecond."));
				break;
			}
		}
		return beats;
	}

	private static String clashText(Change.CtClash x) {
		return switch (x.resolution()) {
			case "DROP" -> "The later confirm finds entry #" + x.winner().id()
					+ " already in the hash: the insert fails and the packet is dropped. insert_failed and drop "
					+ "go up by one.";
			case "MERGED" -> "The later confirm clashes with entry #" + x.winner().id()
					+ ", but both entries are identical, so this kernel lets the packet use the winner's entry: "
					+ "no drop.";
			default -> "The later confirm clashes with entry #" + x.winner().id()
					+ ", but its reply direction is unique: this kernel keeps it as a reply-only clash entry for 1 s, "
					+ "hidden from conntrack -L. No drop.";
		};
	}

	private static CtView otherCpu(Map<Long, CtView> unconfirmed, CtView ct) {
		for (CtView other : unconfirmed.values()) {
			if (other.id() != ct.id() && other.cpu() != ct.cpu() && !other.confirmed()) {
				return other;
			}
		}
		return null;
	}

	private static CtView sameReply(Map<Long, CtView> unconfirmed, CtView ct) {
		for (CtView other : unconfirmed.values()) {
			if (other.id() != ct.id() && other.reply().equals(ct.reply())) {
				return other;
			}
		}
		return null;
	}

	private static String reply(CtView ct) {
		TupleView r = ct.reply();
		return r.src() + ":" + r.sport() + " → " + r.dst() + ":" + r.dport();
	}

}
