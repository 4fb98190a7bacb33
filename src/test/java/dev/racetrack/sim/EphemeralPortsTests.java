package dev.racetrack.sim;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sparse perturbation table of {@link EphemeralPorts} reads as the kernel's
 * {@code table_perturb} array would.
 */
class EphemeralPortsTests {

	@Test
	void theSparseSlotsReadAsTheWholeArrayWould() {
		int[] whole = new int[1 << 16];
		EphemeralPorts.Slots sparse = new EphemeralPorts.Slots();
		SplittableRandom random = new SplittableRandom(7);
		for (int i = 0; i < 200_000; i++) {
			// mostly a few hundred hot slots, as a run's (pod, destination) pairs are
			int slot = (i % 3 == 0) ? random.nextInt(1 << 16) : random.nextInt(300) * 211;
			if (random.nextBoolean()) {
				int delta = 2 + 2 * random.nextInt(8);
				whole[slot] += delta;
				sparse.add(slot, delta);
			}
			else {
				assertThat(sparse.get(slot)).as("slot %d", slot).isEqualTo(whole[slot]);
			}
		}
		int written = 0;
		for (int slot = 0; slot < whole.length; slot++) {
			assertThat(sparse.get(slot)).isEqualTo(whole[slot]);
			if (whole[slot] != 0) {
				written++;
			}
		}
		assertThat(sparse.size()).isEqualTo(written);
	}

}
