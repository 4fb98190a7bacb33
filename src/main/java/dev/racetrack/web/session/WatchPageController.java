package dev.racetrack.web.session;

import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ServerWebExchange;

import dev.racetrack.web.lab.LabKnobs;
import dev.racetrack.web.shared.BadParameterException;
import dev.racetrack.web.shared.Clients;

/**
 * The follower's pages: {@code /watch} asks for a join code, {@code /watch/{code}} is the
 * Lab following the presenter's session live (its knobs shown, read-only, until the
 * follower detaches to explore a copy). An unknown code gets the code box again, with
 * status 404.
 */
@Controller
class WatchPageController {

	private final JoinCodes codes;

	private final JsonMapper json;

	WatchPageController(JoinCodes codes, JsonMapper json) {
		this.codes = codes;
		this.json = json;
	}

	/**
	 * The code box; with {@code ?code=}, a redirect to that code's page, or the box again
	 * with 400 when what was typed cannot be a code (it never reaches a redirect URL).
	 */
	@GetMapping("/watch")
	String join(@RequestParam(name = "code", required = false) String code, Model model, ServerWebExchange exchange) {
		String normal = JoinCodes.normalize(code);
		if (!normal.isEmpty()) {
			if (JoinCodes.valid(normal)) {
				return "redirect:/watch/" + normal;
			}
			exchange.getResponse().setStatusCode(HttpStatus.BAD_REQUEST);
			model.addAttribute("code", BadParameterException.abbreviate(code));
			model.addAttribute("unknown", true);
			return "session/watch-join";
		}
		model.addAttribute("code", "");
		model.addAttribute("unknown", false);
		return "session/watch-join";
	}

	@GetMapping("/watch/{code}")
	Mono<String> watch(@PathVariable String code, Model model, ServerWebExchange exchange) {
		String normal = JoinCodes.normalize(code);
		return this.codes.find(code, Clients.of(exchange.getRequest())).map((session) -> {
			if (!normal.equals(code)) {
				return "redirect:/watch/" + normal;
			}
			model.addAttribute("page", "watch");
			model.addAttribute("mode", "watch");
			model.addAttribute("code", normal);
			model.addAttribute("title", "Follow " + normal);
			model.addAttribute("locked", true);
			LabKnobs.fill(model, session.params(), this.json, null);
			return "lab/lab";
		}).switchIfEmpty(Mono.fromSupplier(() -> {
			exchange.getResponse().setStatusCode(HttpStatus.NOT_FOUND);
			model.addAttribute("code", BadParameterException.abbreviate(code));
			model.addAttribute("unknown", true);
			return "session/watch-join";
		}));
	}

}
