package dev.racetrack.diagnose;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.racetrack.diagnose.PasteReader.Disposition;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Diagnoses every real paste of {@code src/test/resources/diagnose/corpus/} (kept
 * verbatim, with its source and the thread's conclusion in the JSON beside it) and checks
 * the diagnosis against that conclusion: the kernel read, the races exposed, the verdict
 * and the first fix. Every line is accounted for: read, noise (blank, fence, prompt,
 * command), prose without a digit or {@code =}, or listed as unread with a reason.
 */
class CorpusTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final List<String> VERDICTS = new ArrayList<>();

	static Stream<String> pastes() throws IOException, URISyntaxException {
		try (Stream<Path> files = Files.list(corpus())) {
			return files.map((p) -> p.getFileName().toString())
				.filter((n) -> n.endsWith(".txt"))
				.map((n) -> n.substring(0, n.length() - 4))
				.sorted()
				.toList()
				.stream();
		}
	}

	private static Path corpus() throws URISyntaxException {
		return Paths.get(CorpusTests.class.getResource("/diagnose/corpus").toURI());
	}

	@Test
	void corpusHasAtLeastThirtyPastesEachWithItsSource() throws Exception {
		List<String> ids = pastes().toList();
		assertThat(ids).hasSizeGreaterThanOrEqualTo(30);
		for (String id : ids) {
			JsonNode meta = JSON.readTree(Files.readString(corpus().resolve(id + ".json")));
			assertThat(meta.path("source").asString()).as(id).startsWith("https://");
			assertThat(meta.path("date").asString()).as(id).matches("\\d{4}-\\d{2}(-\\d{2})?");
			assertThat(meta.path("threadConclusion").asString()).as(id).isNotBlank();
		}
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("pastes")
	void diagnosisAgreesWithTheThread(String id) throws Exception {
		String paste = Files.readString(corpus().resolve(id + ".txt"), StandardCharsets.UTF_8);
		JsonNode expect = JSON.readTree(Files.readString(corpus().resolve(id + ".json"))).path("expect");
		Diagnoser.Reading reading = new Diagnoser().read(NodeSample.pasted(paste, null));
		Diagnosis diagnosis = reading.diagnosis();
		VERDICTS.add(id + ": [" + diagnosis.verdict().severity().id() + "] " + diagnosis.verdict().line());
		everyLineIsAccountedFor(id, paste, reading);
		checkKernel(id, expect, diagnosis);
		checkVerdict(id, expect, diagnosis);
		checkFindings(id, expect, diagnosis);
		checkFacts(id, expect, reading, diagnosis);
	}

	private static void everyLineIsAccountedFor(String id, String paste, Diagnoser.Reading reading) {
		PastedText text = PastedText.of(paste);
		for (int n = 1; n <= text.size(); n++) {
			String line = text.line(n);
			Disposition disposition = reading.disposition(NodeSample.PASTE, n);
			assertThat(disposition).as(id + " line " + n + ": " + line).isNotNull();
			int number = n;
			switch (disposition) {
				case UNREAD -> assertThat(reading.unread())
					.as(id + " line " + n + " is unread, so it is listed with a reason: " + line)
					.anySatisfy((u) -> {
						assertThat(u.field()).isEqualTo(NodeSample.PASTE);
						assertThat(u.covers(number)).isTrue();
						assertThat(u.reason()).isNotBlank();
					});
				case PROSE -> assertThat(line).as(id + " line " + n + " is prose, so it holds no fact")
					.doesNotContainPattern("[0-9=]");
				case NOISE -> assertThat(isNoise(line)).as(id + " line " + n + " is noise: " + line).isTrue();
				case READ -> {
				}
			}
		}
	}

	/** Blank, a fence, a prompt or command, or a comment without a digit. */
	private static boolean isNoise(String line) {
		ShellNoise.Cleaned cleaned = ShellNoise.clean(line);
		return cleaned.kind() != ShellNoise.Kind.CONTENT
				|| ((cleaned.output().startsWith("#") || cleaned.output().startsWith(";")
						|| cleaned.output().startsWith("//")) && !cleaned.output().matches(".*[0-9=].*"));
	}

	private static void checkKernel(String id, JsonNode expect, Diagnosis diagnosis) {
		JsonNode kernel = expect.path("kernel");
		if (kernel.isNull() || kernel.isMissingNode()) {
			assertThat(diagnosis.profile().uname()).as(id + ": no kernel in the paste").isEmpty();
		}
		else {
			assertThat(diagnosis.profile().uname()).as(id + ": kernel read").isEqualTo(kernel.asString());
		}
		if (expect.has("distribution")) {
			assertThat(diagnosis.profile().distribution()).as(id + ": distribution")
				.startsWith(expect.path("distribution").asString());
		}
		if (expect.has("profile")) {
			assertThat(diagnosis.profile().profile().id()).as(id + ": profile")
				.isEqualTo(expect.path("profile").asString());
		}
		for (Map.Entry<String, JsonNode> race : expect.path("races").properties()) {
			assertThat(diagnosis.profile().fixes().race(race.getKey()).name()).as(id + ": " + race.getKey())
				.isEqualTo(race.getValue().asString());
		}
	}

	private static void checkVerdict(String id, JsonNode expect, Diagnosis diagnosis) {
		Verdict verdict = diagnosis.verdict();
		if (expect.has("verdictSeverity") && !expect.path("verdictSeverity").isNull()) {
			assertThat(verdict.severity().id()).as(id + ": verdict severity of " + verdict.line())
				.isEqualTo(expect.path("verdictSeverity").asString());
		}
		for (JsonNode text : expect.path("verdictContains")) {
			assertThat(verdict.text()).as(id + ": verdict").contains(text.asString());
		}
		for (JsonNode text : expect.path("firstFixContains")) {
			assertThat(verdict.firstFix()).as(id + ": first fix").contains(text.asString());
		}
		if (expect.path("noCritical").asBoolean(false)) {
			assertThat(diagnosis.findings()).as(id + ": one cumulative sample is never critical")
				.noneMatch((f) -> f.severity() == Severity.CRITICAL);
		}
	}

	private static void checkFindings(String id, JsonNode expect, Diagnosis diagnosis) {
		for (Map.Entry<String, JsonNode> finding : expect.path("findings").properties()) {
			Finding found = diagnosis.findings()
				.stream()
				.filter((f) -> f.id().equals(finding.getKey()))
				.findFirst()
				.orElse(null);
			assertThat(found).as(id + ": finding " + finding.getKey()).isNotNull();
			if (!finding.getValue().isNull()) {
				assertThat(found.severity().id()).as(id + ": severity of " + finding.getKey())
					.isEqualTo(finding.getValue().asString());
			}
		}
		for (JsonNode absent : expect.path("noFinding")) {
			assertThat(diagnosis.findings()).as(id + ": no " + absent.asString())
				.noneMatch((f) -> f.id().equals(absent.asString()));
		}
		for (JsonNode text : expect.path("mustNotRecommend")) {
			assertThat(diagnosis.findings().stream().flatMap((f) -> f.mitigations().stream()))
				.as(id + ": never recommends what is present")
				.noneMatch((m) -> m.contains(text.asString()));
		}
		for (JsonNode text : expect.path("evidenceContains")) {
			assertThat(diagnosis.findings().stream().flatMap((f) -> f.evidence().stream())).as(id + ": evidence")
				.anyMatch((e) -> e.contains(text.asString()));
		}
		List<String> evidence = diagnosis.findings().stream().flatMap((f) -> f.evidence().stream()).toList();
		assertThat(evidence).as(id + ": evidence is shown once").doesNotHaveDuplicates();
	}

	private static void checkFacts(String id, JsonNode expect, Diagnoser.Reading reading, Diagnosis diagnosis) {
		PasteReader.Sorted sorted = reading.sorted().get(NodeSample.PASTE);
		if (expect.has("cpus")) {
			List<ConntrackStats> samples = ConntrackStatsParser.samples(sorted.of(PasteFormat.CONNTRACK_STATS), false);
			assertThat(samples.get(0).cpus()).as(id + ": CPUs read").hasSize(expect.path("cpus").asInt());
		}
		if (expect.path("firstCpuOnly").asBoolean(false)) {
			List<ConntrackStats> samples = ConntrackStatsParser.samples(sorted.of(PasteFormat.CONNTRACK_STATS),
					sorted.hints().contains(PasteHints.CONNTRACK_NOT_ROOT));
			assertThat(samples.get(0).firstCpuOnly()).as(id + ": summary form is the first CPU").isTrue();
		}
		if (expect.has("exposedRules")) {
			assertThat(diagnosis.findings()
				.stream()
				.filter((f) -> f.id().equals(SnatPortRaceRule.ID))
				.flatMap((f) -> f.evidence().stream())
				.filter((e) -> e.contains("(no --random-fully)") || e.contains("(--random only"))
				.count()).as(id + ": exposed MASQUERADE/SNAT rules").isEqualTo(expect.path("exposedRules").asLong());
		}
		if (expect.has("race3Services")) {
			assertThat(diagnosis.findings()
				.stream()
				.filter((f) -> f.id().equals("dnat-race-3"))
				.flatMap((f) -> f.evidence().stream())
				.filter((e) -> e.contains("endpoints"))
				.count()).as(id + ": UDP services with several endpoints")
				.isEqualTo(expect.path("race3Services").asLong());
		}
		if (expect.has("conntrackEntries")) {
			NodeExtras extras = NodeExtras.read(sorted, sorted.commands());
			assertThat(extras.conntrackList().entries()).as(id + ": conntrack -L entries")
				.isEqualTo(expect.path("conntrackEntries").asInt());
		}
		if (expect.has("dnsPods")) {
			NodeExtras extras = NodeExtras.read(sorted, sorted.commands());
			assertThat(extras.dnsPods().stream().filter(NodeExtras.Pod::dnsServer).count())
				.as(id + ": cluster DNS pods listed")
				.isEqualTo(expect.path("dnsPods").asLong());
		}
		if (expect.has("dnsEndpoints")) {
			NodeExtras extras = NodeExtras.read(sorted, sorted.commands());
			assertThat(extras.dnsEndpoints()).as(id + ": the cluster DNS service's endpoints as pasted")
				.hasValueSatisfying((e) -> assertThat(e.count()).isEqualTo(expect.path("dnsEndpoints").asInt()));
		}
		if (expect.has("nodeLocalDnsServing")) {
			NodeExtras extras = NodeExtras.read(sorted, sorted.commands());
			assertThat(!extras.nodeLocalDnsServing().isEmpty()).as(id + ": NodeLocal DNSCache pods serving")
				.isEqualTo(expect.path("nodeLocalDnsServing").asBoolean());
		}
		if (expect.has("dnsServiceIp")) {
			NodeExtras extras = NodeExtras.read(sorted, sorted.commands());
			assertThat(extras.dnsService()).as(id + ": the cluster DNS service's ClusterIP")
				.hasValueSatisfying(
						(svc) -> assertThat(svc.clusterIp()).isEqualTo(expect.path("dnsServiceIp").asString()));
		}
		for (Map.Entry<String, JsonNode> sysctl : expect.path("sysctl").properties()) {
			NodeExtras extras = NodeExtras.read(sorted, sorted.commands());
			assertThat(extras.sysctl()).as(id + ": sysctl")
				.containsEntry(sysctl.getKey(), sysctl.getValue().asString());
		}
		JsonNode resolver = expect.path("resolver");
		if (!resolver.isMissingNode()) {
			ResolverConfig config = ResolvConfParser.parse(sorted.of(PasteFormat.RESOLV_CONF), sorted.commands());
			if (resolver.has("ndots")) {
				assertThat(config.ndots()).as(id + ": ndots").isEqualTo(resolver.path("ndots").asInt());
			}
			if (resolver.has("nameserver")) {
				assertThat(config.nameservers()).as(id + ": first nameserver")
					.first()
					.isEqualTo(resolver.path("nameserver").asString());
			}
			if (resolver.has("search")) {
				assertThat(config.search()).as(id + ": search list").hasSize(resolver.path("search").asInt());
			}
		}
		for (JsonNode format : expect.path("formats")) {
			assertThat(diagnosis.read()).as(id + ": outputs found")
				.anyMatch((r) -> r.startsWith(format.asString() + ": line"));
		}
		for (JsonNode number : expect.path("readLines")) {
			assertThat(reading.disposition(NodeSample.PASTE, number.asInt()))
				.as(id + ": line " + number.asInt() + " is read")
				.isEqualTo(Disposition.READ);
		}
		for (JsonNode text : expect.path("unreadContains")) {
			assertThat(diagnosis.unreadLines()).as(id + ": unread reasons")
				.anyMatch((u) -> u.reason().contains(text.asString()));
		}
	}

	@AfterAll
	static void writeVerdicts() throws IOException {
		Path out = Paths.get("target", "corpus-verdicts.txt");
		Files.createDirectories(out.getParent());
		Files.write(out, VERDICTS.stream().sorted().toList());
	}

}
