// @ts-check
// The Experiments page: pick configurations, stream a Monte Carlo from /api/experiments,
// then show one row per configuration, the rate against concurrency and the latency
// histogram of the chosen row. The exported functions are pure (tested with node --test);
// the page (ExperimentsPage, at the bottom) runs only in a browser, with listeners, no
// inline code. The knobs, the scenarios' defaults and the clients' timers are the
// catalogue's.
import { rateChart, histogramChart, legendSwatch, render, formatPercent, formatNanos, niceTicks } from './charts.js';
import { formatDuration } from '../shared/format.js';
import { catalogue, knobNames, scenarioOf } from '../lab/catalogue.js';

/**
 * An incremental parser of a text/event-stream body: feed it chunks as they arrive, get
 * back the events completed so far ({event, data, id}).
 */
export class SseParser {
  constructor() {
    this.buffer = '';
    this.event = '';
    this.data = [];
    this.id = null;
  }

  feed(chunk) {
    this.buffer += chunk;
    const events = [];
    let newline;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      if (this.buffer[newline] === '\r' && newline + 1 === this.buffer.length) break; // wait for a possible \n
      this.buffer = this.buffer.slice(newline + width);
      if (line === '') {
        if (this.data.length > 0) {
          events.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
        }
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'id') this.id = value;
    }
    return events;
  }
}

/**
 * The query of /api/experiments from form entries ([name, value] pairs): the values a
 * parameter is given several times (the checkboxes of a list parameter) are joined with
 * commas, empty values left out. Which parameters may list values is the server's rule: the
 * page offers checkboxes for those alone.
 * @param {Iterable<[string, FormDataEntryValue]>} entries
 */
export function experimentQuery(entries) {
  /** @type {Map<string, string[]>} */
  const values = new Map();
  for (const [name, value] of entries) {
    const v = String(value).trim();
    if (v === '') continue;
    const list = values.get(name) ?? [];
    if (!list.includes(v)) list.push(v);
    values.set(name, list);
  }
  const query = new URLSearchParams();
  for (const [name, list] of values) query.set(name, list.join(','));
  return query.toString();
}

/**
 * How many configurations and attempts a query asks for, at most: the server's bound
 * (RunParams.attemptsBound) with the catalogue's facts of each workload: a sustained one
 * dials durationS × 1000 / periodMs + 1 times per client, the others once per round; the
 * clients are the pods' workers, or the pods alone for the Lab's rounds. What the query
 * leaves out is its preset's, then its scenario's.
 * @param {string} query
 */
export function planSize(query) {
  const q = new URLSearchParams(query);
  const defaults = scenarioOf(q.get('scenario') ?? 'tcp-free-play')?.defaults ?? {};
  const preset = presetOf(q.get('preset') ?? 'none')?.params ?? {};
  /** @param {string} name */
  const list = (name) => (q.get(name) ?? '').split(',').filter((v) => v !== '');
  /** @param {string} name */
  const value = (name) => Number(q.get(name) || preset[name] || defaults[name]);
  let configurations = 1;
  for (const name of new Set(q.keys())) configurations *= Math.max(1, list(name).length);
  const trials = Number(q.get('trials') || 100);
  const pods = list('pods').length ? list('pods').map(Number) : [value('pods')];
  const workers = list('workers').length ? list('workers').map(Number) : [value('workers')];
  const workload = workloadOf(String(q.get('workload') || preset.workload || defaults.workload || 'rounds'));
  const perClient = workload?.sustained ? Math.floor((value('durationS') * 1000) / Math.max(1, value('periodMs'))) + 1 : value('rounds');
  let clients = 0;
  for (const p of pods) for (const w of workers) clients += workload?.clients ? p * w : p;
  const others = configurations / (pods.length * workers.length);
  return { configurations, runs: configurations * trials, attempts: others * clients * perClient * trials };
}

/**
 * A preset of the catalogue (the parameters it fills), or undefined.
 * @param {string} id
 */
export function presetOf(id) {
  return catalogue().presets?.find((p) => p.id === id);
}

/**
 * A workload of the catalogue (sustained or not, what it stands for), or undefined.
 * @param {string} id
 */
export function workloadOf(id) {
  return catalogue().workloads?.find((w) => w.id === id);
}

/**
 * A Lab permalink to a run: the configuration's parameters with another seed.
 * @param {Params} params
 * @param {number} seed
 */
export function labLink(params, seed) {
  const q = new URLSearchParams();
  for (const name of knobNames()) {
    const value = name === 'seed' ? seed : params[name];
    if (value !== undefined && value !== null) q.set(name, String(value));
  }
  // The Lab opens the run at its first drop (the moment a bar's latency comes from).
  q.set('step', 'drop');
  return `/?${q.toString()}`;
}

/**
 * The parameters that differ between configurations, in the knobs' order.
 * @param {{params: Params}[]} configurations
 */
export function variedParams(configurations) {
  return knobNames().filter((name) => name !== 'seed' && new Set(configurations.map((c) => String(c.params[name]))).size > 1);
}

/** A short name for a configuration from the parameters that vary. */
export function configurationLabel(params, varied, without = []) {
  const parts = varied
    .filter((n) => !without.includes(n))
    .map((n) => (n === 'pods' ? `${params.pods} pods` : n === 'workers' ? `${params.workers} workers` : String(params[n])));
  return parts.length ? parts.join(' · ') : `${params.kernel} · ${params.mode}`;
}

/**
 * A series' colour classes: the hue is the kernel's (its place in the catalogue), the
 * shade and the dash the mode's, so that one kernel and mode look the same on every chart.
 * @param {Params} params
 */
export function seriesClass(params) {
  const kernel = catalogue().kernels.findIndex((k) => k.id === params.kernel);
  return `kernel-${Math.max(0, kernel)} mode-${params.mode}`;
}

/**
 * The concurrent clients of a configuration: the pods' workers, or the pods alone for the
 * Lab's rounds (the catalogue says which workloads have workers).
 * @param {Params} params
 */
export function clientsOf(params) {
  const w = workloadOf(String(params.workload ?? 'rounds'));
  return w?.clients ? Number(params.pods) * Number(params.workers ?? 1) : Number(params.pods);
}

/** The parameters a series is named by: kernel and mode always, then what else varies. */
function seriesParams(varied, without) {
  return ['kernel', 'mode', ...varied.filter((n) => !['kernel', 'mode', ...without].includes(n))];
}

const METRICS = {
  insertFailed: { rate: 'insertFailedRate', ci: 'ci95', label: 'insert_failed per attempt' },
  drop: { rate: 'dropRate', ci: 'dropCi95', label: 'drop per attempt' },
  clashResolve: { rate: 'clashResolveRate', ci: 'clashResolveCi95', label: 'clash_resolve per attempt' },
  error: { rate: 'errorRate', ci: 'errorCi95', label: 'errors per attempt' },
};

/**
 * The series of the rate chart: one per combination of everything that varies except the
 * concurrency (pods and workers), each point a configuration at its concurrent clients.
 */
export function rateSeries(configurations, metric = 'insertFailed') {
  const m = METRICS[metric];
  const varied = variedParams(configurations);
  const keyParams = varied.filter((n) => n !== 'pods' && n !== 'workers');
  const byKey = new Map();
  for (const c of configurations) {
    const key = keyParams.map((n) => c.params[n]).join('|') || 'all';
    if (!byKey.has(key)) {
      byKey.set(key, {
        key,
        label: configurationLabel(c.params, seriesParams(varied, ['pods', 'workers'])),
        cls: seriesClass(c.params),
        points: [],
      });
    }
    const [low, high] = c[m.ci] ?? [c[m.rate], c[m.rate]];
    byKey.get(key).points.push({
      x: clientsOf(c.params),
      rate: c[m.rate],
      low,
      high,
      title: `${configurationLabel(c.params, varied)}: ${formatPercent(c[m.rate])} (95 % interval ${formatPercent(low)} to ${formatPercent(high)})`,
    });
  }
  return { series: [...byKey.values()], label: m.label };
}

/**
 * The series of the windows chart: one per configuration with windows (a sustained
 * workload), each point a window after the warm-up at its end time, its height the share
 * of the window's attempts that failed (or another counter per attempt).
 * @param {any[]} configurations
 * @param {string} counter 'errors' or a conntrack -S counter's name
 */
export function windowSeries(configurations, counter = 'errors') {
  const varied = variedParams(configurations);
  return configurations
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => (c.windows ?? []).length > 0)
    .map(({ c, i }) => {
      const label = configurationLabel(c.params, seriesParams(varied, []));
      return {
        key: String(i),
        label,
        cls: seriesClass(c.params),
        points: c.windows.map((/** @type {any} */ w) => {
          const rate = counter === 'errors' ? w.errorRate : (w.perAttempt[counter] ?? 0);
          return {
            x: w.toS,
            rate,
            low: rate,
            high: rate,
            title: `${label}, ${windowName(w)}: ${counter === 'errors' ? `${formatPercent(rate)} errors` : `${rate.toFixed(3)} ${counter} per attempt`} of ${w.attempts.toLocaleString('en')} attempts`,
          };
        }),
      };
    });
}

/** "10–20 s" @param {{fromS: number, toS: number}} w */
export function windowName(w) {
  return `${Math.round(w.fromS)}–${Math.round(w.toS)} s`;
}

/**
 * The counters table of one configuration: every conntrack -S counter per attempt, for
 * each window after the warm-up and for the whole run after it (the last row).
 * @param {any} c a configuration's result
 */
export function counterTable(c) {
  const names = Object.keys(c.perAttempt ?? {});
  const rows = (c.windows ?? []).map((/** @type {any} */ w) => ({
    label: windowName(w),
    attempts: w.attempts,
    errorRate: w.errorRate,
    values: names.map((n) => w.perAttempt[n] ?? 0),
  }));
  rows.push({ label: rows.length ? 'all after warm-up' : 'all', attempts: c.attempts, errorRate: c.errorRate, values: names.map((n) => c.perAttempt[n]) });
  return { names, rows };
}

/**
 * Where the clients' timers put the spikes for one configuration (the catalogue's kernel and
 * resolver facts): a lost SYN costs 1 s and a second loss 3 s in all (exponential back-off)
 * or 2 s (6.x's linear back-off); a lost DNS query stalls musl 2.5 s and glibc 5 s.
 * @param {Params} params
 */
export function spikeMarks(params) {
  const c = catalogue();
  const ns =
    params.scenario === 'dns-free-play'
      ? [...new Set(c.resolvers.map((r) => r.retryNs))].sort((a, b) => a - b)
      : (c.kernels.find((k) => k.id === params.kernel)?.synLossNs ?? []);
  return ns.map((n) => ({ ns: n, label: `${n / 1e9} s` }));
}

/**
 * What the marks stand for, for the caption: a lost SYN's retransmissions, or a lookup's
 * retries.
 * @param {Params} params
 */
export function spikeLegend(params) {
  const marks = spikeMarks(params).map((m) => m.label);
  if (marks.length < 2) return '';
  return params.scenario === 'dns-free-play'
    ? `dashed marks: a lost answer retried after ${marks.join(' or ')}`
    : `dashed marks: a SYN lost once (${marks[0]}) or twice (${marks[1]}) and retransmitted`;
}

/** "2.47 % (2.35–2.60)" */
export function formatRateWithInterval(rate, [low, high]) {
  return `${formatPercent(rate)} (${formatPercent(low).replace(' %', '')}–${formatPercent(high)})`;
}

/** The row to show first: the one with the highest insert_failed rate. */
export function defaultRow(configurations) {
  let best = 0;
  configurations.forEach((c, i) => {
    if (c.insertFailedRate > configurations[best].insertFailedRate) best = i;
  });
  return best;
}

// ---------------------------------------------------------------- the page (browser only)

/** The Experiments page: the form, the streamed run, and the results' table and charts. */
class ExperimentsPage {
  /** @param {HTMLElement} root */
  constructor(root) {
    /** @param {string} selector */
    const $ = (selector) => /** @type {any} */ (root.querySelector(selector));
    this.root = root;
    /** @type {HTMLFormElement} */
    this.form = $('#experiment-form');
    this.stopButton = $('#stop');
    this.runButton = $('#run');
    this.planText = $('#plan-size');
    /** @type {HTMLProgressElement} */
    this.progress = $('#progress');
    this.progressText = $('#progress-text');
    this.problem = $('#problem');
    this.results = $('#results');
    this.tbody = $('#results-table tbody');
    this.thead = $('#results-table thead tr');
    this.rateFigure = $('#rate-chart');
    this.rateLegend = $('#rate-legend');
    this.latencyFigure = $('#latency-chart');
    this.latencyCaption = $('#latency-caption');
    /** @type {HTMLSelectElement} */
    this.metricSelect = $('#rate-metric');
    this.windowsSection = $('#windows');
    this.windowFigure = $('#window-chart');
    this.windowLegend = $('#window-legend');
    /** @type {HTMLSelectElement} */
    this.windowMetric = $('#window-metric');
    /** Whether the user picked the windows' counter (else the race's own, insert_failed). */
    this.windowMetricChosen = false;
    this.countersCaption = $('#counters-caption');
    this.countersHead = $('#counters-table thead tr');
    this.countersBody = $('#counters-table tbody');
    this.presetTitle = $('#preset-title');
    this.workloadText = $('#workload-text');
    /** @type {Map<string, string[]>} the form's first values, which preset none brings back */
    this.initial = new Map();
    /** @type {AbortController|null} */
    this.controller = null;
    /** @type {any} the last result */
    this.last = null;
    this.selected = 0;
    this.started = 0;
  }

  start() {
    this.fillDefaults();
    for (const [name, value] of new FormData(this.form)) {
      this.initial.set(name, [...(this.initial.get(name) ?? []), String(value)]);
    }
    this.wire();
    this.syncScenario();
    this.syncWorkload();
    this.showPlan();
    this.setState('idle');
    document.body.dataset.ready = 'true';
  }

  query() {
    return experimentQuery(/** @type {any} */ (new FormData(this.form)).entries());
  }

  /** @param {string} name */
  field(name) {
    return /** @type {HTMLInputElement} */ (this.form.elements.namedItem(name));
  }

  /** Shows the fieldsets of the scenario chosen, and its default rounds unless the user set them. */
  syncScenario() {
    const scenario = this.field('scenario').value;
    const dns = scenario === 'dns-free-play';
    this.root.querySelectorAll('[data-only]').forEach((el) => {
      const fs = /** @type {HTMLFieldSetElement} */ (el);
      const on = fs.dataset.only === (dns ? 'dns' : 'tcp');
      fs.disabled = !on;
      fs.hidden = !on;
    });
    const rounds = this.field('rounds');
    const defaults = scenarioOf(scenario)?.defaults;
    if (!rounds.dataset.touched && defaults) rounds.value = String(defaults.rounds);
  }

  /** The workload's fields the page leaves empty get the free-play scenario's defaults (the catalogue's). */
  fillDefaults() {
    const defaults = scenarioOf('tcp-free-play')?.defaults ?? {};
    for (const name of ['workload', 'workers', 'periodMs', 'durationS', 'warmupS', 'connectTimeoutMs']) {
      const f = this.field(name);
      if (f && !f.value && defaults[name] != null) f.value = String(defaults[name]);
    }
  }

  /**
   * Fills the form with a preset's parameters (the catalogue's: the server binds the preset
   * the same way), or brings the page's first values back for "none". Kernels and modes stay
   * as chosen: they are what an experiment compares.
   * @param {string} id
   */
  applyPreset(id) {
    const preset = presetOf(id);
    /** @type {Record<string, string>} */
    const values = {};
    if (id === 'none' || !preset) {
      for (const [name, list] of this.initial) if (name !== 'preset') values[name] = list.join(',');
    } else {
      const defaults = scenarioOf(preset.scenario)?.defaults ?? {};
      for (const name of ['pods', 'rounds', 'sourcePort', 'workload', 'workers', 'periodMs', 'durationS', 'warmupS', 'connectTimeoutMs']) {
        values[name] = String(preset.params[name] ?? defaults[name]);
      }
    }
    for (const [name, value] of Object.entries(values)) {
      if (['kernel', 'mode', 'scenario', 'trials', 'seed', 'resolver', 'mitigation'].includes(name)) continue;
      const wanted = value.split(',');
      const inputs = /** @type {NodeListOf<HTMLInputElement>} */ (this.form.querySelectorAll(`[name="${name}"]`));
      inputs.forEach((input) => {
        if (input.type === 'checkbox' || input.type === 'radio') input.checked = wanted.includes(input.value);
        else input.value = value;
      });
    }
    this.presetTitle.textContent = preset && id !== 'none' ? preset.title : '';
    this.syncWorkload();
  }

  /** Says what the chosen workload stands for (the catalogue's sentence). */
  syncWorkload() {
    const w = workloadOf(this.field('workload').value);
    this.workloadText.textContent = w ? w.standsFor : '';
  }

  showPlan() {
    const size = planSize(this.query());
    const unit = this.field('scenario').value === 'dns-free-play' ? 'lookups' : 'connections';
    this.planText.textContent =
      `${size.configurations} configuration${size.configurations === 1 ? '' : 's'} × ` +
      `${this.field('trials').value || 0} trials = ${size.runs.toLocaleString('en')} runs, ` +
      `${size.attempts.toLocaleString('en')} ${unit}`;
  }

  /** @param {string} state idle, running, done or error */
  setState(state) {
    document.body.dataset.state = state;
    this.runButton.disabled = state === 'running';
    this.stopButton.disabled = state !== 'running';
  }

  /** @param {string} text */
  showProblem(text) {
    this.problem.textContent = text;
    this.problem.hidden = !text;
  }

  /** Runs the experiment the form describes, reading its stream until the result. */
  async run() {
    this.controller?.abort();
    const own = new AbortController();
    this.controller = own;
    this.showProblem('');
    this.setState('running');
    this.progress.value = 0;
    this.progress.max = 1;
    this.progressText.textContent = 'Starting…';
    this.started = performance.now();
    try {
      const query = this.query();
      // The query asked, on the page (a test asks the API the same and compares the drawing).
      this.root.dataset.query = query;
      const response = await fetch(`/api/experiments?${query}`, {
        headers: { Accept: 'text/event-stream, application/problem+json' },
        signal: own.signal,
      });
      if (!response.ok) {
        await this.refused(response);
        return;
      }
      await this.read(/** @type {ReadableStream<Uint8Array>} */ (response.body));
      if (this.controller === own) this.setState(this.last ? 'done' : 'error');
    } catch (e) {
      const err = /** @type {Error} */ (e);
      if (err.name === 'AbortError') {
        this.progressText.textContent = 'Stopped.';
        this.setState('idle');
      } else {
        this.showProblem(`The experiment stopped: ${err.message}`);
        this.setState('error');
      }
    }
  }

  /**
   * The server refused the experiment: its problem's detail.
   * @param {Response} response
   */
  async refused(response) {
    let detail = `The server answered ${response.status}.`;
    try {
      const body = await response.json();
      detail = body.detail || detail;
    } catch {
      // not JSON: keep the status
    }
    this.showProblem(detail);
    this.setState('error');
    this.progressText.textContent = '';
  }

  /** @param {ReadableStream<Uint8Array>} body */
  async read(body) {
    const reader = body.pipeThrough(/** @type {any} */ (new TextDecoderStream())).getReader();
    const parser = new SseParser();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const event of parser.feed(value)) this.receive(event.event, JSON.parse(event.data));
    }
  }

  /**
   * @param {string} name
   * @param {any} data
   */
  receive(name, data) {
    const seconds = ((performance.now() - this.started) / 1000).toFixed(1);
    if (name === 'progress') {
      this.progress.max = Math.max(1, data.total);
      this.progress.value = data.done;
      this.progressText.textContent = `${data.done.toLocaleString('en')} of ${data.total.toLocaleString('en')} runs · ${seconds} s`;
    } else if (name === 'result') {
      this.progressText.textContent = `${this.progress.max.toLocaleString('en')} runs in ${seconds} s`;
      this.showResult(data);
    } else if (name === 'error') {
      this.showProblem(data.detail);
    }
  }

  /** @param {any} data */
  showResult(data) {
    this.last = data;
    this.selected = defaultRow(data.configurations);
    this.results.hidden = false;
    this.renderTable();
    this.renderRates();
    this.renderWindows();
    this.renderLatency();
    this.renderCounters();
  }

  /** The parameters the table and captions name: kernel, mode, pods, then whatever else varies. */
  shownParams() {
    const varied = variedParams(this.last.configurations);
    return ['kernel', 'mode', 'pods', ...varied.filter((n) => !['kernel', 'mode', 'pods'].includes(n))];
  }

  renderTable() {
    const configurations = this.last.configurations;
    const shown = this.shownParams();
    this.thead.replaceChildren(
      ...[...shown.map(headerName), 'attempts', 'insert_failed', 'errors', 'drop', 'found', 'invalid', 'p50', 'p99', 'p99.9', 'Lab'].map((name) => {
        const th = document.createElement('th');
        th.scope = 'col';
        th.textContent = name;
        return th;
      }),
    );
    this.tbody.replaceChildren(...configurations.map((/** @type {any} */ c, /** @type {number} */ i) => this.row(c, i, shown)));
  }

  /**
   * @param {any} c a configuration's result
   * @param {number} i its index
   * @param {string[]} shown
   */
  row(c, i, shown) {
    const tr = document.createElement('tr');
    tr.tabIndex = 0;
    tr.dataset.index = String(i);
    tr.setAttribute('aria-selected', String(i === this.selected));
    const cells = [
      ...shown.map((n) => String(c.params[n])),
      c.attempts.toLocaleString('en'),
      formatRateWithInterval(c.insertFailedRate, c.ci95),
      formatPercent(c.errorRate),
      formatPercent(c.dropRate),
      perAttemptText(c.perAttempt?.found),
      perAttemptText(c.perAttempt?.invalid),
      latencyText(c.latency.p50Ns),
      latencyText(c.latency.p99Ns),
      latencyText(c.latency.p999Ns),
    ];
    cells.forEach((content, k) => {
      const td = document.createElement('td');
      td.textContent = content;
      if (k >= shown.length) td.className = 'num';
      if (k === shown.length + 1) td.classList.add('rate');
      tr.appendChild(td);
    });
    const td = document.createElement('td');
    const a = document.createElement('a');
    a.href = c.replayUrl;
    a.className = 'replay-link';
    a.textContent = 'Replay';
    a.title = `Open seed ${c.representativeSeed} in the Lab`;
    td.appendChild(a);
    tr.appendChild(td);
    return tr;
  }

  /** @param {number} index */
  select(index) {
    this.selected = index;
    this.tbody.querySelectorAll('tr').forEach((/** @type {HTMLElement} */ tr) => tr.setAttribute('aria-selected', String(Number(tr.dataset.index) === index)));
    this.renderLatency();
    this.renderCounters();
  }

  renderRates() {
    const { series, label } = rateSeries(this.last.configurations, this.metricSelect.value);
    const tree = rateChart(series, {
      width: 720,
      height: 430,
      yLabel: label,
      xLabel: 'concurrent clients (pods × workers)',
      label: `${label} against concurrency`,
    });
    this.rateFigure.replaceChildren(render(tree));
    this.rateLegend.replaceChildren(...series.map(legendItem));
  }

  /** The rates per 10 s window after the warm-up, one line per configuration (sustained workloads only). */
  renderWindows() {
    // The choices: errors, then every counter the server reports (conntrack -S's names).
    const names = ['errors', ...Object.keys(this.last.configurations[0]?.perAttempt ?? {})];
    if ([...this.windowMetric.options].map((o) => o.value).join() !== names.join()) {
      // The race's own counter first (a connect the race delays is not a failed connect),
      // until the user picks another.
      const keep = this.windowMetricChosen ? this.windowMetric.value : names.includes('insert_failed') ? 'insert_failed' : 'errors';
      this.windowMetric.replaceChildren(...names.map((n) => new Option(n === 'errors' ? 'errors (failed connects)' : n, n, false, n === keep)));
    }
    const metric = this.windowMetric.value || 'errors';
    const series = windowSeries(this.last.configurations, metric);
    this.windowsSection.hidden = series.length === 0;
    if (series.length === 0) return;
    const xMax = Math.max(...series.flatMap((s) => s.points.map((p) => p.x)));
    const yLabel = metric === 'errors' ? 'errors per attempt' : `${metric} per attempt`;
    const tree = rateChart(series, {
      width: 720,
      height: 430,
      yLabel,
      xLabel: 'simulated time (s), each point the window ending there',
      xTicks: niceTicks(xMax, 6).filter((t) => t > 0),
      whiskers: false,
      // Counters per attempt are not shares: their axis reads plain numbers.
      ...(metric === 'errors' ? {} : { yFormat: (/** @type {number} */ v) => String(Number(v.toPrecision(3))) }),
      label: `${yLabel} per 10 s window after the warm-up`,
    });
    this.windowFigure.replaceChildren(render(tree));
    this.windowLegend.replaceChildren(...series.map(legendItem));
  }

  /** Every conntrack -S counter per attempt of the selected configuration, window by window. */
  renderCounters() {
    const c = this.last.configurations[this.selected];
    const { names, rows } = counterTable(c);
    this.countersCaption.textContent = `conntrack -S per attempt, ${configurationLabel(c.params, this.shownParams())}`;
    this.countersHead.replaceChildren(
      ...['window', 'attempts', 'errors', ...names].map((name) => {
        const th = document.createElement('th');
        th.scope = 'col';
        th.textContent = name;
        return th;
      }),
    );
    this.countersBody.replaceChildren(
      ...rows.map((r) => {
        const tr = document.createElement('tr');
        [r.label, r.attempts.toLocaleString('en'), formatPercent(r.errorRate), ...r.values.map(perAttemptText)].forEach((content, k) => {
          const cell = document.createElement(k === 0 ? 'th' : 'td');
          if (k === 0) /** @type {HTMLTableCellElement} */ (cell).scope = 'row';
          else cell.className = 'num';
          cell.textContent = content;
          tr.appendChild(cell);
        });
        return tr;
      }),
    );
  }

  renderLatency() {
    const c = this.last.configurations[this.selected];
    const label = configurationLabel(c.params, this.shownParams());
    const legend = spikeLegend(c.params);
    this.latencyCaption.textContent = `Latency of ${label}: p50 ${latencyText(c.latency.p50Ns)}, p99 ${latencyText(c.latency.p99Ns)}${legend ? `; ${legend}` : ''}; click a bar to replay a run in the Lab`;
    const tree = histogramChart(c.latency.histogram, {
      width: 720,
      height: 430,
      marks: spikeMarks(c.params),
      hrefFor: (/** @type {{seed: number}} */ b) => labLink(c.params, b.seed),
      label: `Latency histogram of ${label}`,
    });
    this.latencyFigure.replaceChildren(render(tree));
  }

  wire() {
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.run();
    });
    this.form.addEventListener('input', (e) => {
      const target = /** @type {HTMLInputElement} */ (e.target);
      if (target.name === 'rounds') target.dataset.touched = 'true';
      if (target.name === 'preset') this.applyPreset(target.value);
      if (target.name === 'workload') this.syncWorkload();
      this.showPlan();
    });
    this.form.addEventListener('change', (e) => {
      if (/** @type {HTMLInputElement} */ (e.target).name === 'scenario') this.syncScenario();
      this.showPlan();
    });
    this.stopButton.addEventListener('click', () => this.controller?.abort());
    // A page left for another stops its stream (the back-forward cache would keep it open).
    addEventListener('pagehide', () => this.controller?.abort());
    this.metricSelect.addEventListener('change', () => this.last && this.renderRates());
    this.windowMetric.addEventListener('change', () => {
      this.windowMetricChosen = true;
      if (this.last) this.renderWindows();
    });
    /** @param {Event} e */
    const rowOf = (e) => /** @type {HTMLElement|null} */ (/** @type {HTMLElement} */ (e.target).closest('tr'));
    this.tbody.addEventListener('click', (/** @type {Event} */ e) => {
      if (/** @type {HTMLElement} */ (e.target).closest('a')) return;
      const tr = rowOf(e);
      if (tr) this.select(Number(tr.dataset.index));
    });
    this.tbody.addEventListener('keydown', (/** @type {KeyboardEvent} */ e) => {
      const tr = rowOf(e);
      if (!tr || (e.key !== 'Enter' && e.key !== ' ')) return;
      e.preventDefault();
      this.select(Number(tr.dataset.index));
    });
  }
}

/** @param {string} n */
function headerName(n) {
  return n === 'sourcePort' ? 'source port' : n;
}

/** @param {{cls: string, label: string}} s */
function legendItem(s) {
  const li = document.createElement('li');
  li.append(render(legendSwatch(s.cls)), document.createTextNode(s.label));
  return li;
}

/** "1.104" for a counter per attempt, "–" when absent. @param {number|undefined} x */
function perAttemptText(x) {
  return x == null || !Number.isFinite(x) ? '–' : x === 0 ? '0' : x.toFixed(x >= 0.1 ? 3 : 4);
}

/** @param {number} ns */
function latencyText(ns) {
  return ns < 0 ? '–' : formatDuration(ns);
}

if (typeof document !== 'undefined') {
  const root = document.getElementById('experiments');
  if (root) new ExperimentsPage(root).start();
}

export { formatNanos };
