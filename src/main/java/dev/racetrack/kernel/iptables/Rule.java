package dev.racetrack.kernel.iptables;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One rule of a chain: matches and a target. The matches are kept in the kernel's order:
 * the IP part ({@code ip_packet_match}) first, then the match modules in the order they
 * were given.
 *
 * @param matches the matches, checked in order
 * @param target what a matching packet does
 */
public record Rule(List<Match> matches, Target target) {

	public Rule {
		List<Match> ordered = new ArrayList<>(matches);
		ordered.sort(Comparator.comparingInt(Match::saveOrder));
		matches = List.copyOf(ordered);
	}

	public static Rule of(Target target, Match... matches) {
		return new Rule(List.of(matches), target);
	}

	/**
	 * {@code -A CHAIN ...} as {@code iptables -S} prints it: IP part first, then modules,
	 * then the target.
	 */
	public String save(String chain) {
		StringBuilder sb = new StringBuilder("-A ").append(chain);
		for (Match m : this.matches) {
			sb.append(' ').append(m.save());
		}
		return sb.append(' ').append(this.target.save()).toString();
	}

	/** The comment of the rule, if it has one. */
	public String comment() {
		for (Match m : this.matches) {
			if (m instanceof Match.Comment c) {
				return c.text();
			}
		}
		return null;
	}

	/**
	 * {@code xtables_save_string}: a value made only of letters, digits, '_' and '-' is
	 * printed bare, anything else in double quotes with {@code " \ '} escaped.
	 */
	static String saveString(String value) {
		boolean plain = !value.isEmpty() && value.chars()
			.allMatch((ch) -> ch == '_' || ch == '-' || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z')
					|| (ch >= 'A' && ch <= 'Z'));
		if (plain) {
			return " " + value;
		}
		StringBuilder sb = new StringBuilder(" \"");
		for (char ch : value.toCharArray()) {
			if (ch == '"' || ch == '\\' || ch == '\'') {
				sb.append('\\');
			}
			sb.append(ch);
		}
		return sb.append('"').toString();
	}

}
