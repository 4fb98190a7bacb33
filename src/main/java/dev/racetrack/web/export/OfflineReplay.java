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

import org.springframework.core.io.ClassPathResource;
import org.springframework.stereotype.Component;

import dev.racetrack.scenario.Beats;
import dev.racetrack.scenario.RunParams;
import dev.racetrack.sim.NodeRun;
import dev.racetrack.sim.TraceEvent;
import dev.racetrack.web.lab.LabKnobs;
import dev.racetrack.web.lab.LabRun;
import dev.racetrack.web.lab.LabStory;
import dev.racetrack.web.lab.TopologyView;
import dev.racetrack.web.shared.ParamsView;

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

	/**
	 * What the file embeds: {@link LabRun}'s fields, the events, the story (beats, idle
	 * stretches, the warning) and the step it opens at ({@code -1}: the start).
	 */
	record ReplayData(ParamsView params, TopologyView topology, List<String> rules, List<String> rawRules,
			boolean replay, String title, List<TraceEvent> events, List<Beats.Beat> beats, List<Beats.Span> idle,
			String warning, long step) {
	}

	/** The whole file, opening at the start. */
	String html(RunParams params, NodeRun run) {
		return html(params, run, -1);
	}

	/** The whole file, opening at {@code step} ({@code -1}: the start). */
	String html(RunParams params, NodeRun run, long step) {
		LabRun lab = LabRun.of(params);
		List<TraceEvent> events = run.trace().events();
		LabStory story = LabStory.of(params, events);
		ReplayData data = new ReplayData(lab.params(), lab.topology(), lab.rules(), lab.rawRules(), lab.replay(),
				lab.title(), events, story.beats(), story.idle(), story.warning(), step);
		Context context = new Context(Locale.ENGLISH);
		LabKnobs.fillValues(context::setVariable, params, this.json, null);
		context.setVariable("locked", true);
		context.setVariable("mode", "replay");
		context.setVariable("title", lab.title() + " · " + params.kernel().id() + " · seed " + params.seed());
		context.setVariable("css", STYLE_END.matcher(css()).replaceAll("<\\\\/$1"));
		context.setVariable("bundle", SCRIPT_END.matcher(bundle()).replaceAll("<\\\\/$1"));
		// In a JSON script block only "<" could end it early; JSON.parse reads \u003c
		// back.
		context.setVariable("data", this.json.writeValueAsString(data).replace("<", "\\u003c"));
		return this.templates.process("export/replay", context);
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
