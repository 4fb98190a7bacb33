package dev.racetrack.kernel.conntrack;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.racetrack.kernel.packet.Tuple;

/**
 * The conntrack table of one network namespace: the confirmed hash
 * ({@code nf_conntrack_hash}, looked up by original or reply tuple), the per-CPU
 * unconfirmed lists that other CPUs cannot see ({@code pcpu_lists[cpu].unconfirmed}), and
 * the entry count against {@code nf_conntrack_max}.
 *
 * <p>
 * Hash chains are modelled by their lengths only (for {@code chaintoolong}); a tuple keys
 * at most one node, which is the invariant the kernel's confirm step defends. Expired
 * entries are invisible to lookups, as {@code nf_ct_is_expired} makes them, and leave the
 * table at their expiry time through {@link #expire(long)}, the model's garbage
 * collector.
 */
public final class ConntrackTable {

	/** Default {@code nf_conntrack_buckets} on a node with more than 1 GiB of memory. */
	public static final int DEFAULT_BUCKETS = 16_384;

	/** Default {@code nf_conntrack_max}: four entries per bucket. */
	public static final int DEFAULT_MAX = 65_536;

	private final Map<Tuple, TupleHash> hash = new HashMap<>();

	private final ConfirmedIndex confirmedById = new ConfirmedIndex();

	private final List<List<Conntrack>> unconfirmed;

	private final ExpiryQueue expiries = new ExpiryQueue();

	private final int[] chainLengths;

	private final int max;

	/** How many entries {@code early_drop} looks at: 8 buckets of about 8 entries. */
	static final int EARLY_DROP_SCAN = 64;

	private int count;

	private long nextId = 1;

	public ConntrackTable(int cpus, int buckets, int max) {
		if (cpus < 1 || buckets < 1 || Integer.bitCount(buckets) != 1 || max < 1) {
			throw new IllegalArgumentException("cpus >= 1, buckets a power of two, max >= 1");
		}
		List<List<Conntrack>> lists = new ArrayList<>(cpus);
		for (int i = 0; i < cpus; i++) {
			lists.add(new ArrayList<>());
		}
		this.unconfirmed = Collections.unmodifiableList(lists);
		this.chainLengths = new int[buckets];
		this.max = max;
	}

	/** {@code nf_conntrack_max}. */
	public int max() {
		return this.max;
	}

	/**
	 * {@code nf_conntrack_count}: confirmed and unconfirmed entries, as the kernel counts
	 * them.
	 */
	public int count() {
		return this.count;
	}

	/** Allocates an unconfirmed entry on a CPU's list ({@code __nf_conntrack_alloc}). */
	Conntrack allocate(Tuple original, int cpu) {
		Conntrack ct = new Conntrack(this.nextId++, original, cpu);
		this.unconfirmed.get(cpu).add(ct);
		this.count++;
		return ct;
	}

	/** The confirmed node keyed by a tuple, ignoring expired entries. */
	TupleHash find(Tuple tuple, long nowNanos) {
		TupleHash h = this.hash.get(tuple);
		if (h == null || h.ct().expired(nowNanos)) {
			return null;
		}
		return h;
	}

	/** The node keyed by a tuple even if expired: what a bucket walk meets. */
	TupleHash node(Tuple tuple) {
		return this.hash.get(tuple);
	}

	/**
	 * Moves an entry off its unconfirmed list
	 * ({@code nf_ct_del_from_dying_or_unconfirmed_list}).
	 */
	void unlinkUnconfirmed(Conntrack ct) {
		this.unconfirmed.get(ct.cpu()).remove(ct);
	}

	/** Inserts both nodes of a confirmed entry ({@code __nf_conntrack_hash_insert}). */
	void insert(Conntrack ct) {
		putNode(ct.original(), new TupleHash(ct, CtDir.ORIGINAL));
		putNode(ct.reply(), new TupleHash(ct, CtDir.REPLY));
		this.confirmedById.put(ct.id(), ct);
		scheduleExpiry(ct);
	}

	/**
	 * Inserts only the reply node of a clash entry; its original node is a fake
	 * ({@code hlist_nulls_add_fake}), so lookups in the original direction keep finding
	 * the winner, and {@code conntrack -L} does not list it.
	 */
	void insertReplyOnly(Conntrack ct) {
		putNode(ct.reply(), new TupleHash(ct, CtDir.REPLY));
		this.confirmedById.put(ct.id(), ct);
		scheduleExpiry(ct);
	}

	private void putNode(Tuple tuple, TupleHash node) {
		TupleHash previous = this.hash.get(tuple);
		if (previous != null) {
			throw new IllegalStateException(
					"two confirmed entries share the tuple " + tuple + ": " + previous.ct() + " and " + node.ct());
		}
		this.hash.put(tuple, node);
		this.chainLengths[bucket(tuple)]++;
	}

	/**
	 * Removes an entry wherever it is; the count drops once. Returns whether it was
	 * present.
	 */
	boolean remove(Conntrack ct) {
		if (ct.removed()) {
			return false;
		}
		if (ct.confirmed()) {
			removeNode(ct.original(), ct);
			removeNode(ct.reply(), ct);
			this.confirmedById.remove(ct.id());
		}
		else {
			unlinkUnconfirmed(ct);
		}
		ct.markRemoved();
		this.count--;
		return true;
	}

	private void removeNode(Tuple tuple, Conntrack ct) {
		TupleHash h = this.hash.get(tuple);
		if (h != null && h.ct() == ct) {
			this.hash.remove(tuple);
			this.chainLengths[bucket(tuple)]--;
		}
	}

	/**
	 * Arms the expiry of a confirmed entry after its timeout changed. A later expiry is
	 * picked up lazily when the earlier one comes due, so the queue holds about one
	 * element per entry.
	 */
	void scheduleExpiry(Conntrack ct) {
		if (ct.confirmed() && ct.timeoutNanos() < ct.scheduledExpiryNanos()) {
			ct.scheduledExpiryNanos(ct.timeoutNanos());
			this.expiries.add(ct.timeoutNanos(), ct);
		}
	}

	/**
	 * Removes every confirmed entry whose timeout has passed, the way the conntrack
	 * garbage collector would, and returns them in expiry order.
	 */
	public List<Conntrack> expire(long nowNanos) {
		List<Conntrack> gone = new ArrayList<>();
		while (nextExpiryNanos() <= nowNanos) {
			Conntrack ct = this.expiries.poll();
			ct.scheduledExpiryNanos(Long.MAX_VALUE);
			remove(ct);
			gone.add(ct);
		}
		return gone;
	}

	/** Removes and returns the next entry whose timeout has passed, or {@code null}. */
	public Conntrack expireNext(long nowNanos) {
		if (nextExpiryNanos() > nowNanos) {
			return null;
		}
		Conntrack ct = this.expiries.poll();
		ct.scheduledExpiryNanos(Long.MAX_VALUE);
		remove(ct);
		return ct;
	}

	/**
	 * A time before which no entry expires, at no cost: the first key of the expiry
	 * queue. A key only ever lags behind its entry's timeout (a refreshed entry is moved
	 * lazily), so this is at most {@link #nextExpiryNanos()}, which brings the queue up
	 * to date to answer exactly; {@link Long#MAX_VALUE} when nothing is queued.
	 */
	public long expiryLowerBoundNanos() {
		return this.expiries.isEmpty() ? Long.MAX_VALUE : this.expiries.peekAt();
	}

	/** The earliest pending expiry, or {@link Long#MAX_VALUE}. */
	public long nextExpiryNanos() {
		while (!this.expiries.isEmpty()) {
			long at = this.expiries.peekAt();
			Conntrack ct = this.expiries.peek();
			if (ct.removed() || ct.scheduledExpiryNanos() != at) {
				this.expiries.poll();
			}
			else if (ct.timeoutNanos() > at) {
				ct.scheduledExpiryNanos(ct.timeoutNanos());
				this.expiries.replaceTop(ct.timeoutNanos(), ct);
			}
			else {
				return at;
			}
		}
		return Long.MAX_VALUE;
	}

	/**
	 * The pending expiries, a 4-ary heap ordered by (expiry, entry id) over primitive
	 * keys (a table of tens of thousands of entries is half as many levels deep as with a
	 * binary heap; the keys are distinct, so the order things leave in is the same). An
	 * element holds its entry itself: an entry is queued only once confirmed and leaves
	 * the confirmed map only when it is removed, so {@link Conntrack#removed()} tells
	 * what a lookup by id would.
	 */
	private static final class ExpiryQueue {

		private long[] ats = new long[64];

		private long[] ids = new long[64];

		private Conntrack[] cts = new Conntrack[64];

		private int size;

		boolean isEmpty() {
			return this.size == 0;
		}

		long peekAt() {
			return this.ats[0];
		}

		Conntrack peek() {
			return this.cts[0];
		}

		void add(long at, Conntrack ct) {
			if (this.size == this.ats.length) {
				this.ats = Arrays.copyOf(this.ats, this.size * 2);
				this.ids = Arrays.copyOf(this.ids, this.size * 2);
				this.cts = Arrays.copyOf(this.cts, this.size * 2);
			}
			long id = ct.id();
			int i = this.size++;
			while (i > 0) {
				int parent = (i - 1) >>> 2;
				if (!before(at, id, this.ats[parent], this.ids[parent])) {
					break;
				}
				move(parent, i);
				i = parent;
			}
			this.ats[i] = at;
			this.ids[i] = id;
			this.cts[i] = ct;
		}

		Conntrack poll() {
			Conntrack top = this.cts[0];
			int n = --this.size;
			long at = this.ats[n];
			long id = this.ids[n];
			Conntrack last = this.cts[n];
			this.cts[n] = null;
			if (n > 0) {
				siftDown(at, id, last);
			}
			return top;
		}

		/** {@link #poll()} then {@link #add}, in one pass. */
		void replaceTop(long at, Conntrack ct) {
			siftDown(at, ct.id(), ct);
		}

		private void siftDown(long at, long id, Conntrack ct) {
			int n = this.size;
			int i = 0;
			while (true) {
				int first = 4 * i + 1;
				if (first >= n) {
					break;
				}
				int child = first;
				int last = Math.min(first + 4, n);
				for (int c = first + 1; c < last; c++) {
					if (before(this.ats[c], this.ids[c], this.ats[child], this.ids[child])) {
						child = c;
					}
				}
				if (!before(this.ats[child], this.ids[child], at, id)) {
					break;
				}
				move(child, i);
				i = child;
			}
			this.ats[i] = at;
			this.ids[i] = id;
			this.cts[i] = ct;
		}

		private void move(int from, int to) {
			this.ats[to] = this.ats[from];
			this.ids[to] = this.ids[from];
			this.cts[to] = this.cts[from];
		}

		private static boolean before(long at, long id, long otherAt, long otherId) {
			return (at != otherAt) ? at < otherAt : id < otherId;
		}

	}

	/** The length of the hash chain a tuple falls in. */
	int chainLength(Tuple tuple) {
		return this.chainLengths[bucket(tuple)];
	}

	private int bucket(Tuple tuple) {
		int h = tuple.hashCode();
		h ^= (h >>> 16);
		return h & (this.chainLengths.length - 1);
	}

	/** Confirmed entries (clash entries included), oldest first. */
	public List<Conntrack> confirmed() {
		return List.copyOf(this.confirmedById.values());
	}

	/** Number of confirmed entries. */
	public int confirmedCount() {
		return this.confirmedById.size();
	}

	/**
	 * {@code early_drop}: like the kernel, which looks at a few buckets around the new
	 * tuple's hash ({@code NF_CT_EVICTION_RANGE}), this looks at a bounded number of
	 * entries from a point picked by the tuple's hash, for one that is not ASSURED; when
	 * it finds none, the packet is dropped ("table full").
	 */
	Conntrack earlyDropVictim(Tuple tuple, long nowNanos) {
		if (this.confirmedById.isEmpty()) {
			return null;
		}
		long first = this.confirmedById.firstId();
		long span = this.confirmedById.lastId() - first + 1;
		long start = first + Math.floorMod((long) tuple.hashCode() * 0x9E3779B1L, span);
		for (Conntrack ct : this.confirmedById.from(start, EARLY_DROP_SCAN)) {
			if (!ct.has(IpsStatus.ASSURED) && !ct.expired(nowNanos)) {
				return ct;
			}
		}
		return null;
	}

	/** A CPU's unconfirmed list (read-only): what only that CPU can see. */
	public List<Conntrack> unconfirmed(int cpu) {
		return Collections.unmodifiableList(this.unconfirmed.get(cpu));
	}

	public int cpus() {
		return this.unconfirmed.size();
	}

	/** A confirmed entry by id, or {@code null}. */
	public Conntrack byId(long id) {
		return this.confirmedById.get(id);
	}

}
