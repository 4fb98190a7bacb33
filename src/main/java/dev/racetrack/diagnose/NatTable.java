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
 */
public record NatTable(List<NatRule> rules, List<KubeService> services, List<LineProblem> problems) {

	public NatTable {
		rules = List.copyOf(rules);
		services = List.copyOf(services);
		problems = List.copyOf(problems);
	}

	/** The table of an empty text. */
	public static NatTable empty() {
		return new NatTable(List.of(), List.of(), List.of());
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
