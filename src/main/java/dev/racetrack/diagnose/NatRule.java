package dev.racetrack.diagnose;

import java.util.regex.Pattern;

/**
 * One rule of the nat table, as {@code iptables-save} or {@code iptables -S} prints it,
 * with the options the diagnosis needs.
 *
 * @param line the 1-based line it was read from
 * @param text the rule as printed (without an {@code iptables-save -c} counter prefix)
 * @param chain the chain it is appended to
 * @param target the {@code -j} target, or {@code ""} when the rule has none
 * @param protocol the {@code -p} protocol, or {@code ""}
 * @param destinationPort the {@code --dport}, or {@code ""}
 * @param comment the {@code --comment}, or {@code ""}
 * @param toDestination the {@code --to-destination} of a DNAT, or {@code ""}
 * @param random {@code --random} ({@code NF_NAT_RANGE_PROTO_RANDOM}: a keyed hash of the
 * tuple picks the start of the port search)
 * @param randomFully {@code --random-fully} ({@code NF_NAT_RANGE_PROTO_RANDOM_FULLY}: a
 * random start for every connection, iptables 1.6.2 and later)
 */
public record NatRule(int line, String text, String chain, String target, String protocol, String destinationPort,
		String comment, String toDestination, boolean random, boolean randomFully) {

	private static final Pattern RANDOM_FLAG = Pattern.compile("(?<=\\s)--random(?=\\s|$)");

	/** A MASQUERADE or SNAT rule: the nat step where the SNAT port race happens. */
	public boolean isSourceNat() {
		return "MASQUERADE".equals(this.target) || "SNAT".equals(this.target);
	}

	/** The same rule with {@code --random-fully}: the fix to suggest. */
	public String withRandomFully() {
		if (this.randomFully) {
			return this.text;
		}
		if (this.random) {
			return RANDOM_FLAG.matcher(this.text).replaceFirst("--random-fully");
		}
		return this.text + " --random-fully";
	}

	/** {@code line 12: -A POSTROUTING …}, for evidence. */
	public String cite() {
		return "line " + this.line + ": " + this.text;
	}

}
