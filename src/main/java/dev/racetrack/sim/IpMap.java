package dev.racetrack.sim;

import java.util.Arrays;

/**
 * The node's few attached hosts by IPv4 address, looked up on every packet: open
 * addressing over a primitive key array, so that a lookup neither boxes the address (an
 * {@code Integer} above 127 is a new object each time) nor follows a bucket's node.
 * Entries are only added, never removed, as hosts are only attached.
 *
 * @param <V> what an address maps to
 */
final class IpMap<V> {

	private int[] keys = new int[16];

	private Object[] values = new Object[16];

	private int size;

	/** Maps {@code ip} to {@code value}, replacing what it mapped to. */
	void put(int ip, V value) {
		if (value == null) {
			throw new IllegalArgumentException("value is required");
		}
		if (2 * (this.size + 1) > this.keys.length) {
			grow();
		}
		int i = slot(ip);
		if (this.values[i] == null) {
			this.keys[i] = ip;
			this.size++;
		}
		this.values[i] = value;
	}

	/** What {@code ip} maps to, or {@code null}. */
	@SuppressWarnings("unchecked")
	V get(int ip) {
		return (V) this.values[slot(ip)];
	}

	boolean containsKey(int ip) {
		return this.values[slot(ip)] != null;
	}

	boolean isEmpty() {
		return this.size == 0;
	}

	/** The slot holding {@code ip}, or the empty slot where it would go. */
	private int slot(int ip) {
		int mask = this.keys.length - 1;
		int i = mix(ip) & mask;
		while (this.values[i] != null && this.keys[i] != ip) {
			i = (i + 1) & mask;
		}
		return i;
	}

	private static int mix(int ip) {
		int h = ip * 0x9E3779B9;
		return h ^ (h >>> 16);
	}

	private void grow() {
		int[] oldKeys = this.keys;
		Object[] oldValues = this.values;
		this.keys = new int[oldKeys.length * 2];
		this.values = new Object[oldKeys.length * 2];
		for (int i = 0; i < oldKeys.length; i++) {
			if (oldValues[i] != null) {
				int j = slot(oldKeys[i]);
				this.keys[j] = oldKeys[i];
				this.values[j] = oldValues[i];
			}
		}
		Arrays.fill(oldValues, null);
	}

}
