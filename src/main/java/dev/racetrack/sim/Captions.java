package dev.racetrack.sim;

import dev.racetrack.kernel.conntrack.ConfirmResult;
import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.nat.ManipType;
import dev.racetrack.kernel.nat.NatSetup;
import dev.racetrack.kernel.nat.PortSearch;
import dev.racetrack.kernel.packet.Ipv4;
import dev.racetrack.kernel.packet.PacketHeader;
import dev.racetrack.kernel.packet.Tuple;

/**
 * The one-sentence captions of the trace: the function at work in backticks, then the
 * consequence in plain words. Built only when tracing is on.
 */
final class Captions {

	private Captions() {
	}

	static String cpu(int cpu) {
		return "CPU " + cpu + ": ";
	}

	/**
	 * The end of an iptables walk, e.g. "3 rules match, ending in `-j DNAT
	 * --to-destination …`."
	 */
	static String walk(dev.racetrack.kernel.iptables.Traversal t) {
		if (t.verdict() != null) {
			return t.hits().size() + ((t.hits().size() == 1) ? " rule matches" : " rules match") + ", ending in `"
					+ t.verdict().save() + "`.";
		}
		return t.hits().isEmpty() ? "no rule matches; the policy is ACCEPT." : "no NAT rule applies (" + t.hits().size()
				+ ((t.hits().size() == 1) ? " jump" : " jumps or returns") + "); the policy is ACCEPT.";
	}

	static String ctNew(int cpu, PacketHeader h, Conntrack ct, Conntrack reopened) {
		String start = (reopened != null)
				? "`nf_conntrack_in` finds entry #" + reopened.id() + " closed (" + reopened.tcpState()
						+ "), kills it for this new SYN, and"
				: "`nf_conntrack_in` finds no entry for " + h.tuple() + ", so it";
		return cpu(cpu) + start + " puts entry #" + ct.id() + " on CPU " + cpu
				+ "'s unconfirmed list, where no other CPU can see it.";
	}

	static String ctFound(int cpu, PacketHeader h, Conntrack ct, String dir, boolean clashDeleted) {
		String what = "REPLY".equals(dir) ? "is a reply to" : "belongs to";
		String tail = clashDeleted ? "; a clash entry goes away with its first reply (5.6 to 5.8)" : "";
		return cpu(cpu) + "`nf_conntrack_in`: " + h.label() + " " + what + " entry #" + ct.id()
				+ (ct.confirmed() ? "" : " (unconfirmed)") + tail + ".";
	}

	static String natSetup(int cpu, NatSetup s, boolean masquerade) {
		String who = s.nullBinding() ? "`nf_nat_alloc_null_binding`" : "`nf_nat_setup_info`";
		Tuple chosen = s.chosen();
		String port = String.valueOf(s.manip() == ManipType.SRC ? chosen.srcPort() : chosen.dstPort());
		return switch (s.step()) {
			case ORIGINAL_KEPT -> cpu(cpu) + who + ": `get_unique_tuple` keeps " + s.before()
					+ " unchanged: `nf_nat_used_tuple` sees no confirmed entry with that reply tuple.";
			case SOURCE_MAPPING_REUSED -> cpu(cpu) + who + ": `find_appropriate_src` reuses the mapping of an earlier "
					+ "entry from the same source: " + chosen + ".";
			case PORT_KEPT -> cpu(cpu) + who + ": "
					+ (masquerade ? "MASQUERADE maps the source to "
							: (s.manip() == ManipType.DST) ? "the destination becomes " : "keeps ")
					+ Ipv4.format(s.manip() == ManipType.SRC ? chosen.srcIp() : chosen.dstIp()) + ":" + port
					+ keptReason(s) + ".";
			case PORT_UNCHANGEABLE -> cpu(cpu) + who + ": a destination without a port range keeps its port.";
			case PORT_SEARCHED -> cpu(cpu) + searchSentence(s);
		};
	}

	private static String keptReason(NatSetup s) {
		if (s.range().has(dev.racetrack.kernel.nat.NatRange.PROTO_SPECIFIED)
				&& s.range().minPort() == s.range().maxPort()) {
			return "; a DNAT to one fixed port is not checked for uniqueness";
		}
		return s.usedChecks() > 0 ? ", since no confirmed entry uses that port toward "
				+ Ipv4.format(s.chosen().dstIp()) + ":" + s.chosen().dstPort() : "";
	}

	private static String searchSentence(NatSetup s) {
		PortSearch p = s.search();
		String start = switch (p.offsetSource()) {
			case "rover" -> "starts at the shared rover (port " + p.firstPort() + ")";
			case "secure_port" -> "starts at a keyed hash of the addresses and port (port " + p.firstPort() + ")";
			default -> "starts at a random port (" + p.firstPort() + ")";
		};
		String found = (p.tries() == 1) ? "and takes it" : "tries " + p.tries() + " ports and takes " + p.port();
		String why = (s.usedChecks() > 0) ? "The original port is taken, so `nf_nat_l4proto_unique_tuple` "
				: "`nf_nat_l4proto_unique_tuple` ";
		String tail = p.free() ? "; entries still unconfirmed on other CPUs are not seen."
				: ", though it is used: every try was taken.";
		return why + start + " " + found + tail;
	}

	static String confirm(int cpu, ConfirmResult r) {
		if (r instanceof ConfirmResult.Confirmed c) {
			return cpu(cpu) + "`__nf_conntrack_confirm` inserts entry #" + c.ct().id()
					+ " into the hash: every CPU can see it now.";
		}
		if (r instanceof ConfirmResult.Clash c) {
			String tuple = (c.clashedOn() == dev.racetrack.kernel.conntrack.CtDir.ORIGINAL)
					? "original tuple " + c.loser().original() : "reply tuple " + c.loser().reply();
			String head = cpu(cpu) + "`__nf_conntrack_confirm`: confirmed entry #" + c.winner().id() + " already has "
					+ tuple + ", so this insert loses the race";
			return switch (c.resolution()) {
				case DROP -> head + ": the packet is dropped (" + String.join(", ", counterNames(c)) + ").";
				case MERGED -> head + ", but the entries match: the packet continues with entry #" + c.winner().id()
						+ " (" + String.join(", ", counterNames(c)) + ").";
				case CLASH_ENTRY -> head + "; its reply direction is unique, so entry #" + c.loser().id()
						+ " becomes a reply-only clash entry for 1 s"
						+ (c.counted().isEmpty() ? "." : " (" + String.join(", ", counterNames(c)) + ").");
			};
		}
		if (r instanceof ConfirmResult.ChainTooLong c) {
			return cpu(cpu) + "`__nf_conntrack_confirm`: the hash chain is too long; entry #" + c.ct().id()
					+ " is dropped (chaintoolong, insert_failed).";
		}
		return cpu(cpu) + "`ipv4_confirm`: " + ((ConfirmResult.NotNeeded) r).reason() + ".";
	}

	private static java.util.List<String> counterNames(ConfirmResult.Clash c) {
		return c.counted().stream().map((x) -> x.label() + " +1").toList();
	}

}
