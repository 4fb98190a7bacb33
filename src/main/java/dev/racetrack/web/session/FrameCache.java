package dev.racetrack.web.session;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import org.springframework.stereotype.Component;

import dev.racetrack.scenario.RunParams;
import dev.racetrack.web.shared.RacetrackProperties;

/**
 * The sessions' rendered events and snapshot states, as the bytes sent, shared by every
 * session of the same run and every one of their clients. Bounded in bytes: all runs
 * together at most {@code racetrack.frame-cache-heap-percent} of the heap, one run at
 * most an eighth of that (so one presenter scrubbing a large run cannot push every other
 * session out); least recently used first out. What is larger than a run's share is
 * rendered and sent, never kept.
 */
@Component
class FrameCache {

	private record Key(RunParams params, String what) {
	}

	private final long maxBytes;

	private final long maxBytesPerRun;

	private final LinkedHashMap<Key, byte[]> entries = new LinkedHashMap<>(256, 0.75f, true);

	private final Map<RunParams, Long> bytesByRun = new HashMap<>();

	private long bytes;

	@org.springframework.beans.factory.annotation.Autowired
	FrameCache(RacetrackProperties properties) {
		this(RacetrackProperties.heapShare(properties.frameCacheHeapPercent()));
	}

	FrameCache(long maxBytes) {
		this.maxBytes = maxBytes;
		this.maxBytesPerRun = maxBytes / 8;
	}

	/** The cached bytes of {@code what} for the run, or {@code null}. */
	synchronized byte[] peek(RunParams params, String what) {
		return this.entries.get(new Key(params, what));
	}

	/**
	 * The cached bytes of {@code what} for the run, or those {@code render} makes (kept
	 * if they fit).
	 */
	byte[] get(RunParams params, String what, Supplier<byte[]> render) {
		Key key = new Key(params, what);
		synchronized (this) {
			byte[] hit = this.entries.get(key);
			if (hit != null) {
				return hit;
			}
		}
		byte[] made = render.get();
		put(key, made);
		return made;
	}

	private synchronized void put(Key key, byte[] value) {
		if (value.length > this.maxBytesPerRun || this.entries.containsKey(key)) {
			return;
		}
		long run = this.bytesByRun.getOrDefault(key.params(), 0L);
		Iterator<Map.Entry<Key, byte[]>> it = this.entries.entrySet().iterator();
		while (run + value.length > this.maxBytesPerRun && it.hasNext()) {
			Map.Entry<Key, byte[]> e = it.next();
			if (e.getKey().params().equals(key.params())) {
				run -= e.getValue().length;
				remove(e.getKey(), e.getValue().length);
				it.remove();
			}
		}
		it = this.entries.entrySet().iterator();
		while (this.bytes + value.length > this.maxBytes && it.hasNext()) {
			Map.Entry<Key, byte[]> e = it.next();
			remove(e.getKey(), e.getValue().length);
			it.remove();
		}
		this.entries.put(key, value);
		this.bytes += value.length;
		this.bytesByRun.merge(key.params(), (long) value.length, Long::sum);
	}

	private void remove(Key key, long length) {
		this.bytes -= length;
		this.bytesByRun.computeIfPresent(key.params(), (k, v) -> (v - length <= 0) ? null : v - length);
	}

	/** Bytes held now. */
	synchronized long bytes() {
		return this.bytes;
	}

	/** Bytes held now for one run. */
	synchronized long bytes(RunParams params) {
		return this.bytesByRun.getOrDefault(params, 0L);
	}

	long maxBytes() {
		return this.maxBytes;
	}

	long maxBytesPerRun() {
		return this.maxBytesPerRun;
	}

}
