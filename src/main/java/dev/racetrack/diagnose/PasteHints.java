package dev.racetrack.diagnose;

/** What tool messages and comments in a paste say about the rest of it. */
final class PasteHints {

	/** conntrack was run without root: it printed the /proc summary of the first CPU. */
	static final String CONNTRACK_NOT_ROOT = "conntrack-not-root";

	/** iptables-nft warned that iptables-legacy also holds rules. */
	static final String LEGACY_TABLES = "iptables-legacy-tables";

	/**
	 * The paste runs {@code iptables-legacy-save} (or {@code iptables-legacy}) itself.
	 */
	static final String LEGACY_PASTED = "iptables-legacy-pasted";

	private PasteHints() {
	}

}
