package dev.racetrack.sim;

import dev.racetrack.kernel.packet.PacketHeader;

/**
 * A process of the node itself (the NodeLocal DNSCache): its packets take the OUTPUT path
 * of the node's own netfilter, and packets routed to its address are delivered through
 * INPUT.
 */
final class LocalStack extends Stack {

	LocalStack(NodeRun run, String name, int ip, SeededRandom random) {
		super(run, name, ip, random);
	}

	@Override
	void transmit(long id, PacketHeader header, Integer pinnedCpu, long extraDelayNanos) {
		run().node().fromLocal(id, header);
	}

}
