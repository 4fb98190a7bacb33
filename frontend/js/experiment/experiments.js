// @ts-check
// The Experiments page: pick configurations, stream a Monte Carlo from /api/experiments,
// then show one row per configuration, the rate against concurrency and the latency
// histogram of the chosen row. The exported functions are pure (tested with node --test);
// the page (ExperimentsPage, at the bottom) runs only in a browser, with listeners, no
// inline code. The knobs, the scenarios' defaults and the clients' timers are the
// catalogue's.
import { rateChart, histogramChart, legendSwatch, render, formatPercent, formatNanos } from './charts.js';
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
 * How many configurations and attempts a query asks for (pods and rounds the query leaves
 * out are its scenario's defaults).
 * @param {string} query
 */
export function planSize(query) {
  const q = new URLSearchParams(query);
  const defaults = scenarioOf(q.get('scenario') ?? 'tcp-free-play')?.defaults ?? {};
  /** @param {string} name */
  const list = (name) => (q.get(name) ?? '').split(',').filter((v) => v !== '');
  let configurations = 1;
  for (const name of new Set(q.keys())) configurations *= Math.max(1, list(name).length);
  const trials = Number(q.get('trials') || 100);
  const pods = list('pods').length ? list('pods').map(Number) : [Number(defaults.pods)];
  const podSum = pods.reduce((a, b) => a + b, 0);
  const rounds = Number(q.get('rounds') || defaults.rounds);
  const others = configurations / pods.length;
  return { configurations, runs: configurations * trials, attempts: others * podSum * rounds * trials };
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
  const parts = varied.filter((n) => !without.includes(n)).map((n) => (n === 'pods' ? `${params.pods} pods` : String(params[n])));
  return parts.length ? parts.join(' · ') : `${params.kernel} · ${params.mode}`;
}

const METRICS = {
  insertFailed: { rate: 'insertFailedRate', ci: 'ci95', label: 'insert_failed per attempt' },
  drop: { rate: 'dropRate', ci: 'dropCi95', label: 'drop per attempt' },
  clashResolve: { rate: 'clashResolveRate', ci: 'clashResolveCi95', label: 'clash_resolve per attempt' },
};

/**
 * The series of the rate chart: one per combination of everything that varies except the
 * pods, each point a configuration at its concurrency.
 */
export function rateSeries(configurations, metric = 'insertFailed') {
  const m = METRICS[metric];
  const varied = variedParams(configurations);
  const keyParams = varied.filter((n) => n !== 'pods');
  const byKey = new Map();
  for (const c of configurations) {
    const key = keyParams.map((n) => c.params[n]).join('|') || 'all';
    if (!byKey.has(key)) {
      byKey.set(key, {
        key,
        label: configurationLabel(c.params, keyParams),
        cls: `mode-${c.params.mode}`,
        points: [],
      });
    }
    const [low, high] = c[m.ci];
    byKey.get(key).points.push({
      x: c.params.pods,
      rate: c[m.rate],
      low,
      high,
      title: `${configurationLabel(c.params, varied)}: ${formatPercent(c[m.rate])} (95 % interval ${formatPercent(low)} to ${formatPercent(high)})`,
    });
  }
  const series = [...byKey.values()];
  // Each series has its own colour (4.17 and 5.6 of one mode are two colours); the mode
  // keeps its dash, so that the mode still reads at a glance.
  series.forEach((s, i) => {
    s.cls = `${s.cls} colour-${i % 8}`;
  });
  return { series, label: m.label };
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
    /** @type {AbortController|null} */
    this.controller = null;
    /** @type {any} the last result */
    this.last = null;
    this.selected = 0;
    this.started = 0;
  }

  start() {
    this.wire();
    this.syncScenario();
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
      const response = await fetch(`/api/experiments?${this.query()}`, {
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
    this.renderLatency();
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
      ...[...shown.map(headerName), 'attempts', 'insert_failed', 'drop', 'clash_resolve', 'p50', 'p99', 'p99.9', 'Lab'].map((name) => {
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
      formatPercent(c.dropRate),
      formatPercent(c.clashResolveRate),
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
  }

  renderRates() {
    const { series, label } = rateSeries(this.last.configurations, this.metricSelect.value);
    const tree = rateChart(series, { width: 720, height: 430, yLabel: label, label: `${label} against concurrency` });
    this.rateFigure.replaceChildren(render(tree));
    this.rateLegend.replaceChildren(
      ...series.map((s) => {
        const li = document.createElement('li');
        li.append(render(legendSwatch(s.cls)), document.createTextNode(s.label));
        return li;
      }),
    );
  }

  renderLatency() {
    const c = this.last.configurations[this.selected];
    const label = configurationLabel(c.params, this.shownParams());
    this.latencyCaption.textContent = `Latency of ${label}: p50 ${latencyText(c.latency.p50Ns)}, p99 ${latencyText(c.latency.p99Ns)}; click a bar to replay a run in the Lab`;
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

/** @param {number} ns */
function latencyText(ns) {
  return ns < 0 ? '–' : formatDuration(ns);
}

if (typeof document !== 'undefined') {
  const root = document.getElementById('experiments');
  if (root) new ExperimentsPage(root).start();
}

export { formatNanos };
