package dev.racetrack.web.session;

import java.util.Optional;

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

/**
 * The follower's pages: {@code /watch} asks for a join code, {@code /watch/{code}} is the
 * Lab following the presenter's session live (its knobs shown, read-only, until the
 * follower detaches to explore a copy). An unknown code gets the code box again, with
 * status 404.
 */
@Controller
class WatchPageController {

	private final SessionRegistry sessions;

	private final JsonMapper json;

	WatchPageController(SessionRegistry sessions, JsonMapper json) {
		this.sessions = sessions;
		this.json = json;
	}

	@GetMapping("/watch")
	String join(@RequestParam(name = "code", required = false) String code, Model model) {
		if (code != null && !WatchApiController.normalize(code).isEmpty()) {
			return "redirect:/watch/" + WatchApiController.normalize(code);
		}
		model.addAttribute("code", "");
		model.addAttribute("unknown", false);
		return "session/watch-join";
	}

	@GetMapping("/watch/{code}")
	String watch(@PathVariable String code, Model model, ServerWebExchange exchange) {
		String normal = WatchApiController.normalize(code);
		Optional<LabSession> session = validCode(normal) ? this.sessions.byCode(normal) : Optional.empty();
		if (session.isEmpty()) {
			exchange.getResponse().setStatusCode(HttpStatus.NOT_FOUND);
			model.addAttribute("code", BadParameterException.abbreviate(code));
			model.addAttribute("unknown", true);
			return "session/watch-join";
		}
		if (!normal.equals(code)) {
			return "redirect:/watch/" + normal;
		}
		model.addAttribute("page", "watch");
		model.addAttribute("mode", "watch");
		model.addAttribute("code", normal);
		model.addAttribute("title", "Follow " + normal);
		model.addAttribute("locked", true);
		LabKnobs.fill(model, session.get().params(), this.json, null);
		return "lab/lab";
	}

	private static boolean validCode(String code) {
		if (code.length() != SessionRegistry.CODE_LENGTH) {
			return false;
		}
		for (int i = 0; i < code.length(); i++) {
			if (SessionRegistry.CODE_ALPHABET.indexOf(code.charAt(i)) < 0) {
				return false;
			}
		}
		return true;
	}

}
