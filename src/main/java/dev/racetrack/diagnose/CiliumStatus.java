package dev.racetrack.diagnose;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code cilium status} (also {@code cilium-dbg status}, or through
 * {@code kubectl -n kube-system exec ds/cilium -- cilium status}) says about the three
 * settings that decide which netfilter races apply on a Cilium node. Every line of the
 * output is read ({@link PasteReader} sorts them); only these three are interpreted:
 * <ul>
 * <li>{@code KubeProxyReplacement:    True   [eth0 …]} ({@code Strict} before 1.14,
 * {@code Partial} or {@code Probe} beside kube-proxy, {@code False} or {@code Disabled}
 * without the replacement);</li>
 * <li>{@code Masquerading:            BPF   [eth0]   10.0.0.0/8 [IPv4: Enabled, IPv6:
 * Disabled]}, {@code IPTables [IPv4: Enabled, IPv6: Disabled]} or {@code Disabled};</li>
 * <li>{@code Host Routing:            BPF} or {@code Legacy} (before 1.16), or
 * {@code Routing:                 Network: Native   Host: BPF} (from 1.16).</li>
 * </ul>
 * The first output pasted is used: a second one that says otherwise is listed, not read.
 *
 * @param kubeProxyReplacement the {@code KubeProxyReplacement:} line, when pasted
 * @param masquerading the {@code Masquerading:} line, when pasted
 * @param hostRouting the {@code Host Routing:} (or {@code Routing: … Host:}) line, when
 * pasted
 * @param problems the lines not read
 */
record CiliumStatus(Optional<Setting> kubeProxyReplacement, Optional<Setting> masquerading,
		Optional<Setting> hostRouting, List<LineProblem> problems) {

	/**
	 * One setting as printed.
	 *
	 * @param value the mode ({@code True}, {@code BPF}, {@code Legacy}, …)
	 * @param line the line it was read from
	 * @param text the line as printed, for the evidence
	 */
	record Setting(String value, int line, String text) {

		String evidence() {
			String shown = this.text.replaceAll("[ \\t]{2,}", " ");
			return "line " + this.line + ": " + ((shown.length() > 160) ? shown.substring(0, 160) + "…" : shown);
		}

	}

	/** Cilium's guide to running without kube-proxy: socket-LB and per-packet LB. */
	static final String KUBE_PROXY_FREE_DOC = "https://docs.cilium.io/en/stable/network/kubernetes/kubeproxy-free/";

	/** Cilium's masquerading guide: the eBPF and the iptables implementations. */
	static final String MASQUERADING_DOC = "https://docs.cilium.io/en/stable/network/concepts/masquerading/";

	/** Cilium's tuning guide, section eBPF Host-Routing. */
	static final String HOST_ROUTING_DOC = "https://docs.cilium.io/en/stable/operations/performance/tuning/#ebpf-host-routing";

	private static final Pattern KUBE_PROXY_REPLACEMENT = Pattern
		.compile("KubeProxyReplacement:[ \\t]{1,40}(True|Strict|Partial|Probe|False|Disabled)(?![\\w-]).{0,4000}");

	private static final Pattern MASQUERADING = Pattern
		.compile("Masquerading:[ \\t]{1,40}(BPF|IPTables|Disabled)(?![\\w-]).{0,4000}");

	private static final Pattern HOST_ROUTING = Pattern.compile(
			"(?:Host Routing:|Routing:[ \\t]{1,40}Network:[^\\t]{1,200}?[ \\t]Host:)[ \\t]{1,40}(BPF|Legacy)(?![\\w-]).{0,400}");

	static CiliumStatus empty() {
		return new CiliumStatus(Optional.empty(), Optional.empty(), Optional.empty(), List.of());
	}

	/** Reads the lines {@link PasteReader} sorted as {@code cilium status}. */
	static CiliumStatus parse(List<Line> lines) {
		List<LineProblem> problems = new ArrayList<>();
		Setting kpr = null;
		Setting masquerading = null;
		Setting routing = null;
		for (Line line : lines) {
			String text = line.text().strip();
			if (text.startsWith("KubeProxyReplacement:")) {
				kpr = setting(KUBE_PROXY_REPLACEMENT, line, text, kpr, "KubeProxyReplacement", problems);
			}
			else if (text.startsWith("Masquerading:")) {
				masquerading = setting(MASQUERADING, line, text, masquerading, "Masquerading", problems);
			}
			else if (text.startsWith("Host Routing:") || (text.startsWith("Routing:") && text.contains("Host:"))) {
				routing = setting(HOST_ROUTING, line, text, routing, "Host Routing", problems);
			}
		}
		return new CiliumStatus(Optional.ofNullable(kpr), Optional.ofNullable(masquerading),
				Optional.ofNullable(routing), problems);
	}

	private static Setting setting(Pattern pattern, Line line, String text, Setting first, String name,
			List<LineProblem> problems) {
		Matcher matcher = pattern.matcher(text);
		if (!matcher.matches()) {
			problems.add(new LineProblem(line.number(), "a " + name + " mode Racetrack does not know"));
			return first;
		}
		Setting setting = new Setting(matcher.group(1), line.number(), text);
		if (first == null) {
			return setting;
		}
		if (!first.value().equals(setting.value())) {
			problems.add(new LineProblem(line.number(), name + " " + setting.value() + " is not used: line "
					+ first.line() + " gives " + first.value() + ", read first"));
		}
		return first;
	}

	boolean read() {
		return this.kubeProxyReplacement.isPresent() || this.masquerading.isPresent() || this.hostRouting.isPresent();
	}

	/**
	 * Whether Cilium replaces kube-proxy on this node ({@code True}, or {@code Strict}
	 * before 1.14): it translates ClusterIP traffic itself, in eBPF.
	 */
	boolean replacesKubeProxy() {
		return this.kubeProxyReplacement.map((s) -> s.value().equals("True") || s.value().equals("Strict"))
			.orElse(false);
	}

	/** Whether Cilium masquerades in eBPF, with no iptables MASQUERADE rule. */
	boolean bpfMasquerading() {
		return this.masquerading.map((s) -> s.value().equals("BPF")).orElse(false);
	}

}
