package dev.racetrack.kernel.conntrack;

/**
 * The two directions of a conntrack entry ({@code enum ip_conntrack_dir}).
 */
public enum CtDir {

	/** {@code IP_CT_DIR_ORIGINAL}: the direction of the packet that created the entry. */
	ORIGINAL,

	/** {@code IP_CT_DIR_REPLY}: the answering direction. */
	REPLY;

	public CtDir opposite() {
		return (this == ORIGINAL) ? REPLY : ORIGINAL;
	}

}
