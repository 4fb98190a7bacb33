package dev.racetrack.web.diagnose;

import java.util.Map;

import reactor.core.publisher.Mono;

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
 * The on-call page, {@code /diagnose}: four paste boxes (plus a later sample for rates),
 * example fills, and the findings. One URL, two renderings: with {@code HX-Request} the
 * findings (or the refilled form) come back as a fragment, without it as the whole page.
 */
@Controller
class DiagnosePageController {

	static final String PAGE = "diagnose/diagnose";

	static final String FINDINGS_FRAGMENT = "diagnose/fragments :: findings";

	static final String FORM_FRAGMENT = "diagnose/fragments :: form";

	/** What each input is called on the page, for the table of unread lines. */
	static final Map<String, String> LABELS = Map.of(NodeSample.CONNTRACK_STATS, "conntrack -S", NodeSample.IPTABLES,
			"iptables-save -t nat", NodeSample.UNAME, "uname -r", NodeSample.RESOLV_CONF, "/etc/resolv.conf",
			NodeSample.CONNTRACK_STATS_LATER, "conntrack -S, later", "body", "the form");

	private final Diagnoser diagnoser;

	private final DiagnoseExamples examples;

	DiagnosePageController(Diagnoser diagnoser, DiagnoseExamples examples) {
		this.diagnoser = diagnoser;
		this.examples = examples;
	}

	@GetMapping("/diagnose")
	String page(Model model) {
		prepare(model, DiagnoseForm.EMPTY);
		return PAGE;
	}

	@PostMapping(path = "/diagnose/findings", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
	Mono<String> findings(ServerWebExchange exchange, Model model,
			@RequestHeader(name = "HX-Request", required = false) String htmx) {
		boolean fragment = "true".equals(htmx);
		return DiagnoseApiController.readForm(exchange).map((form) -> {
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
	String example(@RequestParam String name, Model model,
			@RequestHeader(name = "HX-Request", required = false) String htmx) {
		DiagnoseExamples.Example example = this.examples.find(name)
			.orElseThrow(() -> BadParameterException.notOneOf("name", name, this.examples.names()));
		prepare(model, example.form());
		return "true".equals(htmx) ? FORM_FRAGMENT : PAGE;
	}

	private void prepare(Model model, DiagnoseForm form) {
		model.addAttribute("page", "diagnose");
		model.addAttribute("form", form);
		model.addAttribute("examples", this.examples.all());
		model.addAttribute("labels", LABELS);
	}

}
