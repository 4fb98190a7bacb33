package dev.racetrack.web.shared;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the heap watch counts as in use: the heap's pools, never Metaspace or the code
 * cache, which the same collection report lists and {@code -Xmx} does not bound.
 */
class HeapWatchTests {

	@Test
	void aCollectionsReportCountsTheHeapsPoolsAlone() {
		Map<String, MemoryUsage> report = new HashMap<>();
		long heap = 0;
		long nonHeap = 0;
		for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
			long used = 1L << (20 + report.size());
			report.put(pool.getName(), new MemoryUsage(0, used, used, -1));
			if (pool.getType() == MemoryType.HEAP) {
				heap += used;
			}
			else {
				nonHeap += used;
			}
		}
		assertThat(heap).as("this JVM has heap pools").isPositive();
		assertThat(nonHeap).as("and non-heap ones (Metaspace, code cache)").isPositive();
		assertThat(HeapWatch.heapUsed(report)).isEqualTo(heap);
	}

	@Test
	void afterACollectionTheFigureIsNoMoreThanTheHeapHolds() throws InterruptedException {
		HeapWatch watch = new HeapWatch();
		System.gc();
		for (int i = 0; i < 100 && watch.usedAfterGc() == 0; i++) {
			Thread.sleep(20);
		}
		assertThat(watch.usedAfterGc()).isPositive()
			.isLessThanOrEqualTo(ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted());
		assertThat(watch.percentAfterGc()).isBetween(0, 100);
	}

}
