package dev.racetrack.kernel.hook;

import dev.racetrack.kernel.iptables.Traversal;
import dev.racetrack.kernel.nat.NatSetup;
import dev.racetrack.kernel.packet.PacketHeader;

/**
 * What a nat hook ({@code nf_nat_inet_fn}) did to one packet.
 *
 * @param traversal the iptables walk, when the entry was new and this manip not yet done;
 * otherwise {@code null}
 * @param setup the binding set up ({@code nf_nat_setup_info} or the null binding), or
 * {@code null} when none was needed
 * @param before the header before {@code nf_nat_packet} (same as after when the hook only
 * binds)
 * @param after the header after
 * @param note why nothing was set up, in a few words, when {@code setup} is {@code null}
 */
public record NatHookResult(Traversal traversal, NatSetup setup, PacketHeader before, PacketHeader after, String note) {

	public boolean mangled() {
		return !this.before.tuple().equals(this.after.tuple());
	}

}
