package dev.racetrack.export;

import java.util.List;

import dev.racetrack.kernel.iptables.Table;

/**
 * {@code iptables -t
 *
<table>
 *  -S}: the rules in force, as the tool prints them.
 */
public final class IptablesSave {

	private IptablesSave() {
	}

	/** The lines of {@code iptables -t nat -S}. */
	public static List<String> nat(Table nat) {
		return nat.save();
	}

	/** The text of {@code iptables -t nat -S}, one rule per line. */
	public static String text(Table table) {
		return String.join("\n", table.save()) + "\n";
	}

}
