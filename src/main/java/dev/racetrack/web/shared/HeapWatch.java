package dev.racetrack.web.shared;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

import org.springframework.stereotype.Component;

/**
 * The heap in use after the last garbage collection (what is really live, unlike the heap
 * in use at any moment), read from the collectors' notifications. Admission refuses new
 * work above {@code racetrack.heap-admit-percent} of the ceiling, and readiness goes DOWN
 * above {@code racetrack.heap-ready-percent}.
 * <p>
 * Only the heap's pools count: a collection's notification also reports Metaspace, the
 * compressed class space (a part of Metaspace, reported again as a pool of its own) and
 * the code cache, which {@code -Xmx} does not bound. Summed in, they read as ≈13 % of a
 * 512 MB heap that nothing held (measured on this application after a few hundred
 * requests: Metaspace 44 MB, its class space 6 MB, code 15 MB), growing as the JIT
 * compiles, and more in a JVM that hosts several application contexts, as the test
 * suite's does.
 */
@Component
public class HeapWatch {

	private volatile long usedAfterGc;

	private final long max = Runtime.getRuntime().maxMemory();

	/** The names of the heap's memory pools (G1: eden, survivor, old). */
	static final Set<String> HEAP_POOLS = ManagementFactory.getMemoryPoolMXBeans()
		.stream()
		.filter((pool) -> pool.getType() == MemoryType.HEAP)
		.map(MemoryPoolMXBean::getName)
		.collect(Collectors.toUnmodifiableSet());

	public HeapWatch() {
		for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
			if (gc instanceof NotificationEmitter emitter) {
				emitter.addNotificationListener((notification, handback) -> {
					if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION
						.equals(notification.getType())) {
						GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo
							.from((CompositeData) notification.getUserData());
						this.usedAfterGc = heapUsed(info.getGcInfo().getMemoryUsageAfterGc());
					}
				}, null, null);
			}
		}
	}

	/** The bytes in use in the heap's pools of a collection's report. */
	static long heapUsed(Map<String, MemoryUsage> pools) {
		long used = 0;
		for (Map.Entry<String, MemoryUsage> pool : pools.entrySet()) {
			if (HEAP_POOLS.contains(pool.getKey())) {
				used += pool.getValue().getUsed();
			}
		}
		return used;
	}

	/** Bytes in use after the last collection (0 before the first). */
	public long usedAfterGc() {
		return this.usedAfterGc;
	}

	/** The ceiling: {@code -Xmx}. */
	public long max() {
		return this.max;
	}

	/** Heap in use after the last collection, in percent of the ceiling. */
	public int percentAfterGc() {
		return (int) (100 * this.usedAfterGc / Math.max(1, this.max));
	}

}
