package dev.racetrack.web.export;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.thymeleaf.ITemplateEngine;
import org.thymeleaf.context.Context;
import tools.jackson.databind.json.JsonMapper;

import reactor.core.publisher.Flux;

import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;

import dev.racetrack.scenario.Beats;
import dev.racetrack.scenario.ReplayStory;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.web.lab.LabKnobs;
import dev.racetrack.web.lab.LabRun;
import dev.racetrack.web.lab.LabStory;
import dev.racetrack.web.shared.JsonChunks;

/**
 * The offline replay: one self-contained HTML file that plays a recorded run with the
 * Lab's own drawing and controls, opened from disk with no server and no network (a talk
 * in a venue without Wi-Fi). The Lab's stylesheet and its modules (bundled by
 * {@link ModuleBundle}) are inlined; the run (its parameters, node, rules, events and
 * beats) is embedded as JSON, and the page plays it with the same local player the Lab
 * uses for {@code ?offline}.
 */
@Component
class OfflineReplay {

	static final String ENTRY = "export/replay.js";

	private static final Pattern SCRIPT_END = Pattern.compile("</(script)", Pattern.CASE_INSENSITIVE);

	private static final Pattern STYLE_END = Pattern.compile("</(style)", Pattern.CASE_INSENSITIVE);

	private final ITemplateEngine templates;

	private final JsonMapper json;

	private volatile String bundle;

	private volatile String css;

	OfflineReplay(ITemplateEngine templates, JsonMapper json) {
		this.templates = templates;
		this.json = json;
	}

	/** Stands for the run's data in the rendered template, which is cut there. */
	static final String DATA_MARK = "@@racetrack-replay-data@@";

	/**
	 * The file in three parts: the page before the run's data, the data (its events
	 * written as they are sent, {@link JsonChunks}), and the page after it. What a
	 * request holds at once is the page (styles and code, a few hundred KB) and one
	 * chunk. The file opens at {@code step} ({@code -1}: the start).
	 */
	Flux<DataBuffer> html(RunParams params, NodeRun run, ReplayStory read, long step, ServerHttpResponse response) {
		LabRun lab = LabRun.of(params);
		List<TraceEvent> events = run.trace().events();
		LabStory story = LabStory.of(params, read);
		Context context = new Context(Locale.ENGLISH);
		LabKnobs.fillValues(context::setVariable, params, this.json, null);
		context.setVariable("locked", true);
		context.setVariable("mode", "replay");
		context.setVariable("title", lab.title() + " · " + params.kernel().id() + " · seed " + params.seed());
		context.setVariable("css", STYLE_END.matcher(css()).replaceAll("<\\\\/$1"));
		context.setVariable("bundle", SCRIPT_END.matcher(bundle()).replaceAll("<\\\\/$1"));
		context.setVariable("data", DATA_MARK);
		String page = this.templates.process("export/replay", context);
		int mark = page.indexOf(DATA_MARK);
		// The data is the run's JSON (params, topology, rules, rawRules, replay, title,
		// events, then the story: beats, idle, warning, and the step it opens at),
		// written field by field: in a JSON script block
		// only "<" could end it early; JSON.parse reads \u003c back.
		String prefix = page.substring(0, mark) + escape("{\"params\":" + this.json.writeValueAsString(lab.params())
				+ ",\"topology\":" + this.json.writeValueAsString(lab.topology()) + ",\"rules\":"
				+ this.json.writeValueAsString(lab.rules()) + ",\"rawRules\":"
				+ this.json.writeValueAsString(lab.rawRules()) + ",\"replay\":" + lab.replay() + ",\"title\":"
				+ this.json.writeValueAsString(lab.title()) + ",\"events\":[");
		String suffix = escape("],\"beats\":" + this.json.writeValueAsString(story.beats()) + ",\"idle\":"
				+ this.json.writeValueAsString(story.idle()) + ",\"warning\":"
				+ this.json.writeValueAsString(story.warning()) + ",\"step\":" + step + "}")
				+ page.substring(mark + DATA_MARK.length());
		return JsonChunks.write(response, this.json, prefix, events, suffix, OfflineReplay::escape);
	}

	/**
	 * JSON made safe inside a script block: the file embeds {@link LabRun}'s fields, the
	 * events and the beats as JSON.
	 */
	static String escape(String json) {
		return json.replace("<", "\\u003c");
	}

	/**
	 * The Lab's modules as one script (made once: they do not change while the app runs).
	 */
	String bundle() {
		String b = this.bundle;
		if (b == null) {
			b = ModuleBundle.bundle(ENTRY, (path) -> resource("static/js/" + path));
			this.bundle = b;
		}
		return b;
	}

	private String css() {
		String c = this.css;
		if (c == null) {
			c = resource("static/css/shared/racetrack.css");
			this.css = c;
		}
		return c;
	}

	private static String resource(String path) {
		ClassPathResource r = new ClassPathResource(path);
		if (!r.exists()) {
			return null;
		}
		try (InputStream in = r.getInputStream()) {
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
