package dev.racetrack.kernel.nat;

import dev.racetrack.kernel.conntrack.Conntrack;
import dev.racetrack.kernel.packet.Tuple;

/**
 * What {@code nf_nat_setup_info} did for one entry: which step of
 * {@code get_unique_tuple} returned, the tuple chosen, and whether the entry's reply
 * tuple changed.
 *
 * @param ct the entry
 * @param manip SRC or DST
 * @param range the range it was asked for
 * @param nullBinding whether this is {@code nf_nat_alloc_null_binding} (no rule matched)
 * @param step which step of get_unique_tuple returned
 * @param before the tuple as it was ({@code invert(reply)})
 * @param chosen the tuple chosen
 * @param replyBefore the reply tuple before
 * @param replyAfter the reply tuple after ({@code nf_conntrack_alter_reply})
 * @param search the port search, when step 4 ran, else {@code null}
 * @param usedChecks how many {@code nf_nat_used_tuple} calls the steps before the search
 * made
 */
public record NatSetup(Conntrack ct, ManipType manip, NatRange range, boolean nullBinding, Step step, Tuple before,
		Tuple chosen, Tuple replyBefore, Tuple replyAfter, PortSearch search, int usedChecks) {

	/** The step of {@code get_unique_tuple} that returned. */
	public enum Step {

		/** 1a: SRC, the original tuple is in range and unused: kept unchanged. */
		ORIGINAL_KEPT,

		/**
		 * 1b: SRC, an existing mapping of the same source ({@code find_appropriate_src})
		 * reused.
		 */
		SOURCE_MAPPING_REUSED,

		/**
		 * 3: the address was mapped and the port kept (in range and unused, or a fixed
		 * port).
		 */
		PORT_KEPT,

		/** 4: {@code nf_nat_l4proto_unique_tuple} searched for a port. */
		PORT_SEARCHED,

		/** 4: a DST manip without a port range: the port cannot change. */
		PORT_UNCHANGEABLE

	}

	/** Whether the reply tuple changed (IPS_SRC_NAT / IPS_DST_NAT set). */
	public boolean mangles() {
		return !this.replyBefore.equals(this.replyAfter);
	}

}
