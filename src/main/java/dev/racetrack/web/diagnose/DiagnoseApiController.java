package dev.racetrack.web.diagnose;

import java.util.List;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import org.springframework.core.codec.DecodingException;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebInputException;
import org.springframework.web.server.UnsupportedMediaTypeStatusException;

import dev.racetrack.diagnose.Diagnoser;

/**
 * {@code POST /api/diagnose}: the texts a node printed in (JSON or form-encoded), the
 * {@link DiagnosisView} out. Bad parameters are 400 problem details; unreadable text is
 * not, it comes back in {@code unreadLines}.
 */
@RestController
class DiagnoseApiController {

	static final List<MediaType> ACCEPTED = List.of(MediaType.APPLICATION_JSON, MediaType.APPLICATION_FORM_URLENCODED);

	private final Diagnoser diagnoser;

	DiagnoseApiController(Diagnoser diagnoser) {
		this.diagnoser = diagnoser;
	}

	/**
	 * The body is required: an empty one is a 400 from {@link DiagnoseExceptionHandler}
	 * (an optional body would also match the catch-all mapping below).
	 */
	@PostMapping(path = "/api/diagnose", consumes = MediaType.APPLICATION_JSON_VALUE)
	Mono<DiagnosisView> diagnoseJson(@RequestBody DiagnoseRequest request) {
		return Mono.fromCallable(() -> DiagnosisView.of(this.diagnoser.diagnose(request.toForm().toSample())))
			.subscribeOn(Schedulers.boundedElastic());
	}

	@PostMapping(path = "/api/diagnose", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
	Mono<DiagnosisView> diagnoseForm(ServerWebExchange exchange) {
		// Off the event loop: a diagnosis may make the model's sustained estimate
		// (SustainedEstimate)
		// the first time a kernel and mode are seen.
		return readForm(exchange).publishOn(Schedulers.boundedElastic())
			.map((form) -> DiagnosisView.of(this.diagnoser.diagnose(form.toSample())));
	}

	/** Any other content type: 415, rendered by {@link DiagnoseExceptionHandler}. */
	@PostMapping("/api/diagnose")
	Mono<DiagnosisView> unsupported(ServerHttpRequest request) {
		return Mono.error(new UnsupportedMediaTypeStatusException(request.getHeaders().getContentType(), ACCEPTED));
	}

	/** The posted form; malformed percent-encoding is a 400, not a 500. */
	static Mono<DiagnoseForm> readForm(ServerWebExchange exchange) {
		return exchange.getFormData()
			.map(DiagnoseForm::from)
			.onErrorMap((ex) -> ex instanceof IllegalArgumentException || ex instanceof DecodingException,
					(ex) -> new ServerWebInputException("The form data could not be decoded.", null, ex));
	}

}
