package dev.racetrack.diagnose;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.racetrack.diagnose.PasteReader.Disposition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Tests for {@link CiliumStatus} and {@link CiliumRule}: {@code cilium status} is sorted
 * as read, its three settings change which races the diagnosis raises, and nothing else
 * changes without it.
 */
class CiliumStatusTests {

	private final Diagnoser diagnoser = new Diagnoser();

	/** The lines a {@code cilium-dbg status} of 1.16 prints, cut to what matters here. */
	private static String status(String kpr, String routing, String masquerading) {
		return """
				$ kubectl -n kube-system exec ds/cilium -- cilium-dbg status
				KVStore:                 Disabled
				Kubernetes:              Ok         1.30 (v1.30.2) [linux/amd64]
				KubeProxyReplacement:    %s   [eth0   10.0.0.11 fe80::1 (Direct Routing)]
				Host firewall:           Disabled
				Cilium:                  Ok   1.16.5 (v1.16.5-b7b9a3d2)
				IPAM:                    IPv4: 14/254 allocated from 10.20.1.0/24,
				Allocated addresses:
				  10.20.1.204 (router)
				  10.20.1.12 (health)
				Routing:                 Network: Native   Host: %s
				Masquerading:            %s
				Controller Status:       61/61 healthy
				Cluster health:          3/3 reachable   (2026-09-01T14:02:44Z)
				""".formatted(kpr, routing, masquerading);
	}

	private Diagnosis diagnose(String paste) {
		return this.diagnoser.diagnose(NodeSample.pasted(paste, null));
	}

	private static Optional<Finding> finding(Diagnosis diagnosis, String id) {
		return diagnosis.findings().stream().filter((f) -> f.id().equals(id)).findFirst();
	}

	@Test
	void everyLineOfTheStatusIsReadNotLeftUnread() {
		String paste = status("True", "BPF", "BPF   [eth0]   10.20.0.0/14 [IPv4: Enabled, IPv6: Disabled]");
		PasteReader.Sorted sorted = PasteReader.read(paste);
		assertThat(sorted.of(PasteFormat.CILIUM_STATUS)).hasSize(13);
		for (int n = 2; n <= 14; n++) {
			assertThat(sorted.dispositions().get(n)).as("line " + n).isEqualTo(Disposition.READ);
		}
		assertThat(sorted.problems()).isEmpty();
		assertThat(diagnose(paste).unreadLines()).isEmpty();
	}

	@Test
	void readsTheThreeSettingsInTheOldAndTheNewLayout() {
		CiliumStatus status = CiliumStatus
			.parse(PasteReader.read(status("True", "Legacy", "IPTables [IPv4: Enabled, IPv6: Disabled]"))
				.of(PasteFormat.CILIUM_STATUS));
		assertThat(status.kubeProxyReplacement().map(CiliumStatus.Setting::value)).contains("True");
		assertThat(status.masquerading().map(CiliumStatus.Setting::value)).contains("IPTables");
		assertThat(status.hostRouting().map(CiliumStatus.Setting::value)).contains("Legacy");
		CiliumStatus old = CiliumStatus.parse(Line.of("""
				KubeProxyReplacement:   Strict   [eth0 10.213.33.206 (Direct Routing)]
				Host Routing:           BPF
				Masquerading:           BPF (ip-masq-agent)   [eth0]   10.244.0.0/16  [IPv4: Enabled, IPv6: Disabled]
				"""));
		assertThat(old.replacesKubeProxy()).isTrue();
		assertThat(old.bpfMasquerading()).isTrue();
		assertThat(old.hostRouting().map(CiliumStatus.Setting::value)).contains("BPF");
		CiliumStatus partial = CiliumStatus.parse(Line.of("KubeProxyReplacement:   Partial   ()   []"));
		assertThat(partial.replacesKubeProxy()).isFalse();
	}

	@Test
	void kubeProxyReplacementLeavesRace3OutAndKeepsRaces1And2FromTheKernel() {
		String cilium = status("True", "Legacy", "BPF   [eth0]   10.20.0.0/14 [IPv4: Enabled, IPv6: Disabled]");
		Diagnosis withKernel = diagnose("$ uname -r\n4.15.0-213-generic\n" + cilium);
		assertThat(finding(withKernel, "dnat-race-3")).as("no kube-proxy DNAT to race on").isEmpty();
		assertThat(finding(withKernel, "dnat-race-1")).isPresent();
		assertThat(finding(withKernel, "dnat-race-2")).isPresent();
		Finding info = finding(withKernel, CiliumRule.ID).orElseThrow();
		assertThat(info.severity()).isEqualTo(Severity.INFO);
		assertThat(String.join(" ", info.evidence())).contains(CiliumStatus.KUBE_PROXY_FREE_DOC)
			.contains("DNS race 3")
			.contains("Races 1 and 2 need no DNAT rule");
		Diagnosis kubeProxy = diagnose("$ uname -r\n4.15.0-213-generic\n"
				+ status("False", "Legacy", "BPF   [eth0]   10.20.0.0/14 [IPv4: Enabled, IPv6: Disabled]"));
		assertThat(finding(kubeProxy, "dnat-race-3")).as("kube-proxy still DNATs").isPresent();
	}

	@Test
	void kubeProxyRulesForTheClusterDnsPastedBesideKeepRace3() {
		String rules = """
				-A KUBE-SERVICES -d 10.96.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU
				-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.0.2:53" -m statistic --mode random --probability 0.50000000000 -j KUBE-SEP-A
				-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns -> 10.244.0.3:53" -j KUBE-SEP-B
				-A KUBE-SEP-A -p udp -m udp -j DNAT --to-destination 10.244.0.2:53
				-A KUBE-SEP-B -p udp -m udp -j DNAT --to-destination 10.244.0.3:53
				""";
		Diagnosis both = diagnose("$ uname -r\n4.15.0-213-generic\n" + rules + "\n"
				+ status("True", "Legacy", "BPF   [eth0]   10.20.0.0/14 [IPv4: Enabled, IPv6: Disabled]"));
		assertThat(finding(both, "dnat-race-3")).isPresent();
		assertThat(String.join(" ", finding(both, CiliumRule.ID).orElseThrow().evidence()))
			.contains("kube-proxy's rules for the cluster DNS were pasted too");
	}

	@Test
	void bpfMasqueradingDoesNotAskForTheNatTableAndIptablesMasqueradingDoes() {
		Diagnosis bpf = diagnose(status("True", "BPF", "BPF   [eth0]   10.20.0.0/14 [IPv4: Enabled, IPv6: Disabled]"));
		assertThat(finding(bpf, SnatPortRaceRule.ID)).isEmpty();
		assertThat(String.join(" ", finding(bpf, CiliumRule.ID).orElseThrow().evidence()))
			.contains(CiliumStatus.MASQUERADING_DOC)
			.contains("the netfilter SNAT port race does not apply to it")
			.contains(CiliumStatus.HOST_ROUTING_DOC);
		Diagnosis iptables = diagnose(status("True", "Legacy", "IPTables [IPv4: Enabled, IPv6: Disabled]"));
		assertThat(finding(iptables, SnatPortRaceRule.ID)).isPresent();
		assertThat(finding(iptables, CiliumRule.ID).orElseThrow().mitigations())
			.anySatisfy((m) -> assertThat(m).contains("iptablesRandomFully=true"));
	}

	@Test
	void aSecondStatusThatSaysOtherwiseIsListedNotRead() {
		Diagnosis two = diagnose(status("True", "BPF", "BPF   [eth0]   10.20.0.0/14 [IPv4: Enabled, IPv6: Disabled]")
				+ "\n" + status("False", "Legacy", "IPTables [IPv4: Enabled, IPv6: Disabled]"));
		assertThat(two.unreadLines()).anySatisfy((u) -> assertThat(u.reason()).contains("KubeProxyReplacement False"))
			.anySatisfy((u) -> assertThat(u.reason()).contains("Masquerading IPTables"));
		assertThat(finding(two, "dnat-race-3")).isEmpty();
	}

	@Test
	void linesOfOtherToolsAreNotTakenForCilium() {
		PasteReader.Sorted sorted = PasteReader.read("""
				Kubernetes:  Ok
				Cilium:      Ok
				Name:        kube-dns
				""");
		assertThat(sorted.of(PasteFormat.CILIUM_STATUS)).isEmpty();
		assertThat(diagnose("Linux node 5.15.0-91-generic #101-Ubuntu SMP x86_64 GNU/Linux").findings())
			.noneMatch((f) -> f.id().equals(CiliumRule.ID));
	}

	@Test
	void longLinesNeitherOverflowTheStackNorHang() {
		List<String> nasty = List.of("Routing: Network:" + " x".repeat(6000) + " Host: BPF",
				"KubeProxyReplacement: True " + "[".repeat(8000), "Masquerading: " + " ".repeat(8000) + "BPF",
				"Masquerading: BPF\n" + ("A".repeat(40) + ": x\n").repeat(2000));
		for (String text : nasty) {
			assertThatCode(() -> diagnose(text)).as(text.substring(0, 20)).doesNotThrowAnyException();
		}
	}

}
