package dev.racetrack.scaleout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import reactor.core.Disposable;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * One SSE client of a session stream (a follower's or a presenter's), recording every
 * event it receives with the time it arrived, and whether its stream ended.
 */
public final class Follower implements AutoCloseable {

	/** One event as received. */
	public record Event(String name, String id, String data, long nanos) {
	}

	private final List<Event> events = new ArrayList<>();

	private final Disposable subscription;

	private volatile boolean ended;

	private Follower(WebClient web, String path) {
		this.subscription = web.get()
			.uri(path)
			.accept(MediaType.TEXT_EVENT_STREAM)
			.retrieve()
			.bodyToFlux(new ParameterizedTypeReference<ServerSentEvent<String>>() {
			})
			.doFinally((s) -> this.ended = true)
			.subscribe((e) -> {
				synchronized (this.events) {
					this.events.add(new Event(e.event(), e.id(), e.data(), System.nanoTime()));
					this.events.notifyAll();
				}
			}, (error) -> {
			});
	}

	/** Opens {@code path} (e.g. {@code /api/watch/CODE/events}) on {@code base}. */
	public static Follower open(String base, String path) {
		return new Follower(WebClient.create(base), path);
	}

	public List<Event> events() {
		synchronized (this.events) {
			return List.copyOf(this.events);
		}
	}

	public boolean ended() {
		return this.ended;
	}

	/** Waits for an event matching {@code test}; the first such event, or null. */
	public Event await(Predicate<Event> test, Duration timeout) throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		synchronized (this.events) {
			while (true) {
				for (Event e : this.events) {
					if (test.test(e)) {
						return e;
					}
				}
				long left = deadline - System.nanoTime();
				if (left <= 0 || this.ended) {
					for (Event e : this.events) {
						if (test.test(e)) {
							return e;
						}
					}
					return null;
				}
				this.events.wait(Math.max(1, left / 1_000_000));
			}
		}
	}

	/** Waits for the event of step {@code step} (or a snapshot at it or beyond). */
	public Event awaitStep(long step, Duration timeout) throws InterruptedException {
		return await((e) -> e.id() != null && Long.parseLong(e.id()) >= step, timeout);
	}

	/**
	 * The steps received one by one (events with an id that are not snapshots), in order
	 * of arrival.
	 */
	public List<Long> steps() {
		return events().stream()
			.filter((e) -> e.id() != null && !"snapshot".equals(e.name()))
			.map((e) -> Long.parseLong(e.id()))
			.toList();
	}

	/** The step of the last snapshot received, or -2. */
	public long lastSnapshot() {
		List<Event> all = events();
		for (int i = all.size() - 1; i >= 0; i--) {
			if ("snapshot".equals(all.get(i).name())) {
				return Long.parseLong(all.get(i).id());
			}
		}
		return -2;
	}

	/** The highest step this client has drawn (by event or snapshot), or -2. */
	public long lastStep() {
		long last = -2;
		for (Event e : events()) {
			if (e.id() != null) {
				long s = Long.parseLong(e.id());
				last = "snapshot".equals(e.name()) ? s : Math.max(last, s);
			}
		}
		return last;
	}

	@Override
	public void close() {
		this.subscription.dispose();
	}

}
