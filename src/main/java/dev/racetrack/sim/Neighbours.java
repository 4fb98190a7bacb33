package dev.racetrack.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The node's neighbour (ARP) table for the pods on its bridge, as far as a DNATed packet
 * to a bridged backend meets it (src/docs/kernel-window.md §2). With
 * {@code br_netfilter}, {@code br_nf_pre_routing_finish} sees that DNAT changed the
 * destination to an address on the same bridge and
 * {@code br_nf_pre_routing_finish_bridge} hands the packet to {@code neigh->output()}:
 * with a resolved entry it goes on at once; without one {@code neigh_resolve_output} →
 * {@code __neigh_event_send} makes the entry {@code NUD_INCOMPLETE}, sends an ARP request
 * and parks the packet in the entry's {@code arp_queue} — after DNAT, before the bridge's
 * forward and post-routing hooks and so before {@code __nf_conntrack_confirm}. The ARP
 * reply ({@code neigh_update} to {@code NUD_REACHABLE}) sends the queued packets on, in
 * order.
 *
 * <p>
 * Resolution takes the ARP request's way to the backend and back: two veth crossings and
 * the backend's stack answering ({@link TimingModel#vethNanos} twice plus
 * {@link TimingModel#podStackNanos}; not fitted). A resolved entry stays usable:
 * {@code NUD_REACHABLE} for {@code base_reachable_time} (30 s, drawn in 15–45 s), then
 * {@code NUD_STALE}, which still sends at once (and re-probes in the background,
 * {@code NUD_DELAY}/{@code NUD_PROBE}, without queueing). {@code neigh_periodic_work}
 * removes an unused stale entry after {@code gc_stale_time} (60 s) only when the table
 * holds at least {@code gc_thresh1} (128) entries; {@code neigh_forced_gc} only above
 * {@code gc_thresh2} (512). A modelled node has a handful of bridged neighbours, so an
 * entry, once resolved, is never collected: the cold case is a fresh node (or a flushed
 * table, {@link #flush}). {@code unres_qlen_bytes} (212,992 bytes, ≈100 small datagrams)
 * bounds a queue; the model never comes near it.
 */
final class Neighbours {

	/** {@code gc_thresh1}: below it, {@code neigh_periodic_work} collects nothing. */
	static final int GC_THRESH1 = 128;

	/** {@code gc_stale_time}, for the record: unused stale entries older may go. */
	static final long GC_STALE_NANOS = 60_000_000_000L;

	/** An entry: resolved, or waiting with its queue. */
	private static final class Entry {

		boolean resolved;

		long usedNanos;

		final List<Runnable> queue = new ArrayList<>();

	}

	private final Map<Integer, Entry> entries = new HashMap<>();

	private final Simulation sim;

	private final long resolveNanos;

	Neighbours(Simulation sim, TimingModel timing) {
		this.sim = sim;
		this.resolveNanos = 2 * timing.vethNanos() + timing.podStackNanos();
	}

	/** What {@code neigh->output()} did with a packet. */
	enum Output {

		/** A resolved entry: the packet goes on at once. */
		SEND,

		/**
		 * No entry: this packet made it {@code NUD_INCOMPLETE} and its ARP request is
		 * answered within the same softirq run ({@link #resolveNanos}); the caller's CPU
		 * then calls {@link #resolve} and sends the packet on.
		 */
		RESOLVE,

		/** An entry already resolving: the packet waits in its queue. */
		QUEUED

	}

	/** How long an ARP request and its answer take on the bridge. */
	long resolveNanos() {
		return this.resolveNanos;
	}

	/**
	 * {@code neigh->output()} for a packet to {@code ip}; when {@link Output#QUEUED},
	 * {@code resume} runs once the entry resolves.
	 */
	Output output(int ip, Runnable resume) {
		Entry e = this.entries.get(ip);
		if (e != null && e.resolved && usable(e)) {
			e.usedNanos = this.sim.now();
			return Output.SEND;
		}
		if (e == null || e.resolved) {
			this.entries.put(ip, new Entry());
			return Output.RESOLVE;
		}
		e.queue.add(resume);
		return Output.QUEUED;
	}

	/** Whether a resolved entry is still in the table (see the class comment). */
	private boolean usable(Entry e) {
		return this.entries.size() < GC_THRESH1 || this.sim.now() - e.usedNanos <= GC_STALE_NANOS;
	}

	/**
	 * The ARP reply ({@code neigh_update}): {@code NUD_REACHABLE}, and the packets queued
	 * meanwhile sent on in order.
	 */
	void resolve(int ip) {
		Entry e = this.entries.get(ip);
		if (e == null || e.resolved) {
			return;
		}
		e.resolved = true;
		e.usedNanos = this.sim.now();
		List<Runnable> queued = new ArrayList<>(e.queue);
		e.queue.clear();
		queued.forEach(Runnable::run);
	}

	/** {@code ip neigh flush}: every entry gone (queued packets still go on). */
	void flush() {
		this.entries.values().removeIf((e) -> e.resolved);
	}

	/** Whether {@code ip} has a resolved entry. */
	boolean resolved(int ip) {
		Entry e = this.entries.get(ip);
		return e != null && e.resolved;
	}

}
