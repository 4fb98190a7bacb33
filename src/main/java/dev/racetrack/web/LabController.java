package dev.racetrack.web;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The Lab page: the animated node, the conntrack table and the time controls.
 */
@Controller
class LabController {

	@GetMapping("/")
	String lab(Model model) {
		model.addAttribute("page", "lab");
		return "lab";
	}

}
