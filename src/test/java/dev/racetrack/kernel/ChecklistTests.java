package dev.racetrack.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The "Model checklist" of {@code src/docs/netfilter-races.md}, item by item, and the
 * tests that check each. Every test listed names its item in its {@code @DisplayName}
 * ("checklist 7"); these tests keep the map honest in both directions: every item has
 * tests, every listed test exists and cites its item, and every test that cites an item
 * is listed.
 *
 * <table>
 * <caption>Checklist item → tests (class#method, under dev.racetrack)</caption>
 * <tr>
 * <th>#</th>
 * <th>Item</th>
 * <th>Tests</th>
 * </tr>
 * <tr>
 * <td>1</td>
 * <td>unconfirmed at −200, invisible to other CPUs until confirm</td>
 * <td>hook.NullBindingTests#unconfirmedUntilPostrouting,
 * conntrack.TupleTakenTests#onlyConfirmedEntriesAreSeen,
 * export.ConntrackListFormatTests#unconfirmedAndExpiredEntriesAreNotListed</td>
 * </tr>
 * <tr>
 * <td>2</td>
 * <td>NAT_DONE on every new entry</td>
 * <td>hook.NullBindingTests#nullBindingsSetNatDone</td>
 * </tr>
 * <tr>
 * <td>3</td>
 * <td>nf_nat_used_tuple: confirmed only, found++</td>
 * <td>conntrack.TupleTakenTests#onlyConfirmedEntriesAreSeen,
 * #sameOriginEntriesAreSkippedFromFiveZero</td>
 * </tr>
 * <tr>
 * <td>4</td>
 * <td>get_unique_tuple steps 1–3</td>
 * <td>nat.GetUniqueTupleTests (7 tests)</td>
 * </tr>
 * <tr>
 * <td>5</td>
 * <td>4.17 rover, secure_port, prandom</td>
 * <td>nat.PortRover417Tests (5 tests)</td>
 * </tr>
 * <tr>
 * <td>6</td>
 * <td>4.17 linear uncapped walk</td>
 * <td>nat.PortRover417Tests#lowPortClasses, #linearWalkIsUncapped,
 * #lastCandidateIsReturnedWhenTheRangeIsExhausted</td>
 * </tr>
 * <tr>
 * <td>7</td>
 * <td>5.0+ and the 4.x stables of Feb 2022: random start (--random still hashed on 4.x),
 * ≤ 248 tries</td>
 * <td>nat.CappedPortSearchTests (5 tests)</td>
 * </tr>
 * <tr>
 * <td>8</td>
 * <td>6.x TIME_WAIT eviction</td>
 * <td>nat.CappedPortSearchTests#timeWaitEvictionInTheLast32Tries, #udpNeverEvicts</td>
 * </tr>
 * <tr>
 * <td>9</td>
 * <td>confirm: ORIGINAL and REPLY checks</td>
 * <td>conntrack.ConfirmClashTests#clashesAreFoundOnOriginalOrReply,
 * nat.PortRover417Tests#lastCandidateIsReturnedWhenTheRangeIsExhausted,
 * VersionTableTests</td>
 * </tr>
 * <tr>
 * <td>10</td>
 * <td>clash rules and counters of §4</td>
 * <td>VersionTableTests, conntrack.ConfirmClashTests#identicalUdpEntries</td>
 * </tr>
 * <tr>
 * <td>11</td>
 * <td>clash entries</td>
 * <td>conntrack.ConfirmClashTests#race3LoserBecomesAClashEntry,
 * export.ConntrackListFormatTests#race3ListsOnlyTheWinnerOnFiveSix</td>
 * </tr>
 * <tr>
 * <td>12</td>
 * <td>TCP never resolves</td>
 * <td>conntrack.ConfirmClashTests#tcpNeverResolves,
 * nat.PortRover417Tests#twoCpusReachTheSamePortFromTheRover, VersionTableTests</td>
 * </tr>
 * <tr>
 * <td>13</td>
 * <td>retries reuse the 5-tuple</td>
 * <td>RetryTests (3 tests)</td>
 * </tr>
 * <tr>
 * <td>14</td>
 * <td>UDP races need two CPUs at once</td>
 * <td>conntrack.ConfirmClashTests#oneCpuAtATimeNeverClashes, VersionTableTests</td>
 * </tr>
 * <tr>
 * <td>15</td>
 * <td>counter formats, insert 0, hex /proc</td>
 * <td>export.ConntrackStatsFormatTests (4 tests), export.ProcStatFormatTests (2 tests),
 * export.ConntrackListFormatTests#tcpEntriesShowStateAndFlags, VersionTableTests (and
 * {@link KernelHarness#checkInvariants()} after every step)</td>
 * </tr>
 * <tr>
 * <td>16</td>
 * <td>statistic 1/(n−i), p = 0.5 for race 3</td>
 * <td>iptables.StatisticTests (4 tests),
 * iptables.IptablesSaveTests#kubeProxyTwoEndpoints, #kubeProxyThreeEndpoints</td>
 * </tr>
 * </table>
 *
 * <p>
 * Not covered here, because they are not kernel behaviour: the resolvers' timing in item
 * 13 (glibc's 5 s, musl's 2.5 s) and the TCP retransmission schedule (1 s, then 3 s, or
 * linear on 6.5+); the kernel model only carries
 * {@link KernelBehaviour#LINEAR_SYN_BACKOFF}.
 * <p>
 * Citations (§N, checklist N, source keys such as [P-ROVER]) are to
 * {@code src/docs/netfilter-races.md}: its sections, its "Model checklist" and its
 * "Sources".
 */
class ChecklistTests {

	/** Item → {@code class#method}, the class relative to {@code dev.racetrack}. */
	static final Map<Integer, List<String>> TESTS = new TreeMap<>(Map.ofEntries(
			Map.entry(1,
					List.of("kernel.hook.NullBindingTests#unconfirmedUntilPostrouting",
							"kernel.conntrack.TupleTakenTests#onlyConfirmedEntriesAreSeen",
							"export.ConntrackListFormatTests#unconfirmedAndExpiredEntriesAreNotListed")),
			Map.entry(2, List.of("kernel.hook.NullBindingTests#nullBindingsSetNatDone")),
			Map.entry(3,
					List.of("kernel.conntrack.TupleTakenTests#onlyConfirmedEntriesAreSeen",
							"kernel.conntrack.TupleTakenTests#sameOriginEntriesAreSkippedFromFiveZero")),
			Map.entry(4,
					List.of("kernel.nat.GetUniqueTupleTests#step1aKeepsTheOriginalTuple",
							"kernel.nat.GetUniqueTupleTests#step1aUsedTupleIsNotKept",
							"kernel.nat.GetUniqueTupleTests#step1bReusesTheSourceMapping",
							"kernel.nat.GetUniqueTupleTests#step3KeepsAFreePort",
							"kernel.nat.GetUniqueTupleTests#dnatToOneFixedPortSkipsTheCheck",
							"kernel.nat.GetUniqueTupleTests#randomFlagsSkipStep1a",
							"kernel.nat.GetUniqueTupleTests#randomFlagsSkipStep3")),
			Map.entry(5,
					List.of("kernel.nat.PortRover417Tests#roverIsWrittenBackAsTheChosenOffset",
							"kernel.nat.PortRover417Tests#roverIsPerProtocolAndSharedByCpus",
							"kernel.nat.PortRover417Tests#twoCpusReachTheSamePortFromTheRover",
							"kernel.nat.PortRover417Tests#randomStartsAtTheSameKeyedHashForEveryPod",
							"kernel.nat.PortRover417Tests#randomFullyStartsAtPrandom")),
			Map.entry(6,
					List.of("kernel.nat.PortRover417Tests#lowPortClasses",
							"kernel.nat.PortRover417Tests#linearWalkIsUncapped",
							"kernel.nat.PortRover417Tests#lastCandidateIsReturnedWhenTheRangeIsExhausted")),
			Map.entry(7,
					List.of("kernel.nat.CappedPortSearchTests#searchStartsAtARandomOffset",
							"kernel.nat.CappedPortSearchTests#concurrentSearchesNoLongerShareAStart",
							"kernel.nat.CappedPortSearchTests#givesUpAfter248Tries",
							"kernel.nat.CappedPortSearchTests#smallRangeIsTriedOnce",
							"kernel.nat.CappedPortSearchTests#randomStillHashesOnTheFourXStables")),
			Map.entry(8,
					List.of("kernel.nat.CappedPortSearchTests#timeWaitEvictionInTheLast32Tries",
							"kernel.nat.CappedPortSearchTests#udpNeverEvicts")),
			Map.entry(9,
					List.of("kernel.conntrack.ConfirmClashTests#clashesAreFoundOnOriginalOrReply",
							"kernel.nat.PortRover417Tests#lastCandidateIsReturnedWhenTheRangeIsExhausted",
							"kernel.VersionTableTests#raceOutcomeFollowsTheVersionTable")),
			Map.entry(10,
					List.of("kernel.VersionTableTests#raceOutcomeFollowsTheVersionTable",
							"kernel.conntrack.ConfirmClashTests#identicalUdpEntries")),
			Map.entry(11,
					List.of("kernel.conntrack.ConfirmClashTests#race3LoserBecomesAClashEntry",
							"export.ConntrackListFormatTests#race3ListsOnlyTheWinnerOnFiveSix")),
			Map.entry(12,
					List.of("kernel.conntrack.ConfirmClashTests#tcpNeverResolves",
							"kernel.nat.PortRover417Tests#twoCpusReachTheSamePortFromTheRover",
							"kernel.VersionTableTests#raceOutcomeFollowsTheVersionTable")),
			Map.entry(13, List.of("kernel.RetryTests#udpRetryFollowsTheWinner",
					"kernel.RetryTests#tcpRetransmitGetsAnotherPort", "kernel.RetryTests#linearSynBackoffOnlyOnSixX")),
			Map.entry(14,
					List.of("kernel.conntrack.ConfirmClashTests#oneCpuAtATimeNeverClashes",
							"kernel.VersionTableTests#raceOutcomeFollowsTheVersionTable")),
			Map.entry(15, List.of("export.ConntrackStatsFormatTests#reproducesAPublishedFourXLine",
					"export.ConntrackStatsFormatTests#attributesFollowTheKernel",
					"export.ConntrackStatsFormatTests#tcpRaceOnFourSeventeen",
					"export.ConntrackStatsFormatTests#tcpRaceOnSixX",
					"export.ProcStatFormatTests#tcpRaceOnFourSeventeen", "export.ProcStatFormatTests#tcpRaceOnSixX",
					"export.ConntrackListFormatTests#tcpEntriesShowStateAndFlags",
					"kernel.VersionTableTests#raceOutcomeFollowsTheVersionTable")),
			Map.entry(16,
					List.of("kernel.iptables.StatisticTests#probabilitiesAsIptablesPrintsThem",
							"kernel.iptables.StatisticTests#endpointsShareTheTrafficEvenly",
							"kernel.iptables.StatisticTests#halfOfThePairsDiffer",
							"kernel.iptables.StatisticTests#chainNamesMatchTheWeaveArticle",
							"kernel.iptables.IptablesSaveTests#kubeProxyTwoEndpoints",
							"kernel.iptables.IptablesSaveTests#kubeProxyThreeEndpoints"))));

	/** "checklist 7", "checklist 5, 12", "checklist items 9, 10, 12, 14". */
	private static final Pattern CITATION = Pattern.compile("checklist(?: items?)? ((?:\\d+(?:, | and ))*\\d+)");

	private static final Path TEST_SOURCES = Path.of("src", "test", "java", "dev", "racetrack");

	@Test
	@DisplayName("Every one of the 16 checklist items has at least one test")
	void everyItemHasTests() {
		assertThat(TESTS.keySet()).containsExactlyElementsOf(IntStream.rangeClosed(1, 16).boxed().toList());
		TESTS.forEach((item, tests) -> assertThat(tests).as("tests of checklist %d", item).isNotEmpty());
	}

	static Stream<Integer> items() {
		return IntStream.rangeClosed(1, 16).boxed();
	}

	@ParameterizedTest(name = "checklist {0}")
	@MethodSource("items")
	@DisplayName("Every listed test exists, is a test, and cites its item in its @DisplayName")
	void listedTestsCiteTheirItem(int item) throws ClassNotFoundException {
		for (String ref : TESTS.get(item)) {
			Method method = method(ref);
			assertThat(method.isAnnotationPresent(Test.class) || method.isAnnotationPresent(ParameterizedTest.class))
				.as("%s is a test", ref)
				.isTrue();
			DisplayName name = method.getAnnotation(DisplayName.class);
			assertThat(name).as("%s has a @DisplayName", ref).isNotNull();
			assertThat(cited(name.value())).as("%s cites checklist %d", ref, item).contains(item);
		}
	}

	@Test
	@DisplayName("Every test whose @DisplayName cites a checklist item is listed under that item")
	void everyCitationIsListed() {
		Map<Integer, Set<String>> listed = new TreeMap<>();
		TESTS.forEach((item, tests) -> listed.put(item, new HashSet<>(tests)));
		List<String> missing = new ArrayList<>();
		for (Method method : testMethods()) {
			DisplayName name = method.getAnnotation(DisplayName.class);
			if (name == null) {
				continue;
			}
			String ref = method.getDeclaringClass().getName().substring("dev.racetrack.".length()) + "#"
					+ method.getName();
			for (int item : cited(name.value())) {
				if (!listed.getOrDefault(item, Set.of()).contains(ref)) {
					missing.add("checklist " + item + ": " + ref);
				}
			}
		}
		assertThat(missing).as("cited but not listed in ChecklistTests.TESTS").isEmpty();
	}

	static List<Integer> cited(String text) {
		List<Integer> items = new ArrayList<>();
		Matcher m = CITATION.matcher(text);
		while (m.find()) {
			for (String n : m.group(1).split(", | and ")) {
				items.add(Integer.parseInt(n));
			}
		}
		return items;
	}

	private static Method method(String ref) throws ClassNotFoundException {
		String[] parts = ref.split("#");
		Class<?> type = Class.forName("dev.racetrack." + parts[0]);
		for (Method m : type.getDeclaredMethods()) {
			if (m.getName().equals(parts[1])) {
				return m;
			}
		}
		return fail("no method %s", ref);
	}

	/** The test methods of every test class under {@code src/test/java/dev/racetrack}. */
	private static List<Method> testMethods() {
		List<Method> methods = new ArrayList<>();
		try (Stream<Path> files = Files.walk(TEST_SOURCES)) {
			for (Path file : files.filter((f) -> f.toString().endsWith("Tests.java")).toList()) {
				String name = TEST_SOURCES.relativize(file).toString().replace(".java", "").replace('/', '.');
				Class<?> type = Class.forName("dev.racetrack." + name);
				for (Method m : type.getDeclaredMethods()) {
					if (m.isAnnotationPresent(Test.class) || m.isAnnotationPresent(ParameterizedTest.class)) {
						methods.add(m);
					}
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (ClassNotFoundException ex) {
			throw new IllegalStateException(ex);
		}
		assertThat(methods).as("test methods found under %s", TEST_SOURCES.toAbsolutePath()).hasSizeGreaterThan(50);
		return methods;
	}

}
