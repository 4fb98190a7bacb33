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
 * @param otherTables the listings pasted that show another table than nat (an
 * {@code iptables -L} without {@code -t nat} lists the filter table), whose rules are not
 * among {@code rules}
 */
public record NatTable(List<NatRule> rules, List<KubeService> services, List<LineProblem> problems,
		boolean wholeEmptyTable, List<OtherTable> otherTables) {

	/**
	 * A listing of another table than nat.
	 *
	 * @param table the table it shows ({@code filter})
	 * @param lines where it is, {@code lines 5–25}
	 * @param basis how its table was told
	 */
	public record OtherTable(String table, String lines, String basis) {
	}

	public NatTable {
		rules = List.copyOf(rules);
		services = List.copyOf(services);
		problems = List.copyOf(problems);
		wholeEmptyTable = wholeEmptyTable && rules.isEmpty();
		otherTables = List.copyOf(otherTables);
	}

	public NatTable(List<NatRule> rules, List<KubeService> services, List<LineProblem> problems,
			boolean wholeEmptyTable) {
		this(rules, services, problems, wholeEmptyTable, List.of());
	}

	public NatTable(List<NatRule> rules, List<KubeService> services, List<LineProblem> problems) {
		this(rules, services, problems, false);
	}

	/**
	 * Whether only other tables than nat were pasted: an {@code iptables -L} of the
	 * filter table, which holds no MASQUERADE and no DNAT, so it says nothing of them.
	 */
	public boolean otherTablesOnly() {
		return !read() && !this.otherTables.isEmpty();
	}

	/** The table of an empty text. */
	public static NatTable empty() {
		return new NatTable(List.of(), List.of(), List.of());
	}

	/** Whether the nat table was pasted: rules of it, or the whole of an empty one. */
	public boolean read() {
		return !this.rules.isEmpty() || this.wholeEmptyTable;
	}

	/**
	 * What the other tables pasted are, one line each: {@code lines 5–25: the filter
	 * table (its chains INPUT, FORWARD, OUTPUT …), which holds no MASQUERADE, SNAT or DNAT
	 * rule}.
	 */
	public List<String> otherTablesEvidence() {
		return this.otherTables.stream()
			.map((t) -> t.lines() + ": the " + t.table() + " table (" + t.basis()
					+ "), which holds no MASQUERADE, SNAT or DNAT rule: the nat table was not read")
			.toList();
	}

	/** What to paste instead of another table: the nat table, in the form fixes name. */
	public static final String PASTE_NAT = "Paste iptables -t nat -S (or iptables-save -t nat): iptables -L "
			+ "and -S without -t nat list the filter table";

	/** The MASQUERADE and SNAT rules. */
	public List<NatRule> sourceNatRules() {
		return this.rules.stream().filter(NatRule::isSourceNat).toList();
	}

	/**
	 * The MASQUERADE and SNAT rules that connections leaving the node go through: all but
	 * Docker's hairpin masquerades ({@link #hairpinMasquerades()}) and its masquerades of
	 * the host's own connections to containers ({@link MasqueradeOwners#fromHost}).
	 */
	public List<NatRule> outboundSourceNatRules() {
		return sourceNatRules().stream()
			.filter((rule) -> MasqueradeOwners.hairpin(rule).isEmpty() && MasqueradeOwners.fromHost(rule).isEmpty())
			.toList();
	}

	/**
	 * Outbound MASQUERADE and SNAT rules without {@code --random-fully}: the rules the
	 * SNAT port race goes through.
	 */
	public List<NatRule> sourceNatWithoutRandomFully() {
		return outboundSourceNatRules().stream().filter((rule) -> !rule.randomFully()).toList();
	}

	/**
	 * Docker's hairpin masquerades: one container's connections to its own published
	 * port, masqueraded on its bridge ({@link MasqueradeOwners#hairpin(NatRule)}).
	 */
	List<MasqueradeOwners.Hairpin> hairpinMasquerades() {
		return sourceNatRules().stream().flatMap((rule) -> MasqueradeOwners.hairpin(rule).stream()).toList();
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
