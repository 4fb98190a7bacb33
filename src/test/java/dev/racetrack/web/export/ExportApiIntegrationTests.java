package dev.racetrack.web.export;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import reactor.core.publisher.Flux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.reactive.function.BodyInserters;

import dev.racetrack.Golden;
import dev.racetrack.export.InterfaceCapture;
import dev.racetrack.kernel.KernelProfile;
import dev.racetrack.scenario.ScenarioRunner;
import dev.racetrack.scenario.Scenarios;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.Tracer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The export endpoints: tool text at a step from the live model, iptables rules, pcap per
 * interface, the event log and its import (trusted only through a replay), and 400
 * problem details naming the parameter for every bad input.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@AutoConfigureWebTestClient
class ExportApiIntegrationTests {

	static final String RACE3 = "scenario=dnat-race-3&kernel=5.6";

	static final String SNAT = "scenario=snat-port-race&kernel=4.17";

	@Autowired
	WebTestClient client;

	@Autowired
	JsonMapper json;

	@LocalServerPort
	int port;

	@Test
	@DisplayName("conntrack -L right after the clash of race 3 on 5.6 lists only the winner: the clash entry is counted in /proc but hidden")
	void conntrackListAfterTheClashShowsOnlyTheWinner() {
		int clash = stepOf(RACE3, "ct-clash");
		EntityExchangeResult<String> list = text("/api/export/conntrack?" + RACE3 + "&format=list&step=" + clash);
		Golden.assertMatches("export-conntrack-L-dnat-race-3-5.6-after-clash.txt", list.getResponseBody());
		assertThat(list.getResponseHeaders().getFirst("X-Conntrack-Summary"))
			.isEqualTo("conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.");
		assertThat(list.getResponseHeaders().getFirst("X-Racetrack-Step")).isEqualTo(String.valueOf(clash));
		String proc = text("/api/export/conntrack?" + RACE3 + "&format=proc&step=" + clash).getResponseBody();
		assertThat(proc.lines().skip(1)).as("nf_conntrack_count holds the winner and the clash entry")
			.allSatisfy((row) -> assertThat(row).startsWith("00000002  "));
		String before = text("/api/export/conntrack?" + RACE3 + "&format=list&step=" + (clash - 1)).getResponseBody();
		assertThat(before).as("one step earlier: the same winner, confirmed").isEqualTo(list.getResponseBody());
		String first = text("/api/export/conntrack?" + RACE3 + "&format=list&step=0").getResponseBody();
		assertThat(first).as("at step 0 nothing is confirmed").isNullOrEmpty();
	}

	@Test
	@DisplayName("conntrack -S and /proc/net/stat/nf_conntrack: zero before the SNAT race's clash, insert_failed and drop on CPU 1 from that step on")
	void statsCountTheDropFromItsStep() {
		int clash = stepOf(SNAT, "ct-clash");
		String zero = "found=0 invalid=0 ignore=0 insert=0 insert_failed=0 drop=0 early_drop=0 error=0 search_restart=0 \n";
		assertThat(text("/api/export/conntrack?" + SNAT + "&format=stats&step=" + (clash - 1)).getResponseBody())
			.isEqualTo("cpu=0   \t" + zero + "cpu=1   \t" + zero);
		assertThat(text("/api/export/conntrack?" + SNAT + "&format=stats&step=" + clash).getResponseBody()).isEqualTo(
				"cpu=0   \t" + zero + "cpu=1   \t" + zero.replace("insert_failed=0 drop=0", "insert_failed=1 drop=1"));
		String proc = text("/api/export/conntrack?" + SNAT + "&format=proc").getResponseBody();
		assertThat(proc.lines().toList()).hasSize(3);
		assertThat(proc.lines().toList().get(0)).startsWith("entries  searched found new");
		assertThat(proc.lines().toList().get(2)).contains(" 00000001 00000001 ");
	}

	@Test
	@DisplayName("the step defaults to the last one: the same text as ?step=total-1")
	void theDefaultStepIsTheLast() {
		int total = total(SNAT);
		EntityExchangeResult<String> byDefault = text("/api/export/conntrack?" + SNAT);
		assertThat(byDefault.getResponseHeaders().getFirst("X-Racetrack-Step")).isEqualTo(String.valueOf(total - 1));
		assertThat(text("/api/export/conntrack?" + SNAT + "&step=" + (total - 1)).getResponseBody())
			.isEqualTo(byDefault.getResponseBody());
	}

	@Test
	@DisplayName("iptables -t nat -S and -t raw -S: MASQUERADE and kube-proxy chains; NOTRACK in raw with nodelocal-dns")
	void iptablesRules() {
		String nat = text("/api/export/iptables?" + RACE3).getResponseBody();
		assertThat(nat).startsWith("-P PREROUTING ACCEPT\n")
			.contains("-A POSTROUTING -s 10.32.0.0/12 ! -d 224.0.0.0/4 -j MASQUERADE\n")
			.contains("-j DNAT --to-destination 10.32.0.7:53");
		assertThat(text("/api/export/iptables?" + RACE3 + "&table=raw").getResponseBody())
			.isEqualTo("-P PREROUTING ACCEPT\n-P OUTPUT ACCEPT\n");
		assertThat(text("/api/export/iptables?" + RACE3 + "&table=raw&mitigation=nodelocal-dns").getResponseBody())
			.contains("-j NOTRACK");
	}

	@Test
	@DisplayName("GET /api/export/pcap: application/vnd.tcpdump.pcap, a download named after the run and the interface, the frames up to the step")
	void pcapPerInterface() {
		EntityExchangeResult<byte[]> cni0 = this.client.get()
			.uri("/api/export/pcap?" + SNAT + "&iface=cni0")
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentType("application/vnd.tcpdump.pcap")
			.expectHeader()
			.valueEquals("Content-Disposition", "attachment; filename=\"snat-port-race-4.17-seed1-cni0.pcap\"")
			.expectBody(byte[].class)
			.returnResult();
		byte[] body = cni0.getResponseBody();
		assertThat(ByteBuffer.wrap(body).getInt()).isEqualTo(0xa1b23c4d);
		NodeRun run = ScenarioRunner.run(
				Scenarios.byId("snat-port-race").orElseThrow().defaults().withKernel(KernelProfile.V4_17),
				Tracer.recording(1_000_000));
		assertThat(body).isEqualTo(InterfaceCapture.pcap(run.trace().events(), run.topology(), "cni0"));

		int clash = stepOf(SNAT, "ct-clash");
		byte[] eth0AtClash = pcap("/api/export/pcap?" + SNAT + "&iface=eth0&step=" + clash);
		byte[] cni0AtClash = pcap("/api/export/pcap?" + SNAT + "&iface=cni0&step=" + clash);
		assertThat(eth0AtClash).as("at the clash nothing has left on eth0 yet: the header alone").hasSize(24);
		assertThat(records(cni0AtClash)).as("both SYNs are on cni0").isEqualTo(2);
		this.client.get()
			.uri("/api/export/pcap?" + SNAT + "&iface=veth-b&step=" + clash)
			.exchange()
			.expectHeader()
			.valueEquals("Content-Disposition",
					"attachment; filename=\"snat-port-race-4.17-seed1-step" + clash + "-veth-b.pcap\"");
		assertThat(pcap("/api/export/pcap?" + SNAT + "&iface=eth0&mode=random-fully")).isNotEmpty();
		this.client.get()
			.uri("/api/export/pcap?" + SNAT + "&iface=eth0&mode=random-fully")
			.exchange()
			.expectHeader()
			.valueEquals("Content-Disposition",
					"attachment; filename=\"snat-port-race-4.17-random-fully-seed1-eth0.pcap\"");
	}

	@Test
	@DisplayName("GET /api/export/events: {params, events} as a JSON download; ?step=N gives the first N + 1 events")
	void eventLogExport() {
		int total = total(SNAT);
		EntityExchangeResult<byte[]> log = this.client.get()
			.uri("/api/export/events?" + SNAT)
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
			.expectHeader()
			.valueEquals("Content-Disposition", "attachment; filename=\"snat-port-race-4.17-seed1-events.json\"")
			.expectBody()
			.returnResult();
		JsonNode node = this.json.readTree(log.getResponseBody());
		assertThat(node.propertyNames()).containsExactly("params", "events");
		assertThat(node.get("params").get("seed").asLong()).isEqualTo(1);
		assertThat(node.get("events").size()).isEqualTo(total);
		JsonNode atTen = this.json.readTree(events("/api/export/events?" + SNAT + "&step=10"));
		assertThat(atTen.get("events").size()).isEqualTo(11);
		assertThat(atTen.get("events").get(10)).isEqualTo(node.get("events").get(10));
	}

	@Test
	@DisplayName("POST /api/export/events: an exported log replays to the same trace, byte for byte")
	void importRoundTrip() {
		byte[] log = events("/api/export/events?" + RACE3 + "&seed=2");
		int total = total(RACE3 + "&seed=2");
		importLog(log).jsonPath("$.matches")
			.isEqualTo(true)
			.jsonPath("$.events")
			.isEqualTo(total)
			.jsonPath("$.total")
			.isEqualTo(total)
			.jsonPath("$.complete")
			.isEqualTo(true)
			.jsonPath("$.params.seed")
			.isEqualTo(2)
			.jsonPath("$.firstDifference")
			.doesNotExist();
		importLog(events("/api/export/events?" + RACE3 + "&seed=2&step=20")).jsonPath("$.matches")
			.isEqualTo(true)
			.jsonPath("$.events")
			.isEqualTo(21)
			.jsonPath("$.complete")
			.isEqualTo(false);
		importLog("{\"params\":{\"scenario\":\"dnat-race-3\",\"kernel\":\"5.6\",\"seed\":2}}"
			.getBytes(StandardCharsets.UTF_8)).jsonPath("$.matches")
			.isEqualTo(true)
			.jsonPath("$.events")
			.isEqualTo(0)
			.jsonPath("$.total")
			.isEqualTo(total)
			.jsonPath("$.params.kernel")
			.isEqualTo("5.6");
	}

	@Test
	@DisplayName("POST /api/export/events: a tampered log reports the first differing step, the model's event and the log's")
	void importTamperedLog() {
		ObjectNode log = (ObjectNode) this.json.readTree(events("/api/export/events?" + SNAT));
		ArrayNode events = (ArrayNode) log.get("events");
		int clash = stepOf(SNAT, "ct-clash");
		((ObjectNode) events.get(clash)).put("text", "CPU 1: nothing happened here.");
		((ObjectNode) events.get(clash + 5)).put("cpu", 0);
		importLog(this.json.writeValueAsBytes(log)).jsonPath("$.matches")
			.isEqualTo(false)
			.jsonPath("$.firstDifference")
			.isEqualTo(clash)
			.jsonPath("$.expected.type")
			.isEqualTo("ct-clash")
			.jsonPath("$.expected.text")
			.value((t) -> assertThat((String) t).contains("loses the race"))
			.jsonPath("$.got.text")
			.isEqualTo("CPU 1: nothing happened here.");

		ObjectNode other = (ObjectNode) this.json.readTree(events("/api/export/events?" + SNAT));
		((ObjectNode) other.get("params")).put("mode", "random-fully");
		importLog(this.json.writeValueAsBytes(other)).jsonPath("$.matches")
			.isEqualTo(false)
			.jsonPath("$.params.mode")
			.isEqualTo("random-fully")
			.jsonPath("$.firstDifference")
			.value((s) -> assertThat((Integer) s).isPositive().isLessThan(clash));

		ObjectNode longer = (ObjectNode) this.json.readTree(events("/api/export/events?" + SNAT));
		ArrayNode more = (ArrayNode) longer.get("events");
		int total = more.size();
		ObjectNode extra = ((ObjectNode) more.get(total - 1)).deepCopy();
		extra.put("seq", total);
		more.add(extra);
		importLog(this.json.writeValueAsBytes(longer)).jsonPath("$.matches")
			.isEqualTo(false)
			.jsonPath("$.firstDifference")
			.isEqualTo(total)
			.jsonPath("$.expected")
			.isEmpty();
	}

	static Stream<Arguments> badExports() {
		return Stream.of(Arguments.of("/api/export/conntrack?format=xml", "format", "one of list, stats, proc"),
				Arguments.of("/api/export/conntrack?step=-1", "step", "an integer from 0 to "),
				Arguments.of("/api/export/conntrack?step=100000", "step", "an integer from 0 to "),
				Arguments.of("/api/export/conntrack?step=abc", "step", "an integer from 0 to "),
				Arguments.of("/api/export/iptables?table=filter", "table", "one of nat, raw"),
				Arguments.of("/api/export/iptables?kernel=5.4", "kernel", "one of 4.17"),
				Arguments.of("/api/export/pcap?iface=wlan0", "iface", "one of veth-a, veth-b, cni0, eth0"),
				Arguments.of("/api/export/pcap", "iface", "one of veth-a, veth-b, cni0, eth0"),
				Arguments.of("/api/export/pcap?iface=eth0&step=1e3", "step", "an integer from 0 to "),
				Arguments.of("/api/export/events?pods=0", "pods", "an integer from 1 to 128"),
				Arguments.of("/api/export/events?step=999999", "step", "an integer from 0 to "));
	}

	@ParameterizedTest(name = "{0} gets 400 naming {1}")
	@MethodSource("badExports")
	void aBadParameterGets400(String uri, String parameter, String accepted) {
		this.client.get()
			.uri(uri)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.parameter")
			.isEqualTo(parameter)
			.jsonPath("$.accepted")
			.value((a) -> assertThat((String) a).startsWith(accepted));
	}

	@Test
	@DisplayName("a step out of range names the run's range")
	void aStepOutOfRangeNamesTheRange() {
		int total = total(SNAT);
		this.client.get()
			.uri("/api/export/conntrack?" + SNAT + "&step=" + total)
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectBody()
			.jsonPath("$.accepted")
			.isEqualTo("an integer from 0 to " + (total - 1));
	}

	static Stream<Arguments> badImports() {
		return Stream.of(Arguments.of("", "body"), Arguments.of("not json", "body"), Arguments.of("[1,2]", "body"),
				Arguments.of("{\"events\":[]}", "params"), Arguments.of("{\"params\":{\"colour\":\"red\"}}", "params"),
				Arguments.of("{\"params\":{\"kernel\":\"9.9\"}}", "params.kernel"),
				Arguments.of("{\"params\":{\"pods\":[1]}}", "params.pods"),
				Arguments.of("{\"params\":{\"seed\":-1}}", "params.seed"),
				Arguments.of("{\"params\":{},\"events\":{}}", "events"),
				Arguments.of(
						"{\"params\":{},\"events\":[{\"seq\":0,\"t\":0,\"type\":\"flow-start\"},{\"t\":1,\"type\":\"x\"}]}",
						"events[1]"),
				Arguments.of("{\"params\":{},\"events\":[{\"seq\":0,\"t\":-5,\"type\":\"flow-start\"}]}", "events[0]"),
				Arguments.of("{\"params\":{},\"events\":[{\"seq\":0,\"t\":0}]}", "events[0]"),
				Arguments.of("{\"params\":{},\"events\":[7]}", "events[0]"));
	}

	@ParameterizedTest(name = "{0} gets 400 naming {1}")
	@MethodSource("badImports")
	void aBadImportGets400(String body, String parameter) {
		this.client.post()
			.uri("/api/export/events")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body.getBytes(StandardCharsets.UTF_8))
			.exchange()
			.expectStatus()
			.isBadRequest()
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.parameter")
			.isEqualTo(parameter);
	}

	@Test
	@DisplayName("an import over 8 MiB gets 413, whatever its Content-Length says")
	void aTooLargeImportGets413() {
		byte[] big = new byte[ExportApiController.MAX_IMPORT_BYTES + 1];
		Arrays.fill(big, (byte) ' ');
		big[0] = '{';
		big[big.length - 1] = '}';
		unpooled().post()
			.uri("/api/export/events")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(big)
			.exchange()
			.expectStatus()
			.isEqualTo(413)
			.expectHeader()
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.expectBody()
			.jsonPath("$.limitBytes")
			.isEqualTo(ExportApiController.MAX_IMPORT_BYTES);
	}

	@Test
	@DisplayName("a chunked import (no Content-Length) is cut at 8 MiB as it streams in")
	void aChunkedTooLargeImportGets413() {
		DefaultDataBufferFactory factory = DefaultDataBufferFactory.sharedInstance;
		byte[] chunk = new byte[1024 * 1024];
		Arrays.fill(chunk, (byte) ' ');
		// 8 MiB and one byte, so that the client has sent it all when the server refuses
		Flux<DataBuffer> body = Flux.range(0, 8)
			.<DataBuffer>map((i) -> factory.wrap(chunk.clone()))
			.concatWith(Flux.just(factory.wrap(new byte[] { ' ' })));
		unpooled().post()
			.uri("/api/export/events")
			.contentType(MediaType.APPLICATION_JSON)
			.body(BodyInserters.fromDataBuffers(body))
			.exchange()
			.expectStatus()
			.isEqualTo(413);
	}

	/**
	 * A client on its own connection: the server closes a connection whose body it
	 * refused, which must not be handed to the next test from the pool.
	 */
	private WebTestClient unpooled() {
		HttpClient http = HttpClient.create(ConnectionProvider.newConnection());
		return WebTestClient.bindToServer(new ReactorClientHttpConnector(http))
			.baseUrl("http://localhost:" + this.port)
			.build();
	}

	private WebTestClient.BodyContentSpec importLog(byte[] body) {
		return this.client.post()
			.uri("/api/export/events")
			.contentType(MediaType.APPLICATION_JSON)
			.bodyValue(body)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody();
	}

	private EntityExchangeResult<String> text(String uri) {
		return this.client.get()
			.uri(uri)
			.exchange()
			.expectStatus()
			.isOk()
			.expectHeader()
			.contentType("text/plain;charset=UTF-8")
			.expectBody(String.class)
			.returnResult();
	}

	private byte[] pcap(String uri) {
		return this.client.get()
			.uri(uri)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(byte[].class)
			.returnResult()
			.getResponseBody();
	}

	private byte[] events(String uri) {
		return this.client.get()
			.uri(uri)
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody()
			.returnResult()
			.getResponseBody();
	}

	/** The number of records in a pcap file. */
	private static int records(byte[] pcap) {
		ByteBuffer b = ByteBuffer.wrap(pcap);
		b.position(24);
		int n = 0;
		while (b.hasRemaining()) {
			b.position(b.position() + 8);
			int length = b.getInt();
			b.position(b.position() + 4 + length);
			n++;
		}
		return n;
	}

	private JsonNode simulate(String query) {
		return this.json.readTree(events("/api/simulate?" + query));
	}

	private int total(String query) {
		return simulate(query).get("events").size();
	}

	/** The first step of a type. */
	private int stepOf(String query, String type) {
		JsonNode events = simulate(query).get("events");
		for (int i = 0; i < events.size(); i++) {
			if (type.equals(events.get(i).get("type").asString())) {
				return i;
			}
		}
		throw new AssertionError("no " + type + " in " + query);
	}

}
