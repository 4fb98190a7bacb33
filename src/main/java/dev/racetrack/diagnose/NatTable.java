package dev.racetrack.diagnose;

import java.util.List;
import java.util.Optional;

/**
 * The nat table as pasted: its rules, the kube-proxy services found in them and the lines
 * that could not be read.
 *
 * @param rules the nat rules, in the order pasted
 * @param services the kube-proxy services, in the order their chains first appear
 * @param problems the lines not read, or read only in part
 * @param wholeEmptyTable whether a whole nat table without a single rule was pasted (an
 * {@code iptables-save} {@code *nat} section up to its {@code COMMIT}): the node has no
 * NAT, which is not the same as no nat table pasted
 */
public record NatTable(List<NatRule> rules, List<KubeService> services, List<LineProblem> problems,
		boolean wholeEmptyTable) {

	public NatTable {
		rules = List.copyOf(rules);
		services = List.copyOf(services);
		problems = List.copyOf(problems);
		wholeEmptyTable = wholeEmptyTable && rules.isEmpty();
	}

	public NatTable(List<NatRule> rules, List<KubeService> services, List<LineProblem> problems) {
		this(rules, services, problems, false);
	}

	/** The table of an empty text. */
	public static NatTable empty() {
		return new NatTable(List.of(), List.of(), List.of());
	}

	/** Whether the nat table was pasted: rules of it, or the whole of an empty one. */
	public boolean read() {
		return !this.rules.isEmpty() || this.wholeEmptyTable;
	}

	/** The MASQUERADE and SNAT rules. */
	public List<NatRule> sourceNatRules() {
		return this.rules.stream().filter(NatRule::isSourceNat).toList();
	}

	/** MASQUERADE and SNAT rules without {@code --random-fully}. */
	public List<NatRule> sourceNatWithoutRandomFully() {
		return sourceNatRules().stream().filter((rule) -> !rule.randomFully()).toList();
	}

	/** Services that may carry UDP and pick one of several endpoints at random. */
	public List<KubeService> multiEndpointUdpServices() {
		return this.services.stream().filter((s) -> s.mayBeUdp() && s.endpointCount() > 1).toList();
	}

	/** The cluster DNS service, when the rules show one. */
	public Optional<KubeService> dnsService() {
		return this.services.stream().filter(KubeService::isDns).findFirst();
	}

}
