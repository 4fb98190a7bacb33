package dev.racetrack.kernel.conntrack;

import java.util.ArrayList;
import java.util.List;

import dev.racetrack.kernel.KernelBehaviour;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.kernel.conntrack.ConfirmResult.Resolution;
import dev.racetrack.kernel.conntrack.ConntrackStats.Counter;
import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.Tuple;

/**
 * Conntrack's core (net/netfilter/nf_conntrack_core.c): {@code nf_conntrack_in},
 * {@code nf_conntrack_tuple_taken}, and {@code __nf_conntrack_confirm} with the clash
 * rules of each {@link KernelProfile} (src/docs/netfilter-races.md §4).
 *
 * <p>
 * Each method runs atomically at one instant of simulated time on one CPU; the engine
 * interleaves CPUs between them. That is where the races come from: an entry allocated by
 * {@link #conntrackIn} stays on its CPU's unconfirmed list, invisible to
 * {@link #tupleTaken}, until {@link #confirm}.
 */
public final class ConntrackCore {

	/** {@code nf_ct_resolve_clash_harder}: a clash entry lives one second. */
	public static final long CLASH_ENTRY_TIMEOUT_NANOS = 1_000_000_000L;

	/** {@code MAX_CHAINLEN} (6.x): longer chains refuse inserts. */
	public static final int MAX_CHAINLEN = 64;

	private final KernelProfile profile;

	private final ConntrackTable table;

	private final ConntrackStats stats;

	public ConntrackCore(KernelProfile profile, ConntrackTable table, ConntrackStats stats) {
		if (table.cpus() != stats.cpus()) {
			throw new IllegalArgumentException("table and stats disagree on the number of CPUs");
		}
		this.profile = profile;
		this.table = table;
		this.stats = stats;
	}

	public KernelProfile profile() {
		return this.profile;
	}

	public ConntrackTable table() {
		return this.table;
	}

	public ConntrackStats stats() {
		return this.stats;
	}

	/**
	 * {@code nf_conntrack_in} (PREROUTING, priority −200): finds the confirmed entry of
	 * the packet's tuple in either direction, or allocates an unconfirmed one on this
	 * CPU's list, then runs the protocol tracker and attaches the entry to the packet.
	 */
	public ConntrackInResult conntrackIn(Skb skb, int cpu, long nowNanos) {
		if (skb.untracked()) {
			if (!this.profile.has(KernelBehaviour.CLASH_RESOLVE_COUNTER)) {
				this.stats.inc(cpu, Counter.IGNORE);
			}
			return new ConntrackInResult.Untracked();
		}
		Conntrack reopened = null;
		while (true) {
			Tuple tuple = skb.tuple();
			TupleHash h = this.table.find(tuple, nowNanos);
			if (h == null) {
				return create(skb, cpu, nowNanos, reopened);
			}
			Conntrack ct = h.ct();
			CtInfo info = (h.dir() == CtDir.REPLY) ? CtInfo.ESTABLISHED_REPLY
					: ct.has(IpsStatus.SEEN_REPLY) ? CtInfo.ESTABLISHED : CtInfo.NEW;
			TcpConntrackState before = ct.tcpState();
			int statusBefore = ct.status();
			boolean killAfter = false;
			if (ct.proto() == L4Proto.TCP) {
				TcpTracker.Verdict verdict = TcpTracker.packet(ct, h.dir(), skb.header(), nowNanos);
				killAfter = verdict == TcpTracker.Verdict.KILL;
				if (verdict == TcpTracker.Verdict.REPEAT) {
					if (this.profile.has(KernelBehaviour.INVALID_ON_TCP_REOPEN)) {
						this.stats.inc(cpu, Counter.INVALID);
					}
					kill(ct);
					reopened = ct;
					continue;
				}
				if (verdict == TcpTracker.Verdict.INVALID) {
					this.stats.inc(cpu, Counter.INVALID);
					return new ConntrackInResult.Invalid(ct,
							"a " + skb.header().label() + " is not valid in state " + before);
				}
			}
			else {
				UdpTracker.packet(ct, this.profile, nowNanos);
			}
			if (h.dir() == CtDir.REPLY && !ct.has(IpsStatus.SEEN_REPLY)) {
				ct.set(IpsStatus.SEEN_REPLY);
			}
			this.table.scheduleExpiry(ct);
			skb.attach(ct, info);
			boolean deleted = h.dir() == CtDir.REPLY && ct.clashEntry()
					&& this.profile.has(KernelBehaviour.CLASH_ENTRY_DELETED_ON_REPLY) && kill(ct);
			if (killAfter) {
				kill(ct);
			}
			return new ConntrackInResult.Found(ct, h.dir(), info, before, statusBefore, deleted);
		}
	}

	private ConntrackInResult create(Skb skb, int cpu, long nowNanos, Conntrack reopened) {
		Tuple tuple = skb.tuple();
		if (tuple.proto() == L4Proto.TCP && !TcpTracker.canCreate(skb.header())) {
			this.stats.inc(cpu, Counter.INVALID);
			return new ConntrackInResult.Invalid(null,
					"a " + skb.header().label() + " without a matching entry cannot start one");
		}
		Conntrack evicted = null;
		if (this.table.count() >= this.table.max()) {
			evicted = this.table.earlyDropVictim(tuple, nowNanos);
			if (evicted == null) {
				this.stats.inc(cpu, Counter.DROP);
				return new ConntrackInResult.TableFull();
			}
			kill(evicted);
			this.stats.inc(cpu, Counter.EARLY_DROP);
		}
		Conntrack ct = this.table.allocate(tuple, cpu);
		if (ct.proto() == L4Proto.TCP) {
			TcpTracker.packet(ct, CtDir.ORIGINAL, skb.header(), nowNanos);
		}
		else {
			UdpTracker.packet(ct, this.profile, nowNanos);
		}
		skb.attach(ct, CtInfo.NEW);
		return new ConntrackInResult.Created(ct, reopened, evicted);
	}

	/**
	 * {@code nf_conntrack_tuple_taken} (behind {@code nf_nat_used_tuple}): whether a
	 * confirmed entry other than {@code ignored} uses {@code tuple} in either direction.
	 * Unconfirmed entries of any CPU are not seen. From 5.0 an entry with the same
	 * original tuple as {@code ignored} is skipped (4e35c1cb9460, race 2). A hit counts
	 * {@code found}.
	 */
	public boolean tupleTaken(Tuple tuple, Conntrack ignored, int cpu, long nowNanos) {
		TupleHash h = this.table.find(tuple, nowNanos);
		if (h == null || h.ct() == ignored) {
			return false;
		}
		if (this.profile.has(KernelBehaviour.SAME_ORIGIN_SKIP) && h.ct().original().equals(ignored.original())) {
			return false;
		}
		this.stats.inc(cpu, Counter.FOUND);
		return true;
	}

	/**
	 * The confirmed entry keyed by a tuple, without counting anything
	 * ({@code nf_conntrack_find_get}).
	 */
	public TupleHash find(Tuple tuple, long nowNanos) {
		return this.table.find(tuple, nowNanos);
	}

	/** The three ways a packet needs no confirm: one immutable result each. */
	private static final ConfirmResult NO_ENTRY = new ConfirmResult.NotNeeded("the packet has no conntrack entry");

	private static final ConfirmResult REPLY_DIRECTION = new ConfirmResult.NotNeeded(
			"only original-direction packets confirm");

	private static final ConfirmResult ALREADY_CONFIRMED = new ConfirmResult.NotNeeded(
			"the entry is already confirmed");

	/**
	 * {@code ipv4_confirm} → {@code __nf_conntrack_confirm} (POSTROUTING, last): inserts
	 * the packet's unconfirmed entry into the hash, unless its original or reply tuple is
	 * already there, in which case the clash rules of the profile decide.
	 */
	public ConfirmResult confirm(Skb skb, int cpu, long nowNanos) {
		Conntrack ct = skb.ct();
		if (ct == null) {
			return NO_ENTRY;
		}
		if (skb.ctInfo().dir() != CtDir.ORIGINAL) {
			return REPLY_DIRECTION;
		}
		if (ct.confirmed()) {
			return ALREADY_CONFIRMED;
		}
		this.table.unlinkUnconfirmed(ct);
		TupleHash clash = this.table.find(ct.original(), nowNanos);
		CtDir clashedOn = CtDir.ORIGINAL;
		if (clash == null) {
			clash = this.table.find(ct.reply(), nowNanos);
			clashedOn = CtDir.REPLY;
		}
		if (clash != null) {
			return resolveClash(skb, ct, clash.ct(), clashedOn, cpu, nowNanos);
		}
		if (this.profile.has(KernelBehaviour.CHAIN_TOO_LONG) && (this.table.chainLength(ct.original()) >= MAX_CHAINLEN
				|| this.table.chainLength(ct.reply()) >= MAX_CHAINLEN)) {
			dropLoser(skb, ct);
			this.stats.inc(cpu, Counter.CHAINTOOLONG);
			this.stats.inc(cpu, Counter.INSERT_FAILED);
			return new ConfirmResult.ChainTooLong(ct);
		}
		evictExpired(ct.original(), nowNanos);
		evictExpired(ct.reply(), nowNanos);
		ct.startTimer(nowNanos);
		ct.set(IpsStatus.CONFIRMED);
		this.table.insert(ct);
		return new ConfirmResult.Confirmed(ct);
	}

	private ConfirmResult resolveClash(Skb skb, Conntrack loser, Conntrack winner, CtDir clashedOn, int cpu,
			long nowNanos) {
		List<Counter> counted = new ArrayList<>(2);
		if (this.profile.has(KernelBehaviour.CLASH_ENTRIES)) {
			return resolveClash56(skb, loser, winner, clashedOn, cpu, nowNanos, counted);
		}
		// 4.17 (71d8c47fc653 + 590b52e10d41) and 4.19-5.5 (ed07d9a021df): insert_failed
		// always.
		boolean allowed = loser.proto().allowClash() && !winner.removed();
		boolean noNat = (winner.status() & IpsStatus.NAT_DONE_MASK) == 0;
		boolean mergeable = allowed
				&& (noNat || (this.profile.has(KernelBehaviour.RESOLVE_MATCHING_CLASH) && matches(winner, loser)));
		if (mergeable) {
			merge(skb, loser, winner);
			count(cpu, counted, Counter.INSERT_FAILED);
			return new ConfirmResult.Clash(loser, winner, clashedOn, Resolution.MERGED, counted, winner);
		}
		dropLoser(skb, loser);
		count(cpu, counted, Counter.DROP);
		count(cpu, counted, Counter.INSERT_FAILED);
		return new ConfirmResult.Clash(loser, winner, clashedOn, Resolution.DROP, counted, null);
	}

	/**
	 * 5.6+ (6a757c07e51f): {@code nf_ct_resolve_clash} and
	 * {@code nf_ct_resolve_clash_harder}.
	 */
	private ConfirmResult resolveClash56(Skb skb, Conntrack loser, Conntrack winner, CtDir clashedOn, int cpu,
			long nowNanos, List<Counter> counted) {
		if (loser.proto().allowClash()) {
			Conntrack target = winner;
			boolean resolved = resolvable(winner, loser);
			if (!resolved) {
				TupleHash replyTaken = this.table.find(loser.reply(), nowNanos);
				if (replyTaken == null) {
					insertClashEntry(loser, nowNanos);
					if (this.profile.has(KernelBehaviour.CLASH_RESOLVE_COUNTER)) {
						count(cpu, counted, Counter.CLASH_RESOLVE);
					}
					return new ConfirmResult.Clash(loser, winner, clashedOn, Resolution.CLASH_ENTRY, counted, loser);
				}
				target = replyTaken.ct();
				resolved = resolvable(target, loser);
			}
			if (resolved) {
				merge(skb, loser, target);
				count(cpu, counted, this.profile.has(KernelBehaviour.CLASH_RESOLVE_COUNTER) ? Counter.CLASH_RESOLVE
						: Counter.INSERT_FAILED);
				return new ConfirmResult.Clash(loser, target, clashedOn, Resolution.MERGED, counted, target);
			}
		}
		dropLoser(skb, loser);
		count(cpu, counted, Counter.DROP);
		count(cpu, counted, Counter.INSERT_FAILED);
		return new ConfirmResult.Clash(loser, winner, clashedOn, Resolution.DROP, counted, null);
	}

	/**
	 * {@code __nf_ct_resolve_clash}: the winner has no NAT, or both entries match
	 * exactly.
	 */
	private boolean resolvable(Conntrack winner, Conntrack loser) {
		if (winner.removed()) {
			return false;
		}
		return (winner.status() & IpsStatus.NAT_DONE_MASK) == 0 || matches(winner, loser);
	}

	/** {@code nf_ct_match}: same original and same reply tuple. */
	static boolean matches(Conntrack a, Conntrack b) {
		return a.original().equals(b.original()) && a.reply().equals(b.reply());
	}

	private void insertClashEntry(Conntrack loser, long nowNanos) {
		loser.set(IpsStatus.FIXED_TIMEOUT | IpsStatus.NAT_CLASH | IpsStatus.CONFIRMED);
		loser.expireAt(nowNanos + CLASH_ENTRY_TIMEOUT_NANOS);
		this.table.insertReplyOnly(loser);
	}

	/**
	 * The packet continues with the winner ({@code nf_ct_set(skb, ct, ctinfo)}); the
	 * loser is freed.
	 */
	private void merge(Skb skb, Conntrack loser, Conntrack winner) {
		this.table.remove(loser);
		skb.attach(winner, skb.ctInfo());
	}

	private void dropLoser(Skb skb, Conntrack loser) {
		this.table.remove(loser);
		skb.detach();
	}

	private void count(int cpu, List<Counter> counted, Counter counter) {
		this.stats.inc(cpu, counter);
		counted.add(counter);
	}

	/** An expired entry still holding a tuple leaves before the new one takes it (GC). */
	private void evictExpired(Tuple tuple, long nowNanos) {
		TupleHash h = this.table.node(tuple);
		if (h != null && h.ct().expired(nowNanos)) {
			this.table.remove(h.ct());
		}
	}

	/**
	 * {@code nf_conntrack_alter_reply}: NAT rewrote the reply tuple of an unconfirmed
	 * entry.
	 */
	public void alterReply(Conntrack ct, Tuple newReply) {
		ct.alterReply(newReply);
	}

	/** Sets status bits ({@code ct->status |= bits}). */
	public void setStatus(Conntrack ct, int bits) {
		ct.set(bits);
	}

	/**
	 * {@code nf_ct_kill}: removes an entry now (TIME_WAIT reopen, eviction, clash-entry
	 * reply).
	 */
	public boolean kill(Conntrack ct) {
		return this.table.remove(ct);
	}

}
