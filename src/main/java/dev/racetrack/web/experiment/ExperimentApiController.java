package dev.racetrack.web.experiment;

import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.racetrack.experiment.ConfigurationResult;
import dev.racetrack.experiment.ExperimentAggregator;
import dev.racetrack.experiment.ExperimentPlan;
import dev.racetrack.experiment.ExperimentResult;
import dev.racetrack.experiment.LatencyHistogram;
import dev.racetrack.experiment.RateEstimate;
import dev.racetrack.web.lab.LabLinks;
import dev.racetrack.web.shared.Clients;
import dev.racetrack.web.shared.Lease;
import dev.racetrack.web.shared.ParamsView;
import dev.racetrack.web.shared.RacetrackProperties;
import dev.racetrack.web.shared.StreamLimits;

/**
 * {@code GET /api/experiments}: a Monte Carlo experiment as server-sent events:
 * {@code progress} events ({@code {done, total}}, at most one per 100 ms and per 1 % of
 * the trials, and always one at the start and one at the end), then one {@code result}
 * event with the aggregates of every configuration. The request is checked in full, and a
 * slot taken, before the stream starts, so that a bad request is a 400 and a busy server
 * a 429, each with a problem body. Closing the stream stops the experiment.
 */
@RestController
class ExperimentApiController {

	/** The least time between two progress events. */
	static final long PROGRESS_INTERVAL_NANOS = 100_000_000L;

	private final ExperimentRunner runner;

	private final RacetrackProperties properties;

	private final JsonMapper json;

	private final LongSupplier clock = System::nanoTime;

	private final StreamLimits streams;

	ExperimentApiController(ExperimentRunner runner, RacetrackProperties properties, JsonMapper json,
			StreamLimits streams) {
		this.runner = runner;
		this.properties = properties;
		this.json = json;
		this.streams = streams;
	}

	/** The data of a {@code progress} event. */
	record ProgressView(int done, int total) {
	}

	/** The data of the {@code result} event. */
	record ResultView(long seed, int trials, List<ConfigurationView> configurations) {

		static ResultView of(ExperimentResult r) {
			return new ResultView(r.seed(), r.trials(),
					r.configurations().stream().map(ConfigurationView::of).toList());
		}

	}

	/**
	 * One configuration's aggregates. Rates are per attempt; {@code ci95} is the 95 %
	 * interval of {@code insertFailedRate} ({@link RateEstimate}: Wilson's, on the
	 * effective number of attempts).
	 */
	record ConfigurationView(ParamsView params, long trials, long attempts, long insertFailed, double insertFailedRate,
			double[] ci95, long drops, double dropRate, double[] dropCi95, long clashResolves, double clashResolveRate,
			double[] clashResolveCi95, long unfinished, LatencyView latency, Long representativeSeed, String replayUrl,
			long errors, double errorRate, double[] errorCi95, Map<String, Double> perAttempt,
			List<WindowView> windows) {

		static ConfigurationView of(ConfigurationResult c) {
			ParamsView params = ParamsView.of(c.params());
			Long seed = (c.representativeSeed() >= 0) ? c.representativeSeed() : null;
			String replay = (seed != null) ? LabLinks.permalink(ParamsView.of(c.params().withSeed(seed)), -1) : null;
			return new ConfigurationView(params, c.trials(), c.attempts(), c.insertFailed().events(),
					c.insertFailed().rate(), interval(c.insertFailed()), c.drops().events(), c.drops().rate(),
					interval(c.drops()), c.clashResolves().events(), c.clashResolves().rate(),
					interval(c.clashResolves()), c.unfinished(), LatencyView.of(c), seed, replay, c.errors().events(),
					c.errors().rate(), interval(c.errors()), perAttempt(c),
					c.windows().stream().map(WindowView::of).toList());
		}

		private static Map<String, Double> perAttempt(ConfigurationResult c) {
			Map<String, Double> rates = new java.util.LinkedHashMap<>();
			c.perAttempt().forEach((name, r) -> rates.put(name, r.rate()));
			return rates;
		}

		private static double[] interval(RateEstimate r) {
			return new double[] { r.low(), r.high() };
		}

	}

	/**
	 * Latency quantiles ({@link LatencyHistogram#quantileNanos}) and the display buckets,
	 * each with the seed of a trial that produced a latency in it ({@code null} when
	 * empty).
	 */
	record LatencyView(long p50Ns, long p99Ns, long p999Ns, List<BucketView> histogram) {

		static LatencyView of(ConfigurationResult c) {
			return new LatencyView(c.p50Nanos(), c.p99Nanos(), c.p999Nanos(),
					c.histogram().stream().map(BucketView::of).toList());
		}

	}

	/**
	 * One time window after the warm-up, summed over the trials: attempts, failures and
	 * every {@code conntrack -S} counter's growth per attempt.
	 */
	record WindowView(double fromS, double toS, long attempts, long errors, double errorRate,
			Map<String, Double> perAttempt) {

		static WindowView of(ConfigurationResult.WindowRate w) {
			Map<String, Double> rates = new java.util.LinkedHashMap<>();
			w.counters().keySet().forEach((name) -> rates.put(name, w.perAttempt(name)));
			return new WindowView(w.fromNanos() / 1e9, w.toNanos() / 1e9, w.attempts(), w.errors(), w.errorRate(),
					rates);
		}

	}

	record BucketView(long lowNs, long highNs, long count, Long seed) {

		static BucketView of(LatencyHistogram.Bucket b) {
			return new BucketView(b.lowNanos(), b.highNanos(), b.count(), (b.seed() >= 0) ? b.seed() : null);
		}

	}

	/**
	 * The experiment's slot and the client's stream slot are taken when the stream is
	 * subscribed, not when the request is mapped, and given back when it ends: a HEAD (or
	 * a client gone before the answer) holds nothing. A refusal is the stream's first
	 * signal, before anything is written, so it still answers 429 with a problem body.
	 */
	@GetMapping(path = "/api/experiments", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<String>> experiment(@RequestParam Map<String, String> query, ServerHttpRequest request) {
		ExperimentPlan plan = ExperimentRequests.bind(query, this.properties);
		String client = Clients.of(request);
		return Flux.defer(() -> {
			Lease stream = this.streams.open(client);
			Runnable release;
			try {
				release = this.runner.reserve();
			}
			catch (RuntimeException ex) {
				stream.release();
				throw ex;
			}
			ExperimentAggregator aggregator = new ExperimentAggregator(plan);
			ProgressGate gate = new ProgressGate(plan.size(), PROGRESS_INTERVAL_NANOS, this.clock);
			Flux<ServerSentEvent<String>> progress = this.runner.results(plan).handle((result, sink) -> {
				aggregator.accept(result);
				if (gate.pass(aggregator.done())) {
					sink.next(progress(aggregator.done(), aggregator.total()));
				}
			});
			return Flux
				.concat(Mono.fromSupplier(() -> progress(0, plan.size())), progress,
						Mono.fromSupplier(() -> sse("result", ResultView.of(aggregator.result()))))
				.takeUntilOther(this.runner.stopping())
				.onErrorResume(
						(ex) -> Mono.just(sse("error", Map.of("detail", "The experiment failed: " + ex.getMessage()))))
				.doFinally((signal) -> {
					release.run();
					stream.release();
				});
		});
	}

	private ServerSentEvent<String> progress(int done, int total) {
		return sse("progress", new ProgressView(done, total));
	}

	private ServerSentEvent<String> sse(String name, Object body) {
		return ServerSentEvent.<String>builder().event(name).data(this.json.writeValueAsString(body)).build();
	}

	/**
	 * Lets a progress event through when the work is done, or when at least 1 % more of
	 * it is done and 100 ms have passed since the last one.
	 */
	static final class ProgressGate {

		private final int total;

		private final int step;

		private final long intervalNanos;

		private final LongSupplier clock;

		private int lastDone;

		private long lastNanos;

		ProgressGate(int total, long intervalNanos, LongSupplier clock) {
			this.total = total;
			this.step = Math.max(1, total / 100);
			this.intervalNanos = intervalNanos;
			this.clock = clock;
			this.lastNanos = clock.getAsLong();
		}

		boolean pass(int done) {
			if (done >= this.total) {
				return true;
			}
			long now = this.clock.getAsLong();
			if (done - this.lastDone < this.step || now - this.lastNanos < this.intervalNanos) {
				return false;
			}
			this.lastDone = done;
			this.lastNanos = now;
			return true;
		}

	}

}
