package dev.racetrack.sim;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.conntrack.ConntrackTable;
import dev.racetrack.kernel.nat.SnatMode;

/**
 * What a node is: its kernel, the SNAT mode of its MASQUERADE rules, its CPUs, the number
 * of DNS endpoints behind kube-dns, and a mitigation.
 *
 * @param kernel the kernel profile
 * @param mode the MASQUERADE flags
 * @param cpus CPUs processing packets (1..16)
 * @param endpoints kube-dns endpoints (1..16)
 * @param mitigation the remedy applied
 * @param conntrackMax {@code nf_conntrack_max}
 * @param clientPathJitter whether a pod's packets reach the bridge after a random part of
 * the client path (free play); a race replay shows one instance with exact times
 * @param bridgedDns whether the kube-dns endpoints run on this node's bridge (reached
 * through the node's neighbour table, {@link Neighbours}) rather than on other nodes
 * through {@code eth0}
 */
public record NodeConfig(KernelProfile kernel, SnatMode mode, int cpus, int endpoints, Mitigation mitigation,
		int conntrackMax, boolean clientPathJitter, boolean bridgedDns) {

	/** The most CPUs a node has in the model. */
	public static final int MAX_CPUS = 16;

	public NodeConfig {
		if (cpus < 1 || cpus > MAX_CPUS) {
			throw new IllegalArgumentException("cpus must be 1.." + MAX_CPUS);
		}
		if (endpoints < 1 || endpoints > Topology.MAX_ENDPOINTS) {
			throw new IllegalArgumentException("endpoints must be 1.." + Topology.MAX_ENDPOINTS);
		}
	}

	public static NodeConfig of(KernelProfile kernel, SnatMode mode, int cpus, int endpoints, Mitigation mitigation) {
		return new NodeConfig(kernel, mode, cpus, endpoints, mitigation, ConntrackTable.DEFAULT_MAX, false, false);
	}

	/** The same node, with or without the random part of the client path. */
	public NodeConfig withClientPathJitter(boolean on) {
		return new NodeConfig(this.kernel, this.mode, this.cpus, this.endpoints, this.mitigation, this.conntrackMax, on,
				this.bridgedDns);
	}

	/** The same node, its kube-dns endpoints on its own bridge or not. */
	public NodeConfig withBridgedDns(boolean on) {
		return new NodeConfig(this.kernel, this.mode, this.cpus, this.endpoints, this.mitigation, this.conntrackMax,
				this.clientPathJitter, on);
	}

}
