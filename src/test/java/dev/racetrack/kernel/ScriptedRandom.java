package dev.racetrack.kernel;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A {@link KernelRandom} whose next {@code prandom_u32()} values a test chooses, so that
 * a port search's random start is known in advance; once the script is used up it falls
 * back to a seeded sequence. {@code net_secret} is fixed.
 */
public final class ScriptedRandom implements KernelRandom {

	private final Deque<Integer> script = new ArrayDeque<>();

	private final KernelRandom fallback;

	private int draws;

	public ScriptedRandom(long fallbackSeed) {
		this.fallback = KernelRandom.seeded(fallbackSeed);
	}

	/** Queues the values the next {@code prandom_u32()} calls return. */
	public ScriptedRandom next(int... values) {
		for (int v : values) {
			this.script.add(v);
		}
		return this;
	}

	@Override
	public int prandomU32() {
		this.draws++;
		Integer v = this.script.poll();
		return (v != null) ? v : this.fallback.prandomU32();
	}

	@Override
	public long netSecret() {
		return 0x5EC12E7L;
	}

	/** How many {@code prandom_u32()} calls were made so far. */
	public int draws() {
		return this.draws;
	}

	/** How many scripted values are still queued. */
	public int queued() {
		return this.script.size();
	}

}
