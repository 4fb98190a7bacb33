package dev.racetrack.web.export;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.context.annotation.Bean;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;

import dev.racetrack.export.ConntrackListFormat;
import dev.racetrack.export.ConntrackStatsFormat;
import dev.racetrack.export.InterfaceCapture;
import dev.racetrack.export.IptablesSave;
import dev.racetrack.export.ProcStatFormat;
import dev.racetrack.kernel.hook.Netfilter;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.Pod;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.web.shared.BadParameterException;
import dev.racetrack.web.shared.BodyLimits;
import dev.racetrack.web.shared.ClientQuota;
import dev.racetrack.web.shared.Downloads;
import dev.racetrack.web.shared.Clients;
import dev.racetrack.web.shared.ExchangeCleanup;
import dev.racetrack.web.shared.JsonChunks;
import dev.racetrack.web.shared.Lease;
import dev.racetrack.web.shared.RejectionMetrics;
import dev.racetrack.web.shared.ParamsView;
import dev.racetrack.web.shared.PayloadTooLargeException;
import dev.racetrack.web.shared.RacetrackProperties;
import dev.racetrack.web.shared.RunParamsBinder;
import dev.racetrack.web.shared.Runs;

/**
 * Faithful exports of a run at a step: the text of {@code conntrack -L}, {@code -S} and
 * {@code /proc/net/stat/nf_conntrack} and of {@code iptables -t nat|raw -S}, taken from
 * the live model stopped right after that step (not from a fold of the trace); a pcap per
 * interface; the JSON event log, and its import, which is trusted only through a replay
 * of its parameters by the model.
 *
 * <p>
 * Every endpoint takes the parameters of {@code /api/simulate} and {@code step} (default:
 * the last step). Responses say which step and time they show in {@code X-Racetrack-Step}
 * and {@code X-Racetrack-Time-Ns}.
 */
@RestController
class ExportApiController {

	/** The largest event log {@code POST /api/export/events} reads. */
	static final int MAX_IMPORT_BYTES = 8 * 1024 * 1024;

	/**
	 * Lets an import that asks {@code Expect: 100-continue} declare up to
	 * {@link #MAX_IMPORT_BYTES} (the codecs' limit is smaller): a larger one gets 413
	 * before it is sent.
	 */
	@Bean
	static BodyLimits.Allowance eventLogImport() {
		return new BodyLimits.Allowance("/api/export/events", MAX_IMPORT_BYTES, "event-log-import",
				(MAX_IMPORT_BYTES >> 20) + " MiB");
	}

	/** Imports read and checked at once (more get 429). */
	static final int MAX_CONCURRENT_IMPORTS = 2;

	/** The most JSON tokens one imported event may have, and its most bytes once read. */
	static final int MAX_EVENT_TOKENS = 4096;

	static final int MAX_EVENT_BYTES = 64 * 1024;

	/** How much of a larger body is read and dropped before the connection is cut. */
	static final long MAX_DRAIN_BYTES = 8L * MAX_IMPORT_BYTES;

	static final MediaType PCAP = MediaType.parseMediaType("application/vnd.tcpdump.pcap");

	static final MediaType TEXT = new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8);

	static final List<String> FORMATS = List.of("list", "stats", "proc");

	static final List<String> TABLES = List.of("nat", "raw");

	private final Runs runs;

	private final JsonMapper json;

	private final RacetrackProperties properties;

	private final OfflineReplay offlineReplay;

	/** Imports read at once: each holds its body (at most 8 MiB) while it is checked. */
	private final ClientQuota imports;

	private final Downloads downloads;

	ExportApiController(Runs runs, JsonMapper json, RacetrackProperties properties, OfflineReplay offlineReplay,
			RejectionMetrics metrics, Downloads downloads) {
		this.downloads = downloads;
		this.runs = runs;
		this.json = json;
		this.properties = properties;
		this.offlineReplay = offlineReplay;
		this.imports = new ClientQuota("imports", "event-log imports being read", MAX_CONCURRENT_IMPORTS,
				MAX_CONCURRENT_IMPORTS, metrics);
	}

	/** A run's parameters and one of its steps. */
	private record At(RunParams params, NodeRun whole, long step, boolean explicit) {

		List<TraceEvent> events() {
			return this.whole.trace().events().subList(0, (int) this.step + 1);
		}

		long t() {
			return this.whole.trace().events().get((int) this.step).t();
		}

		/**
		 * {@code snat-port-race-4.17-seed1}, with the knobs that differ from the usual.
		 */
		String fileName(String suffix) {
			StringBuilder sb = new StringBuilder(this.params.scenario()).append('-').append(this.params.kernel().id());
			if (!"default".equals(this.params.mode().id())) {
				sb.append('-').append(this.params.mode().id());
			}
			if (!"glibc".equals(this.params.resolver().id())) {
				sb.append('-').append(this.params.resolver().id());
			}
			if (!"none".equals(this.params.mitigation().id())) {
				sb.append('-').append(this.params.mitigation().id());
			}
			sb.append("-seed").append(this.params.seed());
			if (this.explicit) {
				sb.append("-step").append(this.step);
			}
			return sb.append(suffix).toString();
		}

	}

	/** The body of {@code GET /api/export/events}, and what the import reads. */
	record EventLog(ParamsView params, List<TraceEvent> events) {
	}

	@GetMapping("/api/export/conntrack")
	Mono<ResponseEntity<String>> conntrack(@RequestParam Map<String, String> query) {
		String format = choice(query, "format", "list", FORMATS);
		RunParams params = RunParamsBinder.bind(query);
		return atStep(params, query, (at, live) -> {
			Netfilter netfilter = live.node().netfilter();
			ResponseEntity.BodyBuilder ok = ok(at);
			String body = switch (format) {
				case "stats" -> ConntrackStatsFormat.format(netfilter.profile(), netfilter.stats());
				case "proc" -> ProcStatFormat.format(netfilter.profile(), netfilter.stats(), netfilter.table().count());
				default -> {
					int shown = ConntrackListFormat.listed(netfilter.table(), at.t()).size();
					ok.header("X-Conntrack-Summary", ConntrackListFormat.summary(shown).trim());
					yield ConntrackListFormat.format(netfilter.table(), at.t());
				}
			};
			return ok.contentType(TEXT).body(body);
		});
	}

	@GetMapping("/api/export/iptables")
	Mono<ResponseEntity<String>> iptables(@RequestParam Map<String, String> query) {
		String table = choice(query, "table", "nat", TABLES);
		RunParams params = RunParamsBinder.bind(query);
		return atStep(params, query, (at, live) -> {
			Netfilter netfilter = live.node().netfilter();
			String body = IptablesSave.text("raw".equals(table) ? netfilter.rawTable() : netfilter.natTable());
			return ok(at).contentType(TEXT).body(body);
		});
	}

	@GetMapping("/api/export/pcap")
	Mono<ResponseEntity<byte[]>> pcap(@RequestParam Map<String, String> query) {
		RunParams params = RunParamsBinder.bind(query);
		String requested = RunParamsBinder.text(query, "iface", "");
		return whole(params, query, (at) -> {
			List<String> ifaces = interfaces(at.whole());
			if (!ifaces.contains(requested)) {
				throw BadParameterException.notOneOf("iface", requested, ifaces);
			}
			byte[] body = InterfaceCapture.pcap(at.events(), at.whole().topology(), requested);
			return ok(at).contentType(PCAP)
				.header(HttpHeaders.CONTENT_DISPOSITION, attachment(at.fileName("-" + requested + ".pcap")))
				.body(body);
		});
	}

	/** The event log, written as it is sent ({@link JsonChunks}). */
	@GetMapping("/api/export/events")
	Mono<ResponseEntity<Flux<DataBuffer>>> events(@RequestParam Map<String, String> query, ServerWebExchange exchange) {
		RunParams params = RunParamsBinder.bind(query);
		Lease download = this.downloads.open(exchange);
		return this.runs.traced(params).map((held) -> {
			ExchangeCleanup.onEnd(exchange, held.lease());
			At at = at(params, held.run(), query);
			String prefix = "{\"params\":" + this.json.writeValueAsString(ParamsView.of(params)) + ",\"events\":[";
			return ok(at).contentType(MediaType.APPLICATION_JSON)
				.header(HttpHeaders.CONTENT_DISPOSITION, attachment(at.fileName("-events.json")))
				.body(JsonChunks.write(exchange.getResponse(), this.json, prefix, at.events(), "]}",
						Function.identity()));
		});
	}

	/**
	 * The offline replay of a whole run: one HTML file with the Lab's styles and code
	 * inlined and the run embedded, which plays with no server and no network, written as
	 * it is sent. It is sent as an attachment only, so that it is never rendered under
	 * this application's origin (its inline scripts would not run under the application's
	 * policy anyway).
	 */
	@GetMapping("/api/export/replay")
	Mono<ResponseEntity<Flux<DataBuffer>>> replay(@RequestParam Map<String, String> query, ServerWebExchange exchange) {
		RunParams params = RunParamsBinder.bind(query);
		Lease download = this.downloads.open(exchange);
		return this.runs.traced(params).publishOn(Schedulers.boundedElastic()).map((held) -> {
			ExchangeCleanup.onEnd(exchange, held.lease());
			NodeRun whole = held.run();
			// The file opens at the step asked for (the Lab's current step), else at its
			// start.
			At at = at(params, whole, query);
			Flux<DataBuffer> html = this.offlineReplay.html(params, whole, held.story(), at.explicit() ? at.step() : -1,
					exchange.getResponse());
			return ResponseEntity.ok()
				.contentType(new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8))
				.header(HttpHeaders.CONTENT_DISPOSITION, attachment("racetrack-" + at.fileName(".html")))
				.header("X-Racetrack-Events", String.valueOf(whole.trace().size()))
				.body(html);
		});
	}

	/**
	 * Imports an event log ({@code {params, events}}, as {@code GET /api/export/events}
	 * writes it, or {@code {params}} alone): checks it, re-runs its parameters, and
	 * compares the log with the model's trace event by event. The log is read by a
	 * streaming parser, one event at a time, each under a budget of tokens and bytes: an
	 * import holds its body and one event, never a tree of the whole log. At most
	 * {@link #MAX_CONCURRENT_IMPORTS} are read at once.
	 */
	@PostMapping("/api/export/events")
	Mono<Map<String, Object>> importEvents(ServerHttpRequest request) {
		if (request.getHeaders().getContentLength() > MAX_DRAIN_BYTES) {
			return Mono.error(tooLarge());
		}
		return Mono.defer(() -> {
			Lease slot = this.imports.acquire(Clients.of(request));
			return read(request.getBody()).publishOn(Schedulers.boundedElastic())
				.flatMap(this::replay)
				.doFinally((s) -> slot.release());
		});
	}

	/**
	 * The body as bytes, at most {@link #MAX_IMPORT_BYTES}. A larger body is read to its
	 * end and dropped as it arrives (up to {@link #MAX_DRAIN_BYTES}), so that the client,
	 * still sending, receives the 413 rather than a connection reset.
	 */
	static Mono<byte[]> read(Flux<DataBuffer> body) {
		return body.reduceWith(BodyBytes::new, BodyBytes::add).map(BodyBytes::bytes).defaultIfEmpty(new byte[0]);
	}

	/** What has arrived of a body: its bytes while under the limit, and its size. */
	private static final class BodyBytes {

		private ByteArrayOutputStream bytes = new ByteArrayOutputStream();

		private long size;

		BodyBytes add(DataBuffer buffer) {
			try {
				int n = buffer.readableByteCount();
				this.size += n;
				if (this.size > MAX_DRAIN_BYTES) {
					throw tooLarge();
				}
				if (this.size > MAX_IMPORT_BYTES) {
					this.bytes = null;
				}
				else {
					byte[] chunk = new byte[n];
					buffer.read(chunk);
					this.bytes.writeBytes(chunk);
				}
				return this;
			}
			finally {
				DataBufferUtils.release(buffer);
			}
		}

		byte[] bytes() {
			if (this.bytes == null) {
				throw tooLarge();
			}
			return this.bytes.toByteArray();
		}

	}

	private Mono<Map<String, Object>> replay(byte[] body) {
		String accepted = "a JSON object {params, events} of at most " + MAX_IMPORT_BYTES + " bytes";
		if (body.length == 0) {
			throw new BadParameterException("body", "The body is empty; send an event log {params, events}.", accepted);
		}
		RunParams params = importedParams(findParams(body, accepted));
		checkEvents(body);
		return this.runs.traced(params).publishOn(Schedulers.boundedElastic()).map((held) -> {
			try {
				return compare(body, params, held.run().trace().events());
			}
			finally {
				held.lease().release();
			}
		});
	}

	/**
	 * First pass: the log's {@code params}, skipping everything else without building it.
	 */
	private JsonNode findParams(byte[] body, String accepted) {
		try (JsonParser parser = this.json.createParser(body)) {
			if (parser.nextToken() != JsonToken.START_OBJECT) {
				throw new BadParameterException("body", "The body must be a JSON object {params, events}.", accepted);
			}
			JsonNode params = null;
			for (JsonToken t = parser.nextToken(); t == JsonToken.PROPERTY_NAME; t = parser.nextToken()) {
				String name = parser.currentName();
				JsonToken value = parser.nextToken();
				if ("params".equals(name) && value == JsonToken.START_OBJECT) {
					params = readBounded(parser, "params", "an object of run parameters");
				}
				else {
					parser.skipChildren();
				}
			}
			if (parser.nextToken() != null) {
				throw new BadParameterException("body", "The body holds more than one JSON value.", accepted);
			}
			return params;
		}
		catch (JacksonException ex) {
			throw new BadParameterException("body", "The body is not valid JSON.", accepted);
		}
	}

	/**
	 * Checks every event's shape before any run is computed (so a malformed log costs no
	 * simulation): the second pass, {@link #compare}, reads them again.
	 */
	private void checkEvents(byte[] body) {
		compare(body, null, null);
	}

	/**
	 * Reads each event within its budget and compares it, as it comes, with the model's
	 * ({@code expected}), or only checks its shape when {@code expected} is null.
	 */
	private Map<String, Object> compare(byte[] body, RunParams params, List<TraceEvent> expected) {
		int max = this.properties.maxTraceEvents();
		String acceptedEvents = "an array of at most " + max + " events, or no events";
		Map<String, Object> result = new LinkedHashMap<>();
		result.put("params", (params != null) ? ParamsView.of(params) : null);
		int count = 0;
		try (JsonParser parser = this.json.createParser(body)) {
			parser.nextToken();
			for (JsonToken t = parser.nextToken(); t == JsonToken.PROPERTY_NAME; t = parser.nextToken()) {
				String name = parser.currentName();
				JsonToken value = parser.nextToken();
				if (!"events".equals(name) || value == JsonToken.VALUE_NULL) {
					parser.skipChildren();
					continue;
				}
				if (value != JsonToken.START_ARRAY) {
					throw new BadParameterException("events", "events must be an array of at most " + max + " events.",
							acceptedEvents);
				}
				for (JsonToken e = parser.nextToken(); e != JsonToken.END_ARRAY; e = parser.nextToken()) {
					int i = count++;
					if (i >= max) {
						throw new BadParameterException("events",
								"events must be an array of at most " + max + " events.", acceptedEvents);
					}
					String problem = (e != JsonToken.START_OBJECT) ? "is not an object" : null;
					JsonNode got = null;
					if (problem == null) {
						got = readBounded(parser, "events[" + i + "]",
								"an event as GET /api/export/events writes it, of at most " + MAX_EVENT_BYTES
										+ " bytes");
						problem = malformed(got, i);
					}
					if (problem != null) {
						throw new BadParameterException("events[" + i + "]", "events[" + i + "] " + problem + ".",
								"an event as GET /api/export/events writes it: an object with seq (its index), t and type");
					}
					if (expected == null || result.containsKey("matches")) {
						continue;
					}
					TraceEvent want = (i < expected.size()) ? expected.get(i) : null;
					if (want == null || !this.json.writeValueAsString(want).equals(this.json.writeValueAsString(got))) {
						result.put("matches", false);
						result.put("firstDifference", i);
						result.put("expected", want);
						result.put("got", got);
					}
				}
			}
		}
		catch (JacksonException ex) {
			throw new BadParameterException("body", "The body is not valid JSON.",
					"a JSON object {params, events} of at most " + MAX_IMPORT_BYTES + " bytes");
		}
		if (expected == null) {
			return result;
		}
		if (result.containsKey("matches")) {
			result.put("events", count);
			result.put("total", expected.size());
			return result;
		}
		result.put("matches", true);
		result.put("events", count);
		result.put("total", expected.size());
		result.put("complete", count == expected.size());
		return result;
	}

	/**
	 * The object the parser is at, read into a tree only within {@link #MAX_EVENT_TOKENS}
	 * tokens and {@link #MAX_EVENT_BYTES} bytes.
	 */
	private JsonNode readBounded(JsonParser parser, String parameter, String accepted) {
		long start = parser.currentTokenLocation().getByteOffset();
		java.io.StringWriter text = new java.io.StringWriter();
		try (JsonGenerator out = this.json.createGenerator(text)) {
			int depth = 0;
			int tokens = 0;
			JsonToken t = parser.currentToken();
			while (true) {
				if (++tokens > MAX_EVENT_TOKENS || parser.currentLocation().getByteOffset() - start > MAX_EVENT_BYTES) {
					throw new BadParameterException(parameter, parameter + " is larger than " + MAX_EVENT_TOKENS
							+ " tokens or " + MAX_EVENT_BYTES + " bytes.", accepted);
				}
				out.copyCurrentEvent(parser);
				if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
					depth++;
				}
				else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
					depth--;
				}
				if (depth == 0) {
					break;
				}
				t = parser.nextToken();
			}
		}
		return this.json.readTree(text.toString());
	}

	private static RunParams importedParams(JsonNode node) {
		String accepted = "an object of run parameters: " + String.join(", ", RunParamsBinder.NAMES);
		if (node == null || !node.isObject()) {
			throw new BadParameterException("params", "The log has no params object.", accepted);
		}
		Map<String, String> fields = new LinkedHashMap<>();
		for (Map.Entry<String, JsonNode> field : node.properties()) {
			String name = field.getKey();
			JsonNode value = field.getValue();
			if (!RunParamsBinder.NAMES.contains(name)) {
				throw new BadParameterException("params", "'" + BadParameterException.abbreviate(name)
						+ "' is not a run parameter; use " + String.join(", ", RunParamsBinder.NAMES) + ".", accepted);
			}
			if (!value.isValueNode()) {
				throw new BadParameterException("params." + name, "params." + name + " must be a string or a number.",
						"a string or a number");
			}
			if (!value.isNull()) {
				fields.put(name, value.asString());
			}
		}
		try {
			return RunParamsBinder.bind(fields);
		}
		catch (BadParameterException ex) {
			throw new BadParameterException("params." + ex.parameter(), ex.getMessage(), ex.accepted());
		}
	}

	/** What is wrong with an imported event, or {@code null}. */
	private static String malformed(JsonNode e, int index) {
		if (!e.isObject()) {
			return "is not an object";
		}
		JsonNode seq = e.get("seq");
		if (seq == null || !seq.isIntegralNumber() || !seq.canConvertToLong() || seq.longValue() != index) {
			return "must have seq " + index;
		}
		JsonNode t = e.get("t");
		if (t == null || !t.isIntegralNumber() || !t.canConvertToLong() || t.longValue() < 0) {
			return "must have a time t in nanoseconds, at least 0";
		}
		JsonNode type = e.get("type");
		if (type == null || !type.isString() || type.stringValue().isEmpty()) {
			return "must have a type";
		}
		return null;
	}

	/** Resolves {@code step} against the whole run: default its last step. */
	private static At at(RunParams params, NodeRun whole, Map<String, String> query) {
		long total = whole.trace().size();
		String value = query.get("step");
		boolean explicit = value != null && !value.isBlank();
		if (total == 0) {
			throw new BadParameterException("step", "This run has no steps.", "no step: the run is empty");
		}
		long step = RunParamsBinder.number(query, "step", total - 1, 0, total - 1);
		return new At(params, whole, step, explicit);
	}

	/** Works on the whole run at the asked step, holding the run meanwhile. */
	private <T> Mono<T> whole(RunParams params, Map<String, String> query, Function<At, T> work) {
		return this.runs.traced(params).publishOn(Schedulers.boundedElastic()).map((held) -> {
			try {
				return work.apply(at(params, held.run(), query));
			}
			finally {
				held.lease().release();
			}
		}).doOnDiscard(Runs.Held.class, (held) -> held.lease().release());
	}

	/** Works on the live model stopped right after the asked step. */
	private <T> Mono<T> atStep(RunParams params, Map<String, String> query,
			java.util.function.BiFunction<At, NodeRun, T> work) {
		return this.runs.traced(params).flatMap((held) -> {
			At at;
			try {
				at = at(params, held.run(), query);
			}
			catch (RuntimeException ex) {
				held.lease().release();
				return Mono.error(ex);
			}
			// Off the event loop: a model shared with earlier askers comes on the thread
			// that asks.
			return this.runs.atStep(params, at.step())
				.doFinally((s) -> held.lease().release())
				.publishOn(Schedulers.boundedElastic())
				.map((live) -> {
					try {
						return work.apply(at, live.run());
					}
					finally {
						live.lease().release();
					}
				})
				.doOnDiscard(Runs.Held.class, (live) -> live.lease().release());
		});
	}

	/** The names the capture of a run can be asked for: each pod's veth, cni0, eth0. */
	static List<String> interfaces(NodeRun run) {
		List<String> names = new ArrayList<>();
		for (Pod pod : run.pods()) {
			names.add(pod.veth());
		}
		names.add("cni0");
		names.add("eth0");
		return names;
	}

	private static ResponseEntity.BodyBuilder ok(At at) {
		return ResponseEntity.ok()
			.header("X-Racetrack-Step", String.valueOf(at.step()))
			.header("X-Racetrack-Time-Ns", String.valueOf(at.t()));
	}

	private static String attachment(String fileName) {
		return ContentDisposition.attachment().filename(fileName).build().toString();
	}

	private static String choice(Map<String, String> query, String name, String fallback, List<String> accepted) {
		String value = RunParamsBinder.text(query, name, fallback);
		if (!accepted.contains(value)) {
			throw BadParameterException.notOneOf(name, value, accepted);
		}
		return value;
	}

	private static PayloadTooLargeException tooLarge() {
		return new PayloadTooLargeException(MAX_IMPORT_BYTES, "The event log is larger than " + MAX_IMPORT_BYTES
				+ " bytes (8 MiB); export a shorter run or " + "an earlier step, or send {params} alone to replay it.");
	}

}
