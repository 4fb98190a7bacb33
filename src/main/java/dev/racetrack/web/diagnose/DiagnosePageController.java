package dev.racetrack.web.diagnose;

import java.util.Map;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ServerWebExchange;

import dev.racetrack.diagnose.Diagnoser;
import dev.racetrack.diagnose.NodeSample;
import dev.racetrack.web.shared.BadParameterException;

/**
 * The on-call page, {@code /diagnose}: one box for whatever was copied (and, folded, a
 * box per output plus a later sample for rates), example fills, and the answer: the
 * one-line verdict with the first fix at the top, then the findings.
 * {@code ?theme=projector} for a room. One URL, two renderings: with {@code HX-Request}
 * the findings (or the refilled form) come back as a fragment, without it as the whole
 * page.
 */
@Controller
class DiagnosePageController {

	static final String PAGE = "diagnose/diagnose";

	static final String FINDINGS_FRAGMENT = "diagnose/fragments :: findings";

	static final String FORM_FRAGMENT = "diagnose/fragments :: form";

	/** What each input is called on the page, for the table of unread lines. */
	static final Map<String, String> LABELS = Map.of(NodeSample.PASTE, "the paste", NodeSample.CONNTRACK_STATS,
			"conntrack -S", NodeSample.IPTABLES, "nat table", NodeSample.UNAME, "uname", NodeSample.RESOLV_CONF,
			"/etc/resolv.conf", NodeSample.CONNTRACK_STATS_LATER, "conntrack -S, later", "body", "the form");

	private final Diagnoser diagnoser;

	private final DiagnoseExamples examples;

	DiagnosePageController(Diagnoser diagnoser, DiagnoseExamples examples) {
		this.diagnoser = diagnoser;
		this.examples = examples;
	}

	/** The view options a page takes in its query: the projector theme. */
	static final java.util.List<String> THEMES = java.util.List.of("projector");

	@GetMapping("/diagnose")
	String page(@RequestParam(required = false) String theme, Model model) {
		prepare(model, DiagnoseForm.EMPTY);
		theme(model, theme);
		return PAGE;
	}

	private static void theme(Model model, String theme) {
		if (theme != null && !theme.isEmpty() && !THEMES.contains(theme)) {
			throw BadParameterException.notOneOf("theme", theme, THEMES);
		}
		model.addAttribute("theme", (theme == null) ? "" : theme);
	}

	@PostMapping(path = "/diagnose/findings", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
	Mono<String> findings(ServerWebExchange exchange, Model model,
			@RequestHeader(name = "HX-Request", required = false) String htmx) {
		boolean fragment = "true".equals(htmx);
		return DiagnoseApiController.readForm(exchange).publishOn(Schedulers.boundedElastic()).map((form) -> {
			prepare(model, form);
			try {
				model.addAttribute("diagnosis", DiagnosisView.of(this.diagnoser.diagnose(form.toSample())));
			}
			catch (BadParameterException ex) {
				model.addAttribute("error", ex.getMessage());
				model.addAttribute("errorParameter", LABELS.getOrDefault(ex.parameter(), ex.parameter()));
				if (!fragment) {
					exchange.getResponse().setStatusCode(HttpStatus.BAD_REQUEST);
				}
			}
			return fragment ? FINDINGS_FRAGMENT : PAGE;
		});
	}

	@GetMapping("/diagnose/example")
	String example(@RequestParam String name, @RequestParam(required = false) String theme, Model model,
			@RequestHeader(name = "HX-Request", required = false) String htmx) {
		DiagnoseExamples.Example example = this.examples.find(name)
			.orElseThrow(() -> BadParameterException.notOneOf("name", name, this.examples.names()));
		prepare(model, example.form());
		theme(model, theme);
		return "true".equals(htmx) ? FORM_FRAGMENT : PAGE;
	}

	private void prepare(Model model, DiagnoseForm form) {
		model.addAttribute("page", "diagnose");
		model.addAttribute("theme", "");
		model.addAttribute("form", form);
		model.addAttribute("examples", this.examples.all());
		model.addAttribute("labels", LABELS);
	}

}
