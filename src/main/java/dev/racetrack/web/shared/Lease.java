package dev.racetrack.web.shared;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Something held (a stream slot, a run's budget, a session slot) and given back exactly
 * once, however often {@link #release()} is called.
 */
public final class Lease {

	/** A lease that holds nothing. */
	public static final Lease NONE = new Lease(() -> {
	});

	private final Runnable release;

	private final AtomicBoolean released = new AtomicBoolean();

	public Lease(Runnable release) {
		this.release = release;
	}

	public void release() {
		if (this.released.compareAndSet(false, true)) {
			this.release.run();
		}
	}

	public boolean released() {
		return this.released.get();
	}

	/** This lease and then {@code other}. */
	public Lease and(Lease other) {
		return new Lease(() -> {
			try {
				release();
			}
			finally {
				other.release();
			}
		});
	}

}
