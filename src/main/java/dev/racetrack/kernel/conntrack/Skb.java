package dev.racetrack.kernel.conntrack;

import dev.racetrack.kernel.packet.PacketHeader;
import dev.racetrack.kernel.packet.Tuple;

/**
 * A packet inside the node ({@code struct sk_buff}): its current header, the conntrack
 * entry attached by {@code nf_conntrack_in} ({@code skb->_nfct}) with its {@link CtInfo},
 * and its mark. Mutable, like the real thing: the hook steps rewrite it in place.
 */
public final class Skb {

	private final long id;

	private PacketHeader header;

	private Conntrack ct;

	private CtInfo ctInfo;

	private boolean untracked;

	private int mark;

	public Skb(long id, PacketHeader header) {
		this.id = id;
		this.header = header;
	}

	public long id() {
		return this.id;
	}

	public PacketHeader header() {
		return this.header;
	}

	public void header(PacketHeader newHeader) {
		this.header = newHeader;
	}

	public Tuple tuple() {
		return this.header.tuple();
	}

	public Conntrack ct() {
		return this.ct;
	}

	public CtInfo ctInfo() {
		return this.ctInfo;
	}

	/** Attaches a conntrack entry ({@code nf_ct_set}). */
	public void attach(Conntrack conntrack, CtInfo info) {
		this.ct = conntrack;
		this.ctInfo = info;
	}

	/** Detaches the conntrack entry (the packet was dropped with it, or is untracked). */
	public void detach() {
		this.ct = null;
		this.ctInfo = null;
	}

	/**
	 * Whether a raw-table {@code NOTRACK} rule exempted this packet
	 * ({@code IP_CT_UNTRACKED}).
	 */
	public boolean untracked() {
		return this.untracked;
	}

	public void markUntracked() {
		this.untracked = true;
	}

	public int mark() {
		return this.mark;
	}

	public void mark(int newMark) {
		this.mark = newMark;
	}

}
