package dev.racetrack.diagnose;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /etc/resolv.conf} as glibc reads it ({@code resolv/res_init.c}): defaults
 * {@code ndots:1}, {@code timeout:5}, {@code attempts:2}; timeout capped at 30
 * ({@code RES_MAXRETRANS}), attempts at 5 ({@code RES_MAXRETRY}), ndots at 15.
 *
 * @param present whether any line was read
 * @param nameservers the {@code nameserver} addresses, in order
 * @param search the search list ({@code search}, or the last {@code domain})
 * @param ndots dots that make a name be tried as-is first
 * @param timeoutSeconds the per-try timeout
 * @param attempts tries per name server
 * @param options the flag options set, e.g. {@code single-request-reopen}
 * @param problems the lines not read
 */
public record ResolverConfig(boolean present, List<String> nameservers, List<String> search, int ndots,
		int timeoutSeconds, int attempts, Set<String> options, List<LineProblem> problems) {

	/**
	 * The link-local addresses NodeLocal DNSCache listens on by default: the upstream
	 * manifest's {@code 169.254.20.10} (kubernetes/kubernetes,
	 * cluster/addons/dns/nodelocaldns, and kubernetes.io's "Using NodeLocal DNSCache")
	 * and kubespray's {@code nodelocaldns_ip: 169.254.25.10}
	 * (roles/kubespray_defaults/defaults/main/main.yml).
	 */
	public static final List<String> NODELOCAL_DNS_ADDRESSES = List.of("169.254.20.10", "169.254.25.10");

	public ResolverConfig {
		nameservers = List.copyOf(nameservers);
		search = List.copyOf(search);
		options = Set.copyOf(options);
		problems = List.copyOf(problems);
	}

	/** The resolver of an empty text. */
	public static ResolverConfig absent() {
		return new ResolverConfig(false, List.of(), List.of(), 1, 5, 2, Set.of(), List.of());
	}

	public boolean has(String option) {
		return this.options.contains(option);
	}

	/**
	 * The Lab's resolver id that matches these options ({@code use-vc} beats
	 * {@code single-request-reopen} beats {@code single-request}).
	 */
	public String labResolver() {
		if (has("use-vc")) {
			return "glibc-use-vc";
		}
		if (has("single-request-reopen")) {
			return "glibc-single-request-reopen";
		}
		if (has("single-request")) {
			return "glibc-single-request";
		}
		return "glibc";
	}

	/**
	 * Whether glibc sends A and AAAA at once from one socket, the trigger of the UDP
	 * races: true unless {@code single-request}, {@code single-request-reopen},
	 * {@code use-vc} or {@code no-aaaa} is set.
	 */
	public boolean glibcParallel() {
		return !has("use-vc") && !has("single-request-reopen") && !has("single-request") && !has("no-aaaa");
	}

	/** Whether the first name server is one of NodeLocal DNSCache's default addresses. */
	public boolean usesNodeLocalDns() {
		return !this.nameservers.isEmpty() && NODELOCAL_DNS_ADDRESSES.contains(this.nameservers.get(0));
	}

	/**
	 * The namespace when the search list is kubelet's:
	 * {@code <ns>.svc.<zone> svc.<zone> <zone>} ({@code pkg/kubelet/network/dns}).
	 */
	public Optional<String> kubeletNamespace() {
		for (int i = 0; i + 2 < this.search.size(); i++) {
			String first = this.search.get(i);
			String zone = this.search.get(i + 2);
			int svc = first.indexOf(".svc." + zone);
			if (svc > 0 && first.equals(first.substring(0, svc) + ".svc." + zone)
					&& this.search.get(i + 1).equals("svc." + zone)) {
				return Optional.of(first.substring(0, svc));
			}
		}
		return Optional.empty();
	}

	/** Whether this is a pod's resolv.conf written by kubelet ({@code ndots:5}). */
	public boolean isKubelet() {
		return this.ndots == 5 && kubeletNamespace().isPresent();
	}

	/**
	 * Names looked up for a name with fewer dots than {@code ndots}: every search suffix,
	 * then the name as-is ({@code res_query.c}).
	 */
	public int namesTriedForShortName() {
		return this.search.size() + 1;
	}

}
