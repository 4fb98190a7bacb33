package dev.racetrack.web.shared;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.util.Map;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

import com.sun.management.GarbageCollectionNotificationInfo;

import org.springframework.stereotype.Component;

/**
 * The heap in use after the last garbage collection (what is really live, unlike the heap
 * in use at any moment), read from the collectors' notifications. Admission refuses new
 * work above {@code racetrack.heap-admit-percent} of the ceiling, and readiness goes DOWN
 * above {@code racetrack.heap-ready-percent}.
 */
@Component
public class HeapWatch {

	private volatile long usedAfterGc;

	private final long max = Runtime.getRuntime().maxMemory();

	public HeapWatch() {
		for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
			if (gc instanceof NotificationEmitter emitter) {
				emitter.addNotificationListener((notification, handback) -> {
					if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION
						.equals(notification.getType())) {
						GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo
							.from((CompositeData) notification.getUserData());
						long used = 0;
						for (Map.Entry<String, MemoryUsage> pool : info.getGcInfo()
							.getMemoryUsageAfterGc()
							.entrySet()) {
							used += pool.getValue().getUsed();
						}
						this.usedAfterGc = used;
					}
				}, null, null);
			}
		}
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
