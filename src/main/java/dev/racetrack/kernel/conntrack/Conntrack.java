package dev.racetrack.kernel.conntrack;

import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.Tuple;

/**
 * A conntrack entry ({@code struct nf_conn}): the ORIGINAL tuple it was created with, the
 * REPLY tuple that NAT may rewrite ({@code nf_conntrack_alter_reply}), status bits, the
 * TCP tracking state and the timeout.
 *
 * <p>
 * Before it is confirmed, an entry sits on the unconfirmed list of the CPU that created
 * it and its timeout is relative ({@code ct->timeout} holds a duration until
 * {@code __nf_conntrack_confirm} adds the current time); afterwards it is in the hash and
 * the timeout is an absolute expiry.
 */
public final class Conntrack {

	private final long id;

	private final Tuple original;

	private Tuple reply;

	private int status;

	private final int cpu;

	private long timeoutNanos;

	private TcpConntrackState tcpState;

	private boolean closeInitSeen;

	private boolean lastWasRstFromOriginal;

	private long originalSeqEnd;

	private long udpStreamNanos = -1;

	private boolean removed;

	private long scheduledExpiryNanos = Long.MAX_VALUE;

	Conntrack(long id, Tuple original, int cpu) {
		this.id = id;
		this.original = original;
		this.reply = original.invert();
		this.cpu = cpu;
		this.tcpState = (original.proto() == L4Proto.TCP) ? TcpConntrackState.NONE : null;
	}

	/** A stable id, in creation order (the model's stand-in for the entry's address). */
	public long id() {
		return this.id;
	}

	public Tuple original() {
		return this.original;
	}

	public Tuple reply() {
		return this.reply;
	}

	public Tuple tuple(CtDir dir) {
		return (dir == CtDir.ORIGINAL) ? this.original : this.reply;
	}

	public L4Proto proto() {
		return this.original.proto();
	}

	/** {@code nf_conntrack_alter_reply}: only while unconfirmed. */
	void alterReply(Tuple newReply) {
		if (confirmed()) {
			throw new IllegalStateException("cannot alter the reply tuple of a confirmed entry " + this.id);
		}
		this.reply = newReply;
	}

	public int status() {
		return this.status;
	}

	public boolean has(int bits) {
		return (this.status & bits) == bits;
	}

	void set(int bits) {
		this.status |= bits;
	}

	public boolean confirmed() {
		return has(IpsStatus.CONFIRMED);
	}

	/** {@code nf_nat_initialized}: the NAT_DONE bit of a manip type. */
	public boolean natDone(int doneBit) {
		return has(doneBit);
	}

	/** The CPU whose unconfirmed list held the entry. */
	public int cpu() {
		return this.cpu;
	}

	/** Relative while unconfirmed, absolute (sim time) after confirm. */
	public long timeoutNanos() {
		return this.timeoutNanos;
	}

	/** The absolute expiry, or {@link Long#MAX_VALUE} while unconfirmed. */
	public long expiresAtNanos() {
		return confirmed() ? this.timeoutNanos : Long.MAX_VALUE;
	}

	/** {@code nf_ct_is_expired}. */
	public boolean expired(long nowNanos) {
		return confirmed() && this.timeoutNanos <= nowNanos;
	}

	/** Seconds left as {@code conntrack -L} prints them (rounded down, at least 0). */
	public long secondsLeft(long nowNanos) {
		long nanos = confirmed() ? this.timeoutNanos - nowNanos : this.timeoutNanos;
		return Math.max(0, nanos / 1_000_000_000L);
	}

	/**
	 * {@code nf_ct_refresh_acct}: a new timeout from now; relative while unconfirmed;
	 * ignored for entries with {@code IPS_FIXED_TIMEOUT}.
	 */
	void refresh(long timeout, long nowNanos) {
		if (has(IpsStatus.FIXED_TIMEOUT)) {
			return;
		}
		this.timeoutNanos = confirmed() ? nowNanos + timeout : timeout;
	}

	/** Makes the relative timeout absolute, at confirm. */
	void startTimer(long nowNanos) {
		this.timeoutNanos = nowNanos + this.timeoutNanos;
	}

	/** Sets an absolute expiry (clash entries: now + 1 s). */
	void expireAt(long atNanos) {
		this.timeoutNanos = atNanos;
	}

	public TcpConntrackState tcpState() {
		return this.tcpState;
	}

	void tcpState(TcpConntrackState state) {
		this.tcpState = state;
	}

	boolean closeInitSeen() {
		return this.closeInitSeen;
	}

	void closeInitSeen(boolean seen) {
		this.closeInitSeen = seen;
	}

	boolean lastWasRstFromOriginal() {
		return this.lastWasRstFromOriginal;
	}

	void lastWasRstFromOriginal(boolean rst) {
		this.lastWasRstFromOriginal = rst;
	}

	/** The end of the highest sequence number seen in the original direction. */
	public long originalSeqEnd() {
		return this.originalSeqEnd;
	}

	void originalSeqEnd(long end) {
		this.originalSeqEnd = Math.max(this.originalSeqEnd, end);
	}

	long udpStreamNanos() {
		return this.udpStreamNanos;
	}

	void udpStreamNanos(long at) {
		this.udpStreamNanos = at;
	}

	long scheduledExpiryNanos() {
		return this.scheduledExpiryNanos;
	}

	void scheduledExpiryNanos(long at) {
		this.scheduledExpiryNanos = at;
	}

	/**
	 * Whether the entry has left the table (expired, killed, or dropped with its packet).
	 */
	public boolean removed() {
		return this.removed;
	}

	void markRemoved() {
		this.removed = true;
		this.status |= IpsStatus.DYING;
	}

	/**
	 * A clash entry (5.6+): reply-only, with a fixed 1 s timeout, hidden from
	 * {@code conntrack -L}.
	 */
	public boolean clashEntry() {
		return has(IpsStatus.NAT_CLASH);
	}

	@Override
	public String toString() {
		return "ct#" + this.id + "[" + this.original + " / " + this.reply + "]";
	}

}
