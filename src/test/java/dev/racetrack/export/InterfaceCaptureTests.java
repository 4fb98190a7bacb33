package dev.racetrack.export;

import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import dev.racetrack.export.InterfaceCapture.Frame;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.ScenarioRunner;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.Tracer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link InterfaceCapture} on the model's runs: which packets each interface shows, with
 * which header, TTL and MACs, at which time. The SNAT port race must look like the XING
 * capture: the losing SYN on its veth and on {@code cni0}, never on {@code eth0}, then
 * its retransmission a second later on all three, translated on {@code eth0}.
 */
class InterfaceCaptureTests {

	static final long MS = 1_000_000L;

	static NodeRun run(String scenario, String kernel) {
		RunParams params = dev.racetrack.scenario.Scenarios.byId(scenario)
			.orElseThrow()
			.defaults()
			.withKernel(KernelProfile.fromId(kernel).orElseThrow());
		return ScenarioRunner.run(params, Tracer.recording(1_000_000));
	}

	static List<Frame> frames(NodeRun run, String iface) {
		return InterfaceCapture.frames(run.trace().events(), run.topology(), iface);
	}

	static List<Frame> syns(List<Frame> frames) {
		return frames.stream().filter((f) -> "SYN".equals(f.packet().flags())).toList();
	}

	@Test
	@DisplayName("snat-port-race on 4.17: two SYNs on cni0 at 1.001 ms, one on eth0; the loser's retransmission 1 s later on veth-b, cni0 and eth0 as 10.0.0.1:1024")
	void theLosingSynIsOnCni0AndNotOnEth0() {
		NodeRun run = run("snat-port-race", "4.17");
		List<Frame> cni0 = syns(frames(run, "cni0"));
		List<Frame> eth0 = syns(frames(run, "eth0"));
		List<Frame> vethB = syns(frames(run, "veth-b"));
		assertThat(cni0).extracting((f) -> f.packet().tuple().toString(), (f) -> f.timeNanos() / 100_000)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("10.40.0.17:32000 → 10.0.0.99:80", 10L),
					org.assertj.core.groups.Tuple.tuple("10.40.0.18:32000 → 10.0.0.99:80", 10L),
					org.assertj.core.groups.Tuple.tuple("10.40.0.18:32000 → 10.0.0.99:80", 10010L));
		assertThat(eth0).extracting((f) -> f.packet().tuple().toString(), (f) -> f.timeNanos() / 100_000)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("10.0.0.1:32000 → 10.0.0.99:80", 10L),
					org.assertj.core.groups.Tuple.tuple("10.0.0.1:1024 → 10.0.0.99:80", 10010L));
		assertThat(vethB).extracting((f) -> f.timeNanos() / 100_000).containsExactly(10L, 10010L);
		Frame lost = cni0.get(1);
		assertThat(frames(run, "eth0")).as("no frame on eth0 carries the lost packet")
			.noneMatch((f) -> f.packet().id() == lost.packet().id());
		Frame retransmitted = cni0.get(2);
		assertThat(retransmitted.packet().seq()).as("same ISN").isEqualTo(lost.packet().seq());
		assertThat(eth0.get(1).packet().id()).isEqualTo(retransmitted.packet().id());
		assertThat(eth0.get(1).timeNanos() - retransmitted.timeNanos()).as("through the node in a few µs")
			.isBetween(1_000L, 10_000L);
	}

	@Test
	@DisplayName("TTL 64 as sent, 63 once forwarded; MACs: the pod and the cni0 bridge on veth and cni0, the node's eth0 and the server on eth0")
	void ttlAndMacsFollowTheHops() {
		NodeRun run = run("snat-port-race", "4.17");
		HexFormat hex = HexFormat.of();
		Frame vethSyn = syns(frames(run, "veth-a")).get(0);
		Frame cni0Syn = syns(frames(run, "cni0")).get(0);
		Frame eth0Syn = syns(frames(run, "eth0")).get(0);
		assertThat(vethSyn.ttl()).isEqualTo(64);
		assertThat(cni0Syn.ttl()).isEqualTo(64);
		assertThat(eth0Syn.ttl()).isEqualTo(63);
		assertThat(hex.formatHex(cni0Syn.bytes(), 0, 12)).as("to the bridge, from pod-a")
			.isEqualTo("02000a280001" + "02000a280011");
		assertThat(hex.formatHex(vethSyn.bytes(), 0, 12)).isEqualTo("02000a280001" + "02000a280011");
		assertThat(hex.formatHex(eth0Syn.bytes(), 0, 12)).as("to the server, from the node")
			.isEqualTo("02000a000063" + "02000a000001");
		Frame synAckOnEth0 = frames(run, "eth0").stream()
			.filter((f) -> "SYN, ACK".equals(f.packet().flags()))
			.findFirst()
			.orElseThrow();
		Frame synAckOnVeth = frames(run, "veth-a").stream()
			.filter((f) -> "SYN, ACK".equals(f.packet().flags()))
			.findFirst()
			.orElseThrow();
		assertThat(synAckOnEth0.ttl()).isEqualTo(64);
		assertThat(synAckOnEth0.direction()).isEqualTo("in");
		assertThat(hex.formatHex(synAckOnEth0.bytes(), 0, 12)).isEqualTo("02000a000001" + "02000a000063");
		assertThat(synAckOnVeth.ttl()).isEqualTo(63);
		assertThat(synAckOnVeth.packet().tuple().toString()).isEqualTo("10.0.0.99:80 → 10.40.0.17:32000");
		assertThat(hex.formatHex(synAckOnVeth.bytes(), 0, 12)).isEqualTo("02000a280011" + "02000a280001");
	}

	@Test
	@DisplayName("the pcap holds one record per frame, in trace order, with the trace's time")
	void pcapHoldsTheFramesInOrder() {
		NodeRun run = run("dnat-race-3", "5.6");
		List<Frame> frames = frames(run, "eth0");
		assertThat(frames).hasSize(4);
		assertThat(frames).extracting(Frame::seq).isSorted();
		byte[] pcap = InterfaceCapture.pcap(run.trace().events(), run.topology(), "eth0");
		int expected = 24 + frames.stream().mapToInt((f) -> 16 + f.bytes().length).sum();
		assertThat(pcap).hasSize(expected);
		assertThat(InterfaceCapture.pcap(run.trace().events(), run.topology(), "veth-z")).as("no packets: header only")
			.hasSize(24);
		assertThat(InterfaceCapture.pcap(run.trace().events(), run.topology(), "eth0")).as("deterministic")
			.isEqualTo(pcap);
	}

}
