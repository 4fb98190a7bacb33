package dev.racetrack.kernel.iptables;

import dev.racetrack.kernel.KernelRandom;
import dev.racetrack.kernel.packet.Tuple;

/**
 * What a rule can see of a packet while {@code ipt_do_table} walks a chain.
 *
 * @param tuple the packet's addresses and ports as they are at this hook
 * @param inIface the input interface, or {@code null}
 * @param outIface the output interface (known in POSTROUTING), or {@code null}
 * @param mark the packet mark ({@code skb->mark})
 * @param random the kernel's randomness, for {@code -m statistic --mode random}
 */
public record MatchContext(Tuple tuple, String inIface, String outIface, int mark, KernelRandom random) {

	public MatchContext withMark(int newMark) {
		return new MatchContext(this.tuple, this.inIface, this.outIface, newMark, this.random);
	}

}
