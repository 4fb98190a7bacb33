package dev.racetrack.diagnose;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
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
 * dockerd writes it without the flag and has no option for it. Docker also writes, for
 * each published port, a hairpin masquerade ({@link #hairpin(NatRule)}), which is not the
 * rule the race goes through.</li>
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

	/** An interface name (at most 15 characters, IFNAMSIZ). */
	private static final String IFACE = "[\\w.@+-]{1,15}";

	/** An address in a rule: IPv4, IPv6, or a name iptables -L printed without -n. */
	private static final String ADDRESS = "[A-Za-z0-9_.:-]{1,253}";

	/**
	 * Docker's hairpin masquerade in {@code -S} form (iptables-save, iptables -S, or an
	 * {@code iptables -L} row rebuilt): {@code -A POSTROUTING -s 172.17.0.2/32 -d
	 * 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE}, the one address on both
	 * sides.
	 */
	private static final Pattern SAVE_HAIRPIN = Pattern.compile("-A (?:POSTROUTING|<chain>) -s (" + ADDRESS
			+ ")(?:/(?:32|128))? -d \\1(?:/(?:32|128))? -p (tcp|udp|sctp) -m \\2 --dport (\\d{1,5}) -j MASQUERADE");

	/**
	 * The same rule as nft lists it, iptables-nft's ({@code meta l4proto tcp ip saddr
	 * 172.18.0.2 ip daddr 172.18.0.2 tcp dport 1080 counter packets 0 bytes 0 masquerade})
	 * or Docker 29's nftables backend's ({@code ip saddr 192.0.2.2 ip daddr 192.0.2.2 tcp
	 * dport 80 counter masquerade comment "MASQ TO OWN PORT"}), once its counter, comment
	 * and {@code meta l4proto} are taken off.
	 */
	private static final Pattern NFT_HAIRPIN = Pattern
		.compile("ip6? saddr (" + ADDRESS + ") ip6? daddr \\1 (tcp|udp|sctp) dport (\\d{1,5}) masquerade");

	/**
	 * A masquerade of the host's own connections to a bridge's containers (Docker's
	 * shape, which other tools write too), in {@code -S} form:
	 * {@code -A POSTROUTING -o docker0 -m addrtype --src-type LOCAL -j
	 * MASQUERADE} (or {@code -j SNAT --to-source} with the daemon's {@code --ip}); the
	 * {@code -o} is missing from a row of {@code iptables -L} without {@code -v}.
	 */
	private static final Pattern SAVE_FROM_HOST = Pattern.compile("-A (?:POSTROUTING|<chain>)(?: -o (" + IFACE
			+ "))? -m addrtype --src-type LOCAL -j (?:MASQUERADE|SNAT)\\b.*");

	/**
	 * The same as nft lists it: iptables-nft's {@code oifname "docker0" fib saddr type
	 * local … masquerade}, or Docker 29's nftables backend's {@code fib saddr type local
	 * counter masquerade comment "MASQUERADE FROM HOST"} in the bridge's own chain
	 * {@code nat-postrouting-in__docker0}, once the counter and comment are off.
	 */
	private static final Pattern NFT_FROM_HOST = Pattern
		.compile("(?:oifname \"(" + IFACE + ")\" )?fib saddr type local (?:masquerade|snat\\b.*)");

	/**
	 * The bridges dockerd names itself: {@code docker0}, a network's {@code br-} and its
	 * first 12 hex digits, swarm's {@code docker_gwbridge}.
	 */
	private static final Pattern DOCKER_BRIDGE = Pattern.compile("docker0|br-[0-9a-f]{12}|docker_gwbridge");

	/** Docker 29's per-bridge chains ({@code nat-postrouting-in__docker0}, …-out__…). */
	private static final Pattern DOCKER_NFT_CHAIN = Pattern.compile("nat-postrouting-(?:in|out)__(" + IFACE + ")");

	/**
	 * Docker's outbound masquerade of a bridge's subnet, {@code -s 172.25.2.0/24 ! -o
	 * dckrMyNet -j MASQUERADE}, whatever the bridge is called.
	 */
	private static final Pattern SAVE_DOCKER_OUT = Pattern
		.compile("-A (?:POSTROUTING|<chain>) -s \\S{1,50} ! -o (" + IFACE + ") -j MASQUERADE\\b.*");

	private static final Pattern NFT_NOISE = Pattern.compile(
			"\\bcounter(?: packets \\d{1,18} bytes \\d{1,18})?|\\bcomment \"[^\"]{0,400}\"|\\bmeta l4proto \\w{1,10}");

	/**
	 * Docker's hairpin masquerade for one published port: {@code container}'s own
	 * connections to its {@code protocol}/{@code port}, which reach it through the host
	 * (a DNAT of Docker's), are masqueraded to the bridge's address so that the replies
	 * come back through the host.
	 *
	 * @param line the rule's line
	 * @param container the container's address
	 * @param protocol {@code tcp}, {@code udp} or {@code sctp}
	 * @param port the container's port (the published port's target)
	 */
	record Hairpin(int line, String container, String protocol, String port) {

		/** {@code 172.17.0.2:80}, as a DNAT's {@code --to-destination} names it. */
		String destination() {
			return this.container.contains(":") ? "[" + this.container + "]:" + this.port
					: this.container + ":" + this.port;
		}

	}

	private MasqueradeOwners() {
	}

	/**
	 * The rule as Docker's hairpin masquerade, when it is one. moby writes it for every
	 * published port beside the port's DNAT: {@code -p <proto> -s <container> -d
	 * <container> --dport <port> -j MASQUERADE} in {@code POSTROUTING} (moby's
	 * {@code libnetwork/iptables/iptables.go}, {@code ChainInfo.Forward}, up to Docker
	 * 26; {@code libnetwork/drivers/bridge/port_mapping_linux.go}, {@code setPerPortNAT},
	 * from 27, where moby/moby commit bf251c33d0, "Only masquerade access to own
	 * published ports for userland-proxy=false", made it depend on
	 * {@code --userland-proxy=false} from Docker 28.0; now
	 * {@code daemon/libnetwork/drivers/bridge/internal/iptabler/port.go}), and its
	 * nftables backend (Docker 29) writes
	 * {@code ip saddr <container> ip daddr <container>
	 * <proto> dport <port> counter masquerade comment "MASQ TO OWN PORT"}
	 * ({@code internal/nftabler/port.go}, {@code setPerPortHairpinMasq}). It matches one
	 * address as source and destination, so only that container's connections to itself
	 * go through it, and they leave on its bridge, not the node's uplink.
	 */
	static Optional<Hairpin> hairpin(NatRule rule) {
		if (!"MASQUERADE".equals(rule.target())) {
			return Optional.empty();
		}
		String text = rule.saveText().strip();
		if (rule.form() == NatRule.Form.NFT) {
			String bare = NFT_NOISE.matcher(text).replaceAll(" ").replaceAll("\\s+", " ").strip();
			Matcher nft = NFT_HAIRPIN.matcher(bare);
			return nft.matches() ? Optional.of(new Hairpin(rule.line(), nft.group(1), nft.group(2), nft.group(3)))
					: Optional.empty();
		}
		if (rule.form() == NatRule.Form.NFT_XT) {
			return Optional.empty();
		}
		Matcher save = SAVE_HAIRPIN.matcher(text);
		return save.matches() ? Optional.of(new Hairpin(rule.line(), save.group(1), save.group(2), save.group(3)))
				: Optional.empty();
	}

	/**
	 * The rule as a masquerade of the host's own connections to the containers of a
	 * bridge, when it is one, whoever wrote it ({@link #owner(NatRule, List)} says
	 * whether Docker did): the bridge, or {@code ""} when the paste does not show it
	 * ({@code iptables -L} without {@code -v}). With the userland proxy off
	 * ({@code "userland-proxy": false}, hairpin mode), dockerd writes it per bridge
	 * ({@code -m addrtype --src-type LOCAL -o <bridge> -j MASQUERADE}, "MASQ LOCAL HOST",
	 * in moby's {@code libnetwork/drivers/bridge/setup_ip_tables.go}; Docker 29's
	 * nftables backend: {@code fib saddr type local … masquerade comment "MASQUERADE FROM
	 * HOST"}, its golden files {@code nftabler/testdata/TestNftabler/hairpin=true,…}), so
	 * that a container answers a connection the host made to a published port (on
	 * 127.0.0.1, through {@code route_localnet}) back through the host (moby/moby#45629
	 * asks to narrow it). Its packets come from the node's own addresses and leave on the
	 * container's bridge: not the pods' or containers' outbound connections.
	 */
	static Optional<String> fromHost(NatRule rule) {
		if (!rule.isSourceNat()) {
			return Optional.empty();
		}
		String text = rule.saveText().strip();
		if (rule.form() == NatRule.Form.NFT) {
			String bare = NFT_NOISE.matcher(text).replaceAll(" ").replaceAll("\\s+", " ").strip();
			Matcher nft = NFT_FROM_HOST.matcher(bare);
			if (!nft.matches()) {
				return Optional.empty();
			}
			Matcher chain = DOCKER_NFT_CHAIN.matcher(rule.chain());
			return Optional.of((nft.group(1) != null) ? nft.group(1) : chain.matches() ? chain.group(1) : "");
		}
		if (rule.form() == NatRule.Form.NFT_XT) {
			return Optional.empty();
		}
		Matcher save = SAVE_FROM_HOST.matcher(text);
		return save.matches() ? Optional.of((save.group(1) != null) ? save.group(1) : "") : Optional.empty();
	}

	/**
	 * Who wrote the rule, or {@code ""}, with the other rules of its table: a masquerade
	 * of a bridge's subnet out of any interface but the bridge ({@code -s 172.25.2.0/24 !
	 * -o dckrMyNet -j MASQUERADE}) is Docker's when the table also has Docker's
	 * masquerade from the host for that bridge ({@link #fromHost}): the pair dockerd
	 * writes for each bridge network, whatever it is called
	 * ({@code com.docker.network.bridge.name}), and so is that masquerade from the host.
	 * Alone, on a bridge Docker does not name itself, the masquerade from the host has no
	 * owner: other tools write the same rule for their bridges.
	 */
	static String owner(NatRule rule, List<NatRule> table) {
		String owner = owner(rule);
		if (!owner.isEmpty()) {
			return owner;
		}
		Matcher out = SAVE_DOCKER_OUT.matcher(rule.saveText().strip());
		if (out.matches() && table.stream()
			.map(MasqueradeOwners::fromHost)
			.anyMatch((bridge) -> bridge.isPresent() && bridge.get().equals(out.group(1)))) {
			return "Docker";
		}
		Optional<String> bridge = fromHost(rule).filter((b) -> !b.isEmpty());
		if (bridge.isPresent() && table.stream().anyMatch((other) -> {
			Matcher pair = SAVE_DOCKER_OUT.matcher(other.saveText().strip());
			return pair.matches() && pair.group(1).equals(bridge.get());
		})) {
			return "Docker";
		}
		return "";
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
		if (hairpin(rule).isPresent() || DOCKER_NFT_CHAIN.matcher(chain).matches()
				|| fromHost(rule).filter((bridge) -> DOCKER_BRIDGE.matcher(bridge).matches()).isPresent()) {
			return "Docker";
		}
		String text = rule.saveText();
		if ((chain.equals("POSTROUTING") || chain.equals("?"))
				&& (text.contains("! -o docker0") || text.contains("! -o br-") || rule.text().contains("!docker0")
						|| NFT_DOCKER_OUT.matcher(text).find())) {
			return "Docker";
		}
		return "";
	}

	/**
	 * {@link #advice(String)}, for the rule itself: a rule of Docker 29's nftables
	 * backend (its per-bridge chains {@code nat-postrouting-out__<bridge>} in the table
	 * {@code docker-bridges}, which dockerd rewrites) takes the flag on a copy in a table
	 * of one's own, in a nat postrouting chain of a lower priority: the kernel runs the
	 * nat chains of a hook in priority order and stops at the first that sets up the
	 * source NAT ({@code nf_nat_inet_fn}, net/netfilter/nf_nat_core.c). Docker's iptables
	 * rules, also as nft lists them through iptables-nft ({@code table ip nat}, chain
	 * {@code POSTROUTING}), take the iptables advice.
	 */
	static String advice(String owner, NatRule rule) {
		if (owner.equals("Docker") && DOCKER_NFT_CHAIN.matcher(rule.chain()).matches()) {
			return "dockerd's nftables backend (Docker 29) rewrites its table docker-bridges and has no option "
					+ "for the flag: put a copy of the rule with masquerade fully-random in a table of your own, in a "
					+ "chain type nat hook postrouting priority srcnat - 1, which runs first (the kernel stops at the "
					+ "first nat chain that maps the source).";
		}
		return advice(owner);
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
