package dev.racetrack.kernel.conntrack;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The confirmed entries of a {@link ConntrackTable} by id, oldest first: what
 * {@code conntrack -L} lists and where {@code early_drop} starts looking. Not a kernel
 * structure (the kernel walks hash buckets); the model's index for views and for the
 * deterministic eviction scan.
 *
 * <p>
 * Ids are handed out one after the other ({@link ConntrackTable#allocate}), so the index
 * is an array indexed by id, in pages of {@link #PAGE} slots: a page is made when its
 * first entry arrives and dropped when its last one leaves, so memory follows the live
 * entries (plus one reference per page between the oldest and the newest). Pages are
 * small so that the worst case stays bounded: entries spread one to a page cost a page
 * each (≈300 bytes; 20 MB for a full table of 65,536, against ≈4 MB for a tree), and
 * dense ids, the usual case, cost 4 bytes each. Insert, remove and lookup cost O(1),
 * where a sorted tree cost O(log n) with a node allocated per entry: the tree was ≈9 % of
 * an untraced run's time.
 */
final class ConfirmedIndex {

	/** Slots per page. */
	static final int PAGE = 64;

	private static final int SHIFT = Integer.numberOfTrailingZeros(PAGE);

	/** The pages from {@link #firstPage} on; {@code null} where a page is empty. */
	private Conntrack[][] pages = new Conntrack[4][];

	/** Entries per page. */
	private int[] counts = new int[4];

	/** The page number of {@code pages[0]}. */
	private long firstPage;

	/** Pages in use from {@code pages[0]}: the last one holds the newest entry. */
	private int span;

	private int size;

	int size() {
		return this.size;
	}

	boolean isEmpty() {
		return this.size == 0;
	}

	void put(long id, Conntrack ct) {
		long page = id >>> SHIFT;
		if (this.size == 0) {
			this.firstPage = page;
			this.span = 0;
		}
		else if (page < this.firstPage) {
			prepend((int) (this.firstPage - page));
		}
		int p = (int) (page - this.firstPage);
		if (p >= this.pages.length) {
			int capacity = Math.max(p + 1, this.pages.length * 2);
			this.pages = Arrays.copyOf(this.pages, capacity);
			this.counts = Arrays.copyOf(this.counts, capacity);
		}
		if (this.pages[p] == null) {
			this.pages[p] = new Conntrack[PAGE];
		}
		int slot = (int) (id & (PAGE - 1));
		if (this.pages[p][slot] == null) {
			this.counts[p]++;
			this.size++;
		}
		this.pages[p][slot] = ct;
		this.span = Math.max(this.span, p + 1);
	}

	/** Makes room for {@code n} pages before the first (an id older than any held). */
	private void prepend(int n) {
		int capacity = Math.max(this.span + n, this.pages.length);
		Conntrack[][] moved = new Conntrack[capacity][];
		int[] movedCounts = new int[capacity];
		System.arraycopy(this.pages, 0, moved, n, this.span);
		System.arraycopy(this.counts, 0, movedCounts, n, this.span);
		this.pages = moved;
		this.counts = movedCounts;
		this.firstPage -= n;
		this.span += n;
	}

	Conntrack get(long id) {
		Conntrack[] page = page(id);
		return (page == null) ? null : page[(int) (id & (PAGE - 1))];
	}

	private Conntrack[] page(long id) {
		long p = (id >>> SHIFT) - this.firstPage;
		return (this.size == 0 || p < 0 || p >= this.span) ? null : this.pages[(int) p];
	}

	void remove(long id) {
		Conntrack[] page = page(id);
		int slot = (int) (id & (PAGE - 1));
		if (page == null || page[slot] == null) {
			return;
		}
		page[slot] = null;
		this.size--;
		int p = (int) ((id >>> SHIFT) - this.firstPage);
		if (--this.counts[p] > 0) {
			return;
		}
		this.pages[p] = null;
		if (this.size == 0) {
			Arrays.fill(this.pages, 0, this.span, null);
			this.span = 0;
			return;
		}
		trim();
	}

	/** Drops the empty pages at both ends. */
	private void trim() {
		int lead = 0;
		while (this.counts[lead] == 0) {
			lead++;
		}
		while (this.counts[this.span - 1] == 0) {
			this.span--;
			this.pages[this.span] = null;
		}
		if (lead > 0) {
			int kept = this.span - lead;
			System.arraycopy(this.pages, lead, this.pages, 0, kept);
			System.arraycopy(this.counts, lead, this.counts, 0, kept);
			Arrays.fill(this.pages, kept, this.span, null);
			Arrays.fill(this.counts, kept, this.span, 0);
			this.firstPage += lead;
			this.span = kept;
		}
	}

	/** The smallest id held; the index must not be empty. */
	long firstId() {
		Conntrack[] page = this.pages[0];
		for (int i = 0; i < PAGE; i++) {
			if (page[i] != null) {
				return (this.firstPage << SHIFT) + i;
			}
		}
		throw new IllegalStateException("empty first page");
	}

	/** The largest id held; the index must not be empty. */
	long lastId() {
		Conntrack[] page = this.pages[this.span - 1];
		for (int i = PAGE - 1; i >= 0; i--) {
			if (page[i] != null) {
				return ((this.firstPage + this.span - 1) << SHIFT) + i;
			}
		}
		throw new IllegalStateException("empty last page");
	}

	/**
	 * Up to {@code limit} entries in id order from the first id at or after {@code from},
	 * wrapping round to the oldest after the newest, each entry at most once.
	 */
	List<Conntrack> from(long from, int limit) {
		int n = Math.min(limit, this.size);
		List<Conntrack> out = new ArrayList<>(n);
		long start = Math.max(from, this.firstPage << SHIFT);
		collect(start, (this.firstPage + this.span) << SHIFT, out, n);
		collect(this.firstPage << SHIFT, start, out, n);
		return out;
	}

	/** Adds the entries with ids in {@code [from, to)}, in order, while fewer than n. */
	private void collect(long from, long to, List<Conntrack> out, int n) {
		for (long id = from; id < to && out.size() < n; id++) {
			Conntrack[] page = page(id);
			if (page == null) {
				id |= PAGE - 1;
				continue;
			}
			Conntrack ct = page[(int) (id & (PAGE - 1))];
			if (ct != null) {
				out.add(ct);
			}
		}
	}

	/** Every entry, oldest first. */
	List<Conntrack> values() {
		List<Conntrack> out = new ArrayList<>(this.size);
		for (int p = 0; p < this.span; p++) {
			Conntrack[] page = this.pages[p];
			if (page == null) {
				continue;
			}
			for (Conntrack ct : page) {
				if (ct != null) {
					out.add(ct);
				}
			}
		}
		return out;
	}

}
