package dev.racetrack.export;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.scenario.ScenarioRunner;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.Pod;
import dev.racetrack.sim.ResolverKind;
import dev.racetrack.sim.Tracer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The captures read back by tshark, with IPv4, TCP and UDP checksum validation on: the
 * addresses, ports and times of the SNAT port race as in the XING capture, DNS queries
 * and answers decoded with their names, and no checksum or malformed-packet error on any
 * interface.
 */
class PcapTsharkTests {

	/** {@code PI_ERROR}, the expert severity of a bad checksum or a malformed packet. */
	static final String EXPERT_ERROR = String.valueOf(0x00800000);

	@TempDir
	Path dir;

	@BeforeEach
	void tshark() {
		Tshark.require();
	}

	@Test
	@DisplayName("snat-port-race 4.17, as XING saw it: both SYNs on cni0 at 1.001 ms, only one on eth0 (as 10.0.0.1:32000), the retransmission on eth0 at 1.001 s from 10.0.0.1:1024")
	void theXingCapture() throws IOException {
		NodeRun run = run("snat-port-race", "4.17", null);
		String[] fields = { "frame.time_epoch", "ip.src", "tcp.srcport", "ip.dst", "tcp.dstport", "tcp.flags.syn",
				"tcp.flags.ack", "tcp.analysis.flags" };
		List<List<String>> cni0 = synsOnly(Tshark.fields(write(run, "cni0"), fields));
		List<List<String>> eth0 = synsOnly(Tshark.fields(write(run, "eth0"), fields));
		List<List<String>> vethB = synsOnly(Tshark.fields(write(run, "veth-b"), fields));
		System.out.println("tshark, cni0 SYNs: " + cni0 + "\ntshark, eth0 SYNs: " + eth0);

		assertThat(cni0).hasSize(3);
		assertThat(micros(cni0.get(0))).isCloseTo(1001.0, org.assertj.core.data.Offset.offset(0.5));
		assertThat(cni0.get(0).subList(1, 5)).containsExactly("10.40.0.17", "32000", "10.0.0.99", "80");
		assertThat(micros(cni0.get(1))).isCloseTo(1001.1, org.assertj.core.data.Offset.offset(0.5));
		assertThat(cni0.get(1).subList(1, 5)).containsExactly("10.40.0.18", "32000", "10.0.0.99", "80");
		assertThat(micros(cni0.get(2))).isCloseTo(1_001_001.1, org.assertj.core.data.Offset.offset(1.0));
		assertThat(cni0.get(2).subList(1, 5)).containsExactly("10.40.0.18", "32000", "10.0.0.99", "80");
		assertThat(cni0.get(2).get(7)).as("tshark flags the second SYN from 10.40.0.18:32000 (a retransmission)")
			.isNotEmpty();

		assertThat(eth0).as("the first second on eth0 has one SYN: the other was dropped between cni0 and eth0")
			.hasSize(2);
		assertThat(micros(eth0.get(0))).isCloseTo(1005.6, org.assertj.core.data.Offset.offset(0.5));
		assertThat(eth0.get(0).subList(1, 5)).containsExactly("10.0.0.1", "32000", "10.0.0.99", "80");
		assertThat(micros(eth0.get(1))).isCloseTo(1_001_006.4, org.assertj.core.data.Offset.offset(1.0));
		assertThat(eth0.get(1).subList(1, 5)).containsExactly("10.0.0.1", "1024", "10.0.0.99", "80");
		assertThat(eth0.get(1).get(7)).as("on eth0 the retransmission opens a new connection").isEmpty();

		assertThat(vethB).extracting(PcapTsharkTests::micros)
			.satisfiesExactly((t) -> assertThat(t).isCloseTo(1000.1, org.assertj.core.data.Offset.offset(0.5)),
					(t) -> assertThat(t).isCloseTo(1_001_000.1, org.assertj.core.data.Offset.offset(1.0)));
	}

	@ParameterizedTest(name = "{0} on {1} ({2}): every interface")
	@CsvSource({ "snat-port-race, 4.17, glibc", "snat-port-race, 6.x, glibc", "dnat-race-1, 4.17, glibc",
			"dnat-race-3, 5.6, glibc", "dnat-race-3, 5.6, glibc-use-vc", "tcp-free-play, 4.17, glibc",
			"dns-free-play, 6.x, musl" })
	@DisplayName("tshark finds every IPv4, TCP and UDP checksum good, and no error, on every interface")
	void checksumsAreGoodEverywhere(String scenario, String kernel, String resolver) throws IOException {
		NodeRun run = run(scenario, kernel, resolver);
		List<String> ifaces = new ArrayList<>();
		for (Pod pod : run.pods()) {
			ifaces.add(pod.veth());
		}
		ifaces.add("cni0");
		ifaces.add("eth0");
		// One file with every interface's frames, one after the other: tshark starts
		// slowly, and checksums are per packet.
		PcapWriter all = new PcapWriter();
		List<String> origin = new ArrayList<>();
		for (String iface : ifaces) {
			for (InterfaceCapture.Frame frame : InterfaceCapture.frames(run.trace().events(), run.topology(), iface)) {
				all.packet(frame.timeNanos(), frame.bytes());
				origin.add(iface + " step " + frame.seq());
			}
		}
		Path file = this.dir.resolve("all.pcap");
		Files.write(file, all.toByteArray());
		List<List<String>> rows = Tshark.fields(file, "frame.number", "ip.checksum.status", "tcp.checksum.status",
				"udp.checksum.status", "_ws.malformed", "_ws.expert.severity");
		assertThat(rows).hasSize(origin.size()).hasSizeGreaterThan(4);
		for (int i = 0; i < rows.size(); i++) {
			List<String> row = rows.get(i);
			String where = origin.get(i);
			assertThat(row.get(1)).as("%s: IPv4 checksum", where).isIn("1", "Good");
			assertThat(row.get(2) + row.get(3)).as("%s: TCP or UDP checksum", where).isIn("1", "Good");
			assertThat(row.get(4)).as("%s: malformed", where).isEmpty();
			assertThat(List.of(row.get(5).split(","))).as("%s: expert severities", where).doesNotContain(EXPERT_ERROR);
		}
	}

	@Test
	@DisplayName("the check is not vacuous: one flipped bit in an address shows as bad IPv4 and TCP checksums, at error severity")
	void aCorruptedFrameIsReportedBad() throws IOException {
		byte[] ip = PacketFrames.ipv4(PacketFramesTests.SYN, 64);
		ip[19] ^= 1;
		byte[] frame = PacketFrames.ethernet(PacketFrames.mac(1), PacketFrames.mac(2), ip);
		Path file = this.dir.resolve("bad.pcap");
		Files.write(file, new PcapWriter().packet(1_000_000, frame).toByteArray());
		List<List<String>> rows = Tshark.fields(file, "ip.checksum.status", "tcp.checksum.status",
				"_ws.expert.severity");
		assertThat(rows).hasSize(1);
		assertThat(rows.get(0).get(0)).isIn("0", "Bad");
		assertThat(rows.get(0).get(1)).isIn("0", "Bad");
		assertThat(List.of(rows.get(0).get(2).split(","))).contains(EXPERT_ERROR);
	}

	@Test
	@DisplayName("dnat-race-3 on 5.6: A and AAAA queries to 10.96.0.10 on cni0, DNATed to two endpoints on eth0, and their answers, decoded as DNS with the name")
	void dnsRaceDecodesAsDns() throws IOException {
		NodeRun run = run("dnat-race-3", "5.6", null);
		String[] fields = { "ip.src", "ip.dst", "dns.flags.response", "dns.qry.name", "dns.qry.type", "dns.a" };
		List<List<String>> cni0 = Tshark.fields(write(run, "cni0"), fields);
		List<List<String>> eth0 = Tshark.fields(write(run, "eth0"), fields);
		System.out.println("tshark, DNS on cni0: " + cni0 + "\ntshark, DNS on eth0: " + eth0);
		String name = "api.default.svc.cluster.local";
		assertThat(cni0).containsExactly(List.of("10.40.0.17", "10.96.0.10", "0", name, "1", ""),
				List.of("10.40.0.17", "10.96.0.10", "0", name, "28", ""),
				List.of("10.96.0.10", "10.40.0.17", "1", name, "1", "10.96.0.42"),
				List.of("10.96.0.10", "10.40.0.17", "1", name, "28", ""));
		assertThat(eth0).containsExactly(List.of("10.40.0.17", "10.32.0.7", "0", name, "1", ""),
				List.of("10.40.0.17", "10.32.0.6", "0", name, "28", ""),
				List.of("10.32.0.7", "10.40.0.17", "1", name, "1", "10.96.0.42"),
				List.of("10.32.0.6", "10.40.0.17", "1", name, "28", ""));
		String summary = Tshark.read(write(run, "veth-a"));
		assertThat(summary).contains("Standard query 0x", "A api.default.svc.cluster.local",
				"AAAA api.default.svc.cluster.local", "Standard query response");
	}

	@Test
	@DisplayName("glibc-use-vc: DNS over TCP decodes (the 2-byte length prefix) with the query names")
	void dnsOverTcpDecodes() throws IOException {
		NodeRun run = run("dnat-race-3", "5.6", "glibc-use-vc");
		List<List<String>> rows = Tshark.fields(write(run, "cni0"), "tcp.srcport", "tcp.dstport", "dns.qry.name",
				"dns.flags.response");
		List<List<String>> dns = rows.stream().filter((r) -> !r.get(2).isEmpty()).toList();
		assertThat(dns).hasSizeGreaterThanOrEqualTo(4);
		assertThat(dns).allSatisfy((r) -> assertThat(r.get(2)).isEqualTo("api.default.svc.cluster.local"));
		assertThat(dns).extracting((r) -> r.get(3)).contains("0", "1");
	}

	/** The rows whose SYN flag is set and ACK is not. */
	private static List<List<String>> synsOnly(List<List<String>> rows) {
		return rows.stream().filter((r) -> set(r.get(5)) && !set(r.get(6))).toList();
	}

	private static boolean set(String flag) {
		return "1".equals(flag) || "True".equalsIgnoreCase(flag);
	}

	/** {@code frame.time_epoch}, which is the sim time, in microseconds. */
	private static double micros(List<String> row) {
		return new BigDecimal(row.get(0)).movePointRight(6).doubleValue();
	}

	private Path write(NodeRun run, String iface) throws IOException {
		Path file = this.dir.resolve(iface + ".pcap");
		Files.write(file, InterfaceCapture.pcap(run.trace().events(), run.topology(), iface));
		return file;
	}

	private static NodeRun run(String scenario, String kernel, String resolver) {
		RunParams params = dev.racetrack.scenario.Scenarios.byId(scenario)
			.orElseThrow()
			.defaults()
			.withKernel(KernelProfile.fromId(kernel).orElseThrow());
		if (resolver != null) {
			params = params.withResolver(ResolverKind.fromId(resolver).orElseThrow());
		}
		return ScenarioRunner.run(params, Tracer.recording(1_000_000));
	}

}
