package dev.racetrack.web.shared;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.concurrent.EventExecutor;
import reactor.netty.http.HttpResources;
import reactor.netty.resources.LoopResources;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.stereotype.Component;

/**
 * Measures how late the server's event loops run a task: every 250 ms each loop is handed
 * a no-op, and the age of the oldest one still waiting is the lag. A loop blocked by work
 * that belongs elsewhere (a run, a fold, a big serialisation) shows here first; readiness
 * goes DOWN past {@code racetrack.event-loop-stall}, liveness past
 * {@code racetrack.event-loop-dead}.
 */
@Component
public class EventLoopWatch implements DisposableBean, SmartLifecycle {

	private volatile ScheduledExecutorService ticker;

	/** When each loop was handed its pending probe (nanos), absent when none waits. */
	private final Map<EventExecutor, Long> pending = new ConcurrentHashMap<>();

	private final ObjectProvider<ReactorResourceFactory> resources;

	public EventLoopWatch(MeterRegistry registry, ObjectProvider<ReactorResourceFactory> resources) {
		this.resources = resources;
		start();
		Gauge.builder("racetrack.event.loop.lag", this, (w) -> w.lagMillis() / 1000.0)
			.description("Age of the oldest task waiting on a server event loop")
			.baseUnit("seconds")
			.register(registry);
	}

	private void probe() {
		try {
			ReactorResourceFactory factory = this.resources.getIfAvailable();
			LoopResources loops = (factory != null) ? factory.getLoopResources() : HttpResources.get();
			for (EventExecutor loop : loops.onServer(true)) {
				if (this.pending.putIfAbsent(loop, System.nanoTime()) == null) {
					loop.execute(() -> this.pending.remove(loop));
				}
			}
		}
		catch (RuntimeException ex) {
			// not started yet, or shutting down
		}
	}

	/** How long the most late event loop has kept a task waiting, in milliseconds. */
	public long lagMillis() {
		long now = System.nanoTime();
		long oldest = 0;
		for (Long since : this.pending.values()) {
			oldest = Math.max(oldest, now - since);
		}
		return oldest / 1_000_000;
	}

	@Override
	public synchronized void start() {
		if (this.ticker == null || this.ticker.isShutdown()) {
			this.pending.clear();
			this.ticker = Executors.newSingleThreadScheduledExecutor((r) -> {
				Thread t = new Thread(r, "event-loop-watch");
				t.setDaemon(true);
				return t;
			});
			this.ticker.scheduleWithFixedDelay(this::probe, 1, 250, TimeUnit.MILLISECONDS);
		}
	}

	/**
	 * Stops probing before the server stops: a loop handed a task every 250 ms never
	 * becomes quiet, and would hold the shutdown until its timeout.
	 */
	@Override
	public synchronized void stop() {
		this.ticker.shutdownNow();
		this.pending.clear();
	}

	@Override
	public boolean isRunning() {
		return !this.ticker.isShutdown();
	}

	@Override
	public void destroy() {
		this.ticker.shutdownNow();
	}

}
