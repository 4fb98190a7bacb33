package dev.racetrack.kernel.conntrack;

import java.util.List;

/**
 * What {@code __nf_conntrack_confirm} did with one packet's entry.
 */
public sealed interface ConfirmResult {

	/** The entry is now in the hash: visible to every CPU. */
	record Confirmed(Conntrack ct) implements ConfirmResult {
	}

	/**
	 * Nothing to confirm: a reply-direction packet, an entry already confirmed, or no
	 * entry.
	 *
	 * @param reason why, in a few words
	 */
	record NotNeeded(String reason) implements ConfirmResult {
	}

	/**
	 * The entry's original or reply tuple was already in the hash: "we lost the race".
	 *
	 * @param loser the unconfirmed entry of this packet
	 * @param winner the confirmed entry it clashed with
	 * @param clashedOn which of the loser's tuples was taken
	 * @param resolution what the clash rules of this kernel made of it
	 * @param counted the statistics incremented, in order
	 * @param attachedTo the entry the packet continues with ({@code null} when dropped)
	 */
	record Clash(Conntrack loser, Conntrack winner, CtDir clashedOn, Resolution resolution,
			List<ConntrackStats.Counter> counted, Conntrack attachedTo) implements ConfirmResult {

		public Clash {
			counted = List.copyOf(counted);
		}

		public boolean dropped() {
			return this.resolution == Resolution.DROP;
		}

	}

	/**
	 * The hash chain was too long (6.x): {@code chaintoolong} and {@code insert_failed},
	 * drop.
	 */
	record ChainTooLong(Conntrack ct) implements ConfirmResult {
	}

	/** How a clash ended. */
	enum Resolution {

		/** The packet is dropped with its entry. */
		DROP,

		/**
		 * The packet continues with the winner's entry ({@code nf_ct_resolve_clash}: the
		 * winner has no NAT, or both entries match exactly).
		 */
		MERGED,

		/**
		 * 5.6+: the loser becomes a reply-only clash entry with a 1 s fixed timeout
		 * ({@code nf_ct_resolve_clash_harder}).
		 */
		CLASH_ENTRY

	}

}
