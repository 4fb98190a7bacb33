package dev.racetrack.kernel.conntrack;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.racetrack.kernel.packet.L4Proto;
import dev.racetrack.kernel.packet.Tuple;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ConfirmedIndex} against the sorted map it replaced: the same entries, the same
 * order, the same ends and the same wrapping scan, through a seeded mix of inserts
 * (mostly of new ids, some of ids older than any held, as a packet parked for a neighbour
 * confirms late), removals from the front (expiry), from anywhere (clash losers, kills)
 * and emptying.
 */
class ConfirmedIndexTests {

	@Test
	void agreesWithASortedMapThroughASeededMixOfInsertsAndRemovals() {
		SplittableRandom random = new SplittableRandom(20180222);
		ConfirmedIndex index = new ConfirmedIndex();
		TreeMap<Long, Conntrack> model = new TreeMap<>();
		long nextId = 1;
		List<Long> unconfirmed = new ArrayList<>();
		for (int op = 0; op < 200_000; op++) {
			int kind = random.nextInt(100);
			if (kind < 45) {
				unconfirmed.add(nextId++);
				if (random.nextInt(4) == 0) {
					// a burst of ids that never confirm spreads the ids over pages
					nextId += random.nextInt(3 * ConfirmedIndex.PAGE);
				}
			}
			else if (kind < 75 && !unconfirmed.isEmpty()) {
				// usually the newest unconfirmed id, sometimes an old one
				int at = (random.nextInt(10) == 0) ? random.nextInt(unconfirmed.size()) : unconfirmed.size() - 1;
				long id = unconfirmed.remove(at);
				Conntrack ct = entry(id);
				index.put(id, ct);
				model.put(id, ct);
			}
			else if (kind < 90 && !model.isEmpty()) {
				long id = model.firstKey();
				index.remove(id);
				model.remove(id);
			}
			else if (kind < 99 && !model.isEmpty()) {
				long id = model.ceilingKey(model.firstKey() + random.nextLong(model.lastKey() - model.firstKey() + 1));
				index.remove(id);
				model.remove(id);
			}
			else if (kind == 99) {
				index.remove(nextId + 5);
				for (long id : new ArrayList<>(model.keySet())) {
					if (random.nextInt(8) != 0) {
						index.remove(id);
						model.remove(id);
					}
				}
			}
			assertThat(index.size()).isEqualTo(model.size());
			if (model.isEmpty()) {
				continue;
			}
			assertThat(index.firstId()).isEqualTo(model.firstKey());
			assertThat(index.lastId()).isEqualTo(model.lastKey());
			long probe = model.firstKey() + random.nextLong(model.lastKey() - model.firstKey() + 1);
			assertThat(index.get(probe)).isSameAs(model.get(probe));
			if (op % 97 == 0) {
				assertThat(index.values()).containsExactlyElementsOf(model.values());
				assertThat(index.from(probe, ConntrackTable.EARLY_DROP_SCAN))
					.containsExactlyElementsOf(scan(model, probe, ConntrackTable.EARLY_DROP_SCAN));
			}
		}
		assertThat(index.get(0)).isNull();
		assertThat(index.get(Long.MAX_VALUE / 2)).isNull();
	}

	@Test
	void theScanWrapsRoundAndNeverRepeatsAnEntry() {
		ConfirmedIndex index = new ConfirmedIndex();
		for (long id : new long[] { 3, 5, 2048, 4000 }) {
			index.put(id, entry(id));
		}
		assertThat(index.from(2048, 64)).extracting(Conntrack::id).containsExactly(2048L, 4000L, 3L, 5L);
		assertThat(index.from(4, 3)).extracting(Conntrack::id).containsExactly(5L, 2048L, 4000L);
		index.remove(3);
		index.remove(5);
		assertThat(index.firstId()).isEqualTo(2048);
		index.remove(2048);
		index.remove(4000);
		assertThat(index.isEmpty()).isTrue();
		assertThat(index.values()).isEmpty();
	}

	/** The scan earlyDropVictim made over the sorted map. */
	private static List<Conntrack> scan(TreeMap<Long, Conntrack> map, long start, int limit) {
		List<Conntrack> out = new ArrayList<>();
		Iterator<Conntrack> it = map.tailMap(start, true).values().iterator();
		for (int looked = 0; looked < limit && looked < map.size(); looked++) {
			if (!it.hasNext()) {
				it = map.values().iterator();
			}
			out.add(it.next());
		}
		return out;
	}

	private static Conntrack entry(long id) {
		return new Conntrack(id, new Tuple(L4Proto.TCP, 1, (int) (id % 60000) + 1, 2, 80), 0);
	}

}
