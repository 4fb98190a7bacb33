package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What {@code cilium status} changes about the races, said conservatively and with
 * Cilium's own documentation:
 * <ul>
 * <li>{@code KubeProxyReplacement: True} (or {@code Strict}): ClusterIP traffic is
 * translated by Cilium's eBPF, by the socket-LB at {@code connect()}/{@code sendmsg()}
 * or, where the socket-LB is off, per packet at the pod's network interface
 * ({@link CiliumStatus#KUBE_PROXY_FREE_DOC}), not by kube-proxy's iptables DNAT. So DNS
 * race 3 (two packets of one lookup DNATed by netfilter to two endpoints) does not arise
 * from a kube-proxy DNAT on this node. Races 1 and 2 need no DNAT rule, only conntrack
 * and nf_nat on the packet's path ({@code netfilter-races.md} §1), so they are still
 * judged from the kernel.</li>
 * <li>{@code Masquerading: BPF}: pods' traffic is masqueraded by Cilium's eBPF, not by an
 * iptables MASQUERADE rule ({@link CiliumStatus#MASQUERADING_DOC}), so the netfilter SNAT
 * port race does not apply to it. How Cilium's BPF SNAT picks ports is not something its
 * docs describe, nor Racetrack models.</li>
 * <li>{@code Masquerading: IPTables}: Cilium's own MASQUERADE rule, without
 * {@code --random-fully} unless the Helm value {@code iptablesRandomFully=true} is set
 * ({@link MasqueradeOwners}): the SNAT port race applies as on any node.</li>
 * <li>{@code Host Routing: BPF}: packets bypass iptables and the upper host stack
 * ({@link CiliumStatus#HOST_ROUTING_DOC}); whether nf_conntrack still sees a lookup
 * there, the docs do not say, so nothing is ruled out on that ground.</li>
 * </ul>
 * One info finding; the rules it changes are {@link DnatRaceRules} (race 3 is left out
 * when Cilium replaces kube-proxy and no kube-proxy rule for the cluster DNS was pasted)
 * and {@link SnatPortRaceRule} (it does not ask for the nat table when Cilium masquerades
 * in BPF).
 */
final class CiliumRule {

	static final String ID = "cilium-datapath";

	private CiliumRule() {
	}

	static Optional<Finding> assess(Facts facts) {
		CiliumStatus cilium = facts.cilium();
		if (!cilium.read()) {
			return Optional.empty();
		}
		List<String> evidence = new ArrayList<>();
		List<String> mitigations = new ArrayList<>();
		cilium.kubeProxyReplacement().ifPresent((kpr) -> evidence.add(kpr.evidence() + " " + kubeProxy(facts, kpr)));
		cilium.masquerading().ifPresent((masq) -> {
			evidence.add(masq.evidence() + " " + masquerading(masq));
			if (masq.value().equals("IPTables")) {
				mitigations.add("Cilium's MASQUERADE rule: " + MasqueradeOwners.advice("Cilium"));
			}
		});
		cilium.hostRouting().ifPresent((routing) -> evidence.add(routing.evidence() + " " + hostRouting(routing)));
		return Optional.of(new Finding(ID, Severity.INFO, title(cilium), evidence, mitigations));
	}

	private static String title(CiliumStatus cilium) {
		List<String> parts = new ArrayList<>();
		cilium.kubeProxyReplacement()
			.ifPresent((kpr) -> parts.add(cilium.replacesKubeProxy() ? "Cilium's eBPF translates ClusterIP traffic"
					: "kube-proxy replacement " + kpr.value()));
		cilium.masquerading().ifPresent((masq) -> parts.add(switch (masq.value()) {
			case "BPF" -> "pods are masqueraded in eBPF, not by iptables";
			case "IPTables" -> "pods are masqueraded by an iptables MASQUERADE rule";
			default -> "Cilium masquerades nothing";
		}));
		cilium.hostRouting().ifPresent((routing) -> parts.add("host routing " + routing.value()));
		return "Cilium: " + String.join("; ", parts);
	}

	private static String kubeProxy(Facts facts, CiliumStatus.Setting kpr) {
		if (!facts.cilium().replacesKubeProxy()) {
			return switch (kpr.value()) {
				case "Partial", "Probe" -> "Cilium replaces kube-proxy only in part and kube-proxy runs beside it ("
						+ CiliumStatus.KUBE_PROXY_FREE_DOC + "); which of them translates a pod's lookup to the "
						+ "cluster DNS is not said here, so the DNS races are judged as with kube-proxy.";
				default -> "Cilium does not replace kube-proxy: ClusterIP traffic is kube-proxy's to translate, unless "
						+ "single features (the socket-LB) were turned on one by one, which this line does not show; "
						+ "the DNS races are judged as with kube-proxy.";
			};
		}
		String races = "A pod's lookup to the cluster DNS ClusterIP is translated to a DNS endpoint by Cilium's "
				+ "eBPF, by the socket-LB at connect()/sendmsg() or, where the socket-LB is off, per packet at the "
				+ "pod's interface (" + CiliumStatus.KUBE_PROXY_FREE_DOC + "), not by kube-proxy's iptables DNAT: "
				+ "DNS race 3 (two packets of one lookup DNATed by netfilter to two endpoints) does not arise from a "
				+ "kube-proxy DNAT on this node. Races 1 and 2 need no DNAT rule, only conntrack and nf_nat on the "
				+ "packet's path, and are judged from the kernel.";
		if (facts.nat().dnsService().isPresent()) {
			races += " kube-proxy's rules for the cluster DNS were pasted too: with the replacement on they should "
					+ "not be there (kube-proxy still running, or its rules left behind), and which one translates "
					+ "a lookup is not settled by the paste, so race 3 is judged from them.";
		}
		return races;
	}

	private static String masquerading(CiliumStatus.Setting masq) {
		return switch (masq.value()) {
			case "BPF" -> "Pods' traffic leaving the node is masqueraded by Cilium's eBPF on the listed devices, "
					+ "not by an iptables MASQUERADE rule (" + CiliumStatus.MASQUERADING_DOC + "): the netfilter SNAT "
					+ "port race does not apply to it. How Cilium's BPF SNAT picks ports is not described in its docs "
					+ "and not modelled here. Other MASQUERADE rules (Docker's, a host's) are still judged when the nat "
					+ "table is pasted.";
			case "IPTables" -> "Cilium masquerades with its iptables MASQUERADE rule (CILIUM_POST_nat, the "
					+ "iptables-based implementation, " + CiliumStatus.MASQUERADING_DOC + "): the SNAT port race "
					+ "applies to it unless the rule has --random-fully, which Cilium adds only with the Helm value "
					+ "iptablesRandomFully=true (off by default).";
			default -> "Cilium masquerades nothing; MASQUERADE rules of others (nat table) are still judged.";
		};
	}

	private static String hostRouting(CiliumStatus.Setting routing) {
		return routing.value().equals("BPF")
				? "eBPF host-routing: packets bypass iptables and the upper host stack ("
						+ CiliumStatus.HOST_ROUTING_DOC
						+ "); whether nf_conntrack still sees a pod's lookup the docs do not say, so races 1 and 2 are "
						+ "not ruled out on that ground."
				: "Legacy host routing: packets pass the host's iptables hooks, netfilter conntrack included ("
						+ CiliumStatus.HOST_ROUTING_DOC + ").";
	}

}
