package dev.racetrack.kernel.conntrack;

/**
 * How a packet relates to its conntrack entry ({@code enum ip_conntrack_info}), as
 * {@code nf_conntrack_in} sets it.
 */
public enum CtInfo {

	/** {@code IP_CT_ESTABLISHED}: original direction, the entry has seen a reply. */
	ESTABLISHED(CtDir.ORIGINAL),

	/**
	 * {@code IP_CT_NEW}: original direction, no reply seen yet (also the second packet of
	 * an unreplied UDP flow).
	 */
	NEW(CtDir.ORIGINAL),

	/** {@code IP_CT_ESTABLISHED_REPLY}: a packet in the reply direction. */
	ESTABLISHED_REPLY(CtDir.REPLY);

	private final CtDir dir;

	CtInfo(CtDir dir) {
		this.dir = dir;
	}

	/** {@code CTINFO2DIR}. */
	public CtDir dir() {
		return this.dir;
	}

}
