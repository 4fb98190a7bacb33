package dev.racetrack.sim;

import dev.racetrack.kernel.packet.PacketHeader;

/**
 * A pod: a {@link Stack} behind its veth on {@code cni0}.
 */
public final class Pod extends Stack {

	private final int index;

	private final String veth;

	Pod(NodeRun run, int index, SeededRandom random) {
		super(run, Topology.podName(index), run.topology().podIp(index), random);
		this.index = index;
		this.veth = Topology.vethName(index);
	}

	public int index() {
		return this.index;
	}

	public String veth() {
		return this.veth;
	}

	@Override
	void transmit(long id, PacketHeader header, Integer pinnedCpu, long extraDelayNanos) {
		run().node().fromPod(ip(), id, header, pinnedCpu, extraDelayNanos);
	}

}
