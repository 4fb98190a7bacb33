package dev.racetrack.diagnose;

import java.util.regex.Pattern;

/**
 * Who wrote a MASQUERADE or SNAT rule, from its chain and comment, and what that owner
 * does about {@code --random-fully}, version by version:
 * <ul>
 * <li>kube-proxy (chain {@code KUBE-POSTROUTING}): adds {@code --random-fully} itself
 * from 1.16 when the iptables it runs is 1.6.2 or later (kubernetes/kubernetes#78547,
 * "Make iptables and ipvs modes of kube-proxy MASQUERADE --random-fully if possible");
 * nftables kube-proxy (1.29+) writes {@code masquerade fully-random}.</li>
 * <li>Docker ({@code -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE}):
 * dockerd writes it without the flag and has no option for it.</li>
 * <li>flannel ({@code FLANNEL-POSTRTG}, comment "flanneld masq"): adds the flag when its
 * iptables supports it (flannel-io/flannel#1040, after #1001).</li>
 * <li>Calico ({@code cali-nat-outgoing}): Felix detects iptables support and adds the
 * flag (projectcalico/felix {@code iptables/feature_detect.go}).</li>
 * <li>Cilium ({@code CILIUM_POST_nat}): only with the Helm value
 * {@code iptablesRandomFully=true} (off by default); BPF masquerading has no such rule.
 * The agent appends {@code --random-fully} to its "cilium masquerade non-cluster" rule
 * only when its flag {@code iptables-random-fully} ("Set iptables flag random-fully on
 * masquerading rules", default false) is set (cilium/cilium
 * {@code pkg/datapath/iptables/iptables.go}, {@code installMasqueradeRules}; the flag and
 * its default in {@code daemon/cmd/daemon_main.go}); Cilium's own end-to-end test "Check
 * iptables masquerading with random-fully" turns it on with that Helm value
 * ({@code test/k8s/datapath_configuration.go}).</li>
 * <li>Weave Net (chain {@code WEAVE}): never added it (weaveworks/weave#3287 is
 * open).</li>
 * <li>ip-masq-agent ({@code IP-MASQ-AGENT}, comment "ip-masq-agent" or kubelet's "SNAT
 * outbound cluster traffic"): does not add it (kubernetes-sigs/ip-masq-agent#51 closed
 * unmerged).</li>
 * </ul>
 */
final class MasqueradeOwners {

	/**
	 * Docker's {@code ! -o docker0} (or {@code ! -o br-…}) as nft lists an iptables-nft
	 * rule: {@code oifname != "docker0" ip saddr 172.17.0.0/16 … masquerade}.
	 */
	private static final Pattern NFT_DOCKER_OUT = Pattern.compile("oifname != \"(?:docker0|br-[0-9a-f]{1,40})\"");

	private MasqueradeOwners() {
	}

	/** Who wrote the rule, or {@code ""}. */
	static String owner(NatRule rule) {
		String chain = rule.chain();
		String comment = rule.comment();
		if (chain.equals("KUBE-POSTROUTING") || comment.contains("kubernetes service traffic requiring SNAT")
				|| chain.equals("nat-postrouting") || chain.equals("masquerading")) {
			return "kube-proxy";
		}
		if (chain.startsWith("FLANNEL") || comment.contains("flanneld masq")) {
			return "flannel";
		}
		if (chain.startsWith("cali-")) {
			return "Calico";
		}
		if (chain.startsWith("CILIUM_")) {
			return "Cilium";
		}
		if (chain.startsWith("WEAVE")) {
			return "Weave Net";
		}
		if (chain.startsWith("IP-MASQ") || comment.contains("ip-masq-agent")
				|| comment.contains("SNAT outbound cluster traffic")) {
			return "ip-masq-agent";
		}
		if (chain.startsWith("KIND-MASQ")) {
			return "kind's masq agent";
		}
		if (chain.startsWith("CNI-")) {
			return "the CNI portmap plugin";
		}
		String text = rule.saveText();
		if ((chain.equals("POSTROUTING") || chain.equals("?"))
				&& (text.contains("! -o docker0") || text.contains("! -o br-") || rule.text().contains("!docker0")
						|| NFT_DOCKER_OUT.matcher(text).find())) {
			return "Docker";
		}
		return "";
	}

	/** What to do about the owner, version by version; {@code ""} when unknown. */
	static String advice(String owner) {
		return switch (owner) {
			case "kube-proxy" -> "kube-proxy 1.16 and later add --random-fully here by themselves when the node's "
					+ "iptables is 1.6.2 or later (kubernetes/kubernetes#78547): upgrade kube-proxy, or check "
					+ "iptables --version in its image.";
			case "Docker" -> "dockerd writes this rule without the flag and has no option for it: insert a copy "
					+ "with --random-fully above it (iptables -t nat -I POSTROUTING 1 …), e.g. from a systemd unit "
					+ "that runs after docker.";
			case "flannel" -> "flannel adds --random-fully itself when its iptables supports it "
					+ "(flannel-io/flannel#1040): upgrade flannel.";
			case "Calico" -> "Felix adds --random-fully when it detects iptables support: upgrade Calico.";
			case "Cilium" -> "set the Helm value iptablesRandomFully=true (off by default), or use BPF masquerading.";
			case "Weave Net" -> "Weave Net never adds the flag (weaveworks/weave#3287): insert a copy of the rule "
					+ "with --random-fully above it.";
			case "ip-masq-agent" -> "ip-masq-agent does not add the flag (kubernetes-sigs/ip-masq-agent#51): insert "
					+ "a copy with --random-fully above it, or stop masquerading in-VPC destinations.";
			default -> "";
		};
	}

}
