package dev.racetrack.sim;

import dev.racetrack.kernel.KernelBehaviour;
import dev.racetrack.kernel.KernelProfile;

/**
 * The node kernel's choice of a local port for {@code connect()} without {@code bind()}:
 * {@code __inet_hash_connect} (net/ipv4/inet_hashtables.c), the same for every network
 * namespace of the node.
 * <ul>
 * <li>{@code ip_local_port_range} 32768–60999; the scan starts at
 * {@code secure_ipv4_port_ephemeral(saddr, daddr, dport)} (a keyed hash) plus a hint,
 * tries the ports of the range's low parity (even) first, then the others, and takes the
 * first whose bind bucket was made by {@code connect()} and has no socket with the same
 * 4-tuple ({@code check_established}: a TIME_WAIT socket of the same 4-tuple blocks it)
 * [kernel-window §3].</li>
 * <li>Until 5.11 the hint is one {@code static u32 hint} shared by every socket of the
 * node, moved by {@code i + 2} after each success; from 5.12 (190cc82489f4 "tcp: change
 * source port randomizarion at connect() time") one of 256 (later 65536) perturbation
 * slots chosen by the hash, and from 2022 ("tcp: add small random increments to the
 * source port") moved by at least a random even step below 16
 * ({@link KernelBehaviour#SHARED_CONNECT_PORT_HINT}).</li>
 * </ul>
 * {@code bind(ip:0)} ({@code inet_csk_find_open_port}) prefers the other parity, the odd
 * ports, from a random offset: {@link #bindPort}.
 */
final class EphemeralPorts {

	static final int LOW = 32768;

	static final int HIGH = 60999;

	/** {@code remaining}: the range size, made even. */
	static final int REMAINING = (HIGH + 1 - LOW) & ~1;

	private static final int PERTURB_SLOTS = 1 << 16;

	private final boolean sharedHint;

	private final long secret;

	private final SeededRandom random;

	private int hint;

	/**
	 * The perturbation slots touched so far ({@code table_perturb}, 65536 u32 in the
	 * kernel, all 0 at boot): a run touches one slot per (pod, destination), a few
	 * hundred at most, so they are kept sparse rather than as a 256 KB array per run.
	 */
	private final Slots perturb = new Slots();

	EphemeralPorts(KernelProfile kernel, SeededRandom random) {
		this.sharedHint = kernel.has(KernelBehaviour.SHARED_CONNECT_PORT_HINT);
		this.random = random;
		this.secret = random.nextLong();
	}

	/** Whether {@code connect()} may use a port; see {@link #connectPort}. */
	interface PortCheck {

		boolean usable(int port);

	}

	/**
	 * {@code __inet_hash_connect}: the port for a connection from {@code saddr} to
	 * {@code daddr:dport}, or -1 when every port is taken ({@code EADDRNOTAVAIL}).
	 */
	int connectPort(int saddr, int daddr, int dport, PortCheck check) {
		int portOffset = (int) mix(this.secret ^ ((saddr & 0xffffffffL) << 32) ^ (daddr & 0xffffffffL) ^ dport);
		int slot = portOffset & (PERTURB_SLOTS - 1);
		int hintNow;
		if (this.sharedHint) {
			hintNow = this.hint;
		}
		else {
			hintNow = this.perturb.get(slot);
		}
		int offset = Integer.remainderUnsigned(portOffset + hintNow, REMAINING) & ~1;
		for (int parity = 0; parity < 2; parity++, offset++) {
			int port = LOW + offset;
			for (int i = 0; i < REMAINING; i += 2, port += 2) {
				if (port >= LOW + REMAINING) {
					port -= REMAINING;
				}
				if (check.usable(port)) {
					int moved = i + parity * REMAINING;
					if (this.sharedHint) {
						this.hint += moved + 2;
					}
					else {
						int step = Math.max(moved, this.random.nextInt(8) * 2);
						this.perturb.add(slot, step + 2);
					}
					return port;
				}
			}
		}
		return -1;
	}

	/**
	 * {@code inet_csk_find_open_port} for {@code bind(ip:0)}: the odd ports first, from a
	 * random offset; -1 when none is free.
	 */
	int bindPort(PortCheck free) {
		int offset = this.random.nextInt(REMAINING) | 1;
		for (int parity = 0; parity < 2; parity++, offset++) {
			int port = LOW + (offset % REMAINING);
			for (int i = 0; i < REMAINING; i += 2, port += 2) {
				if (port >= LOW + REMAINING) {
					port -= REMAINING;
				}
				if (free.usable(port)) {
					return port;
				}
			}
		}
		return -1;
	}

	/**
	 * A sparse {@code int[PERTURB_SLOTS]} that reads 0 where nothing was written: open
	 * addressing with linear probing, grown to stay at most half full.
	 */
	static final class Slots {

		private int[] keys = new int[64];

		private int[] values = new int[64];

		private boolean[] used = new boolean[64];

		private int size;

		int get(int slot) {
			int mask = this.keys.length - 1;
			for (int i = spread(slot) & mask; this.used[i]; i = (i + 1) & mask) {
				if (this.keys[i] == slot) {
					return this.values[i];
				}
			}
			return 0;
		}

		void add(int slot, int delta) {
			int mask = this.keys.length - 1;
			int i = spread(slot) & mask;
			for (; this.used[i]; i = (i + 1) & mask) {
				if (this.keys[i] == slot) {
					this.values[i] += delta;
					return;
				}
			}
			this.used[i] = true;
			this.keys[i] = slot;
			this.values[i] = delta;
			if (++this.size * 2 > this.keys.length) {
				grow();
			}
		}

		/** How many slots were written. */
		int size() {
			return this.size;
		}

		private void grow() {
			int[] oldKeys = this.keys;
			int[] oldValues = this.values;
			boolean[] oldUsed = this.used;
			this.keys = new int[oldKeys.length * 2];
			this.values = new int[oldKeys.length * 2];
			this.used = new boolean[oldKeys.length * 2];
			this.size = 0;
			for (int i = 0; i < oldKeys.length; i++) {
				if (oldUsed[i]) {
					add(oldKeys[i], oldValues[i]);
				}
			}
		}

		private static int spread(int slot) {
			return slot * 0x9E3779B1;
		}

	}

	private static long mix(long z) {
		z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
		z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
		return z ^ (z >>> 31);
	}

}
