package dev.racetrack.diagnose;

import java.util.regex.Pattern;

/**
 * One rule of the nat table, read from {@code iptables-save}, {@code iptables -S},
 * {@code iptables -L} or {@code nft list ruleset}, with the options the diagnosis needs.
 *
 * @param line the 1-based line it was read from
 * @param text the rule as pasted (without an {@code iptables-save -c} counter prefix)
 * @param chain the chain it is in ({@code ?} for an {@code iptables -L} excerpt without
 * its chain header)
 * @param target the {@code -j} target ({@code MASQUERADE}, {@code DNAT}, a chain), or
 * {@code ""} when the rule has none
 * @param protocol the {@code -p} protocol, or {@code ""}
 * @param destinationPort the {@code --dport}, or {@code ""}
 * @param comment the {@code --comment}, or {@code ""}
 * @param toDestination the {@code --to-destination} of a DNAT, or {@code ""}
 * @param random {@code --random} ({@code NF_NAT_RANGE_PROTO_RANDOM}: a keyed hash of the
 * tuple picks the start of the port search)
 * @param randomFully {@code --random-fully} ({@code NF_NAT_RANGE_PROTO_RANDOM_FULLY}: a
 * random start for every connection, iptables 1.6.2 and later; nft's
 * {@code fully-random})
 * @param saveText the rule in {@code iptables -S} form (for {@code -L} rows rebuilt from
 * the columns; for nft, the nft rule)
 * @param packets the packets counted on the rule ({@code -L -v}, {@code -c}, nft
 * {@code counter}), or -1 when not printed
 * @param form which output it was read from
 */
public record NatRule(int line, String text, String chain, String target, String protocol, String destinationPort,
		String comment, String toDestination, boolean random, boolean randomFully, String saveText, long packets,
		Form form) {

	/** The output a rule was read from. */
	public enum Form {

		/** {@code iptables-save} or {@code iptables -S}. */
		SAVE,

		/** {@code iptables -L -v}. */
		LIST,

		/**
		 * {@code iptables -L} without {@code -v}: no interface columns, so a rule rebuilt
		 * from the row lacks any {@code -i}/{@code -o} match the real rule has.
		 */
		LIST_BRIEF,

		/** {@code nft list ruleset}. */
		NFT,

		/**
		 * A rule of {@code iptables-nft} as {@code nft} lists it: its target is an xt
		 * extension ({@code xt target "MASQUERADE"}, or {@code # xt_MASQUERADE} from
		 * older nft) whose options nft cannot print, so whether it has
		 * {@code --random-fully} is not shown.
		 */
		NFT_XT

	}

	private static final Pattern RANDOM_FLAG = Pattern.compile("(?<=\\s)--random(?=\\s|$)");

	/** nft's destination match: {@code ip daddr 10.96.0.10} ({@code !=} is not one). */
	private static final Pattern NFT_DADDR = Pattern
		.compile("\\bip6? daddr ([0-9a-fA-F.:]{2,45}(?:/\\d{1,3})?)(?=\\s|$)");

	/** One IPv4 address or one IPv6 address, with {@code /32} or {@code /128} at most. */
	private static final Pattern HOST = Pattern
		.compile("(" + IpAddress.V4 + ")(?:/32)?|(" + IpAddress.V6 + ")(?:/128)?");

	/** A rule read from iptables-save or -S, whose text is its save form. */
	public NatRule(int line, String text, String chain, String target, String protocol, String destinationPort,
			String comment, String toDestination, boolean random, boolean randomFully) {
		this(line, text, chain, target, protocol, destinationPort, comment, toDestination, random, randomFully, text,
				-1, Form.SAVE);
	}

	/**
	 * The one address the rule matches as its destination: {@code -d 10.96.0.1/32} (or
	 * {@code --destination}; an {@code iptables -L} row's destination column, rebuilt as
	 * {@code -d}) or nft's {@code ip daddr 10.96.0.1}, without its {@code /32};
	 * {@code ""} when the rule matches none, a negated one ({@code ! -d},
	 * {@code daddr !=}) or a network.
	 */
	public String destinationAddress() {
		String address = "";
		if (this.form == Form.NFT) {
			java.util.regex.Matcher daddr = NFT_DADDR.matcher(this.text);
			address = daddr.find() ? daddr.group(1) : "";
		}
		else if (this.form != Form.NFT_XT) {
			java.util.List<String> words = RuleTokenizer.split(this.saveText).words();
			for (int i = 0; i + 1 < words.size() && address.isEmpty(); i++) {
				String word = words.get(i);
				boolean negated = i > 0 && words.get(i - 1).equals("!");
				if ((word.equals("-d") || word.equals("--destination") || word.equals("--dst")) && !negated) {
					address = words.get(i + 1);
				}
			}
		}
		java.util.regex.Matcher host = HOST.matcher(address);
		if (!host.matches()) {
			return "";
		}
		return (host.group(1) != null) ? host.group(1) : host.group(2);
	}

	/** A MASQUERADE or SNAT rule: the nat step where the SNAT port race happens. */
	public boolean isSourceNat() {
		return "MASQUERADE".equals(this.target) || "SNAT".equals(this.target);
	}

	/** The same rule with {@code --random-fully} (nft: {@code fully-random}): the fix. */
	public String withRandomFully() {
		if (this.randomFully) {
			return this.saveText;
		}
		if (this.form == Form.NFT_XT) {
			return this.saveText;
		}
		if (this.form == Form.NFT) {
			String masquerade = this.saveText.replaceFirst("(?<=\\bmasquerade)( random)?(?=\\s|$)", " fully-random");
			return masquerade.contains("fully-random") ? masquerade
					: this.saveText.replaceFirst("(?<=\\bsnat (?:ip )?to \\S{1,60})", " fully-random");
		}
		if (this.random) {
			return RANDOM_FLAG.matcher(this.saveText).replaceFirst("--random-fully");
		}
		return this.saveText + " --random-fully";
	}

	/** {@code line 12: -A POSTROUTING …}, for evidence. */
	public String cite() {
		return "line " + this.line + ": " + this.text;
	}

}
