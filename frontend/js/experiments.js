// The Experiments page: pick configurations, stream a Monte Carlo from /api/experiments,
// then show one row per configuration, the rate against concurrency and the latency
// histogram of the chosen row. The exported functions are pure (tested with node --test);
// the page wiring at the bottom runs only in a browser, with listeners, no inline code.
import { rateChart, histogramChart, legendSwatch, render, formatPercent, formatNanos } from './charts.js';
import { formatDuration } from './format.js';

/** The parameters that may list several values (one configuration per combination). */
export const LIST_PARAMS = ['kernel', 'mode', 'resolver', 'mitigation', 'pods'];

/** The order of a Lab permalink's parameters (as the server's LabLinks writes them). */
export const LAB_PARAMS = ['scenario', 'kernel', 'mode', 'resolver', 'pods', 'rounds', 'sourcePort', 'cpus',
  'endpoints', 'seed', 'mitigation', 'ndots'];

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
 * The query of /api/experiments from form entries ([name, value] pairs): several values
 * of a list parameter are joined with commas, empty values left out.
 */
export function experimentQuery(entries) {
  const values = new Map();
  for (const [name, value] of entries) {
    const v = String(value).trim();
    if (v === '') continue;
    if (!values.has(name)) values.set(name, []);
    if (!values.get(name).includes(v)) values.get(name).push(v);
  }
  const query = new URLSearchParams();
  for (const [name, list] of values) {
    query.set(name, LIST_PARAMS.includes(name) ? list.join(',') : list[list.length - 1]);
  }
  return query.toString();
}

/** How many configurations and attempts a query asks for. */
export function planSize(query, defaults = { pods: 32, rounds: 10 }) {
  const q = new URLSearchParams(query);
  const count = (name) => (q.get(name) ? q.get(name).split(',').length : 1);
  const configurations = LIST_PARAMS.reduce((n, name) => n * count(name), 1);
  const trials = Number(q.get('trials') || 100);
  const pods = q.get('pods') ? q.get('pods').split(',').map(Number) : [defaults.pods];
  const podSum = pods.reduce((a, b) => a + b, 0);
  const rounds = Number(q.get('rounds') || defaults.rounds);
  const others = configurations / pods.length;
  return { configurations, runs: configurations * trials, attempts: others * podSum * rounds * trials };
}

/** A Lab permalink to a run: the configuration's parameters with another seed. */
export function labLink(params, seed) {
  const q = new URLSearchParams();
  for (const name of LAB_PARAMS) {
    const value = name === 'seed' ? seed : params[name];
    if (value !== undefined && value !== null) q.set(name, String(value));
  }
  return `/?${q.toString()}`;
}

/** The parameters that differ between configurations, in LAB_PARAMS order. */
export function variedParams(configurations) {
  return LAB_PARAMS.filter((name) => name !== 'seed'
    && new Set(configurations.map((c) => String(c.params[name]))).size > 1);
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
  // Tell apart series of one mode (e.g. two kernels) by an extra class for the dash.
  const seen = new Map();
  for (const s of series) {
    const n = seen.get(s.cls) ?? 0;
    seen.set(s.cls, n + 1);
    s.cls = `${s.cls} variant-${n}`;
  }
  return { series, label: m.label };
}

/**
 * Where the clients' timers put the spikes for one configuration: a lost SYN costs 1 s
 * and a second loss 3 s in all (exponential back-off) or 2 s (6.x's linear back-off); a
 * lost DNS query costs musl 2.5 s and glibc 5 s.
 */
export function spikeMarks(params) {
  if (params.scenario === 'dns-free-play') {
    return [{ ns: 2.5e9, label: '2.5 s' }, { ns: 5e9, label: '5 s' }];
  }
  return params.kernel === '6.x'
    ? [{ ns: 1e9, label: '1 s' }, { ns: 2e9, label: '2 s' }]
    : [{ ns: 1e9, label: '1 s' }, { ns: 3e9, label: '3 s' }];
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

// ---------------------------------------------------------------- page wiring (browser only)

function initPage(root) {
  const form = root.querySelector('#experiment-form');
  const stopButton = root.querySelector('#stop');
  const runButton = root.querySelector('#run');
  const planText = root.querySelector('#plan-size');
  const progress = root.querySelector('#progress');
  const progressText = root.querySelector('#progress-text');
  const problem = root.querySelector('#problem');
  const results = root.querySelector('#results');
  const tbody = root.querySelector('#results-table tbody');
  const thead = root.querySelector('#results-table thead tr');
  const rateFigure = root.querySelector('#rate-chart');
  const rateLegend = root.querySelector('#rate-legend');
  const latencyFigure = root.querySelector('#latency-chart');
  const latencyCaption = root.querySelector('#latency-caption');
  const metricSelect = root.querySelector('#rate-metric');
  let controller = null;
  let last = null;
  let selected = 0;

  const query = () => experimentQuery(new FormData(form).entries());

  function syncScenario() {
    const dns = form.elements.scenario.value === 'dns-free-play';
    root.querySelectorAll('[data-only]').forEach((fs) => {
      const on = fs.dataset.only === (dns ? 'dns' : 'tcp');
      fs.disabled = !on;
      fs.hidden = !on;
    });
    const rounds = form.elements.rounds;
    if (!rounds.dataset.touched) rounds.value = dns ? '5' : '10';
  }

  function showPlan() {
    const size = planSize(query());
    const unit = form.elements.scenario.value === 'dns-free-play' ? 'lookups' : 'connections';
    planText.textContent = `${size.configurations} configuration${size.configurations === 1 ? '' : 's'} × `
      + `${form.elements.trials.value || 0} trials = ${size.runs.toLocaleString('en')} runs, `
      + `${size.attempts.toLocaleString('en')} ${unit}`;
  }

  function setState(state) {
    document.body.dataset.state = state;
    runButton.disabled = state === 'running';
    stopButton.disabled = state !== 'running';
  }

  function showProblem(text) {
    problem.textContent = text;
    problem.hidden = !text;
  }

  async function run() {
    controller?.abort();
    controller = new AbortController();
    const own = controller;
    showProblem('');
    setState('running');
    progress.value = 0;
    progress.max = 1;
    progressText.textContent = 'Starting…';
    const started = performance.now();
    try {
      const response = await fetch(`/api/experiments?${query()}`, {
        headers: { Accept: 'text/event-stream, application/problem+json' },
        signal: own.signal,
      });
      if (!response.ok) {
        let detail = `The server answered ${response.status}.`;
        try {
          const body = await response.json();
          detail = body.detail || detail;
        } catch (e) { /* not JSON: keep the status */ }
        showProblem(detail);
        setState('error');
        progressText.textContent = '';
        return;
      }
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.feed(value)) {
          const data = JSON.parse(event.data);
          if (event.event === 'progress') {
            progress.max = Math.max(1, data.total);
            progress.value = data.done;
            const seconds = ((performance.now() - started) / 1000).toFixed(1);
            progressText.textContent = `${data.done.toLocaleString('en')} of ${data.total.toLocaleString('en')} runs · ${seconds} s`;
          } else if (event.event === 'result') {
            const seconds = ((performance.now() - started) / 1000).toFixed(1);
            progressText.textContent = `${progress.max.toLocaleString('en')} runs in ${seconds} s`;
            showResult(data);
          } else if (event.event === 'error') {
            showProblem(data.detail);
          }
        }
      }
      if (controller === own) setState(last ? 'done' : 'error');
    } catch (e) {
      if (e.name === 'AbortError') {
        progressText.textContent = 'Stopped.';
        setState('idle');
      } else {
        showProblem(`The experiment stopped: ${e.message}`);
        setState('error');
      }
    }
  }

  function showResult(data) {
    last = data;
    selected = defaultRow(data.configurations);
    results.hidden = false;
    renderTable();
    renderRates();
    renderLatency();
  }

  function renderTable() {
    const configurations = last.configurations;
    const varied = variedParams(configurations);
    const shown = ['kernel', 'mode', 'pods', ...varied.filter((n) => !['kernel', 'mode', 'pods'].includes(n))];
    thead.replaceChildren(...[...shown.map(headerName), 'attempts', 'insert_failed', 'drop', 'clash_resolve', 'p50', 'p99', 'p99.9', 'Lab']
      .map((name) => {
        const th = document.createElement('th');
        th.scope = 'col';
        th.textContent = name;
        return th;
      }));
    tbody.replaceChildren(...configurations.map((c, i) => {
      const tr = document.createElement('tr');
      tr.tabIndex = 0;
      tr.dataset.index = String(i);
      tr.setAttribute('aria-selected', String(i === selected));
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
    }));
  }

  function headerName(n) {
    return n === 'sourcePort' ? 'source port' : n;
  }

  function latencyText(ns) {
    return ns < 0 ? '–' : formatDuration(ns);
  }

  function select(index) {
    selected = index;
    tbody.querySelectorAll('tr').forEach((tr) => tr.setAttribute('aria-selected', String(Number(tr.dataset.index) === index)));
    renderLatency();
  }

  function renderRates() {
    const { series, label } = rateSeries(last.configurations, metricSelect.value);
    const tree = rateChart(series, { width: 720, height: 430, yLabel: label, label: `${label} against concurrency` });
    rateFigure.replaceChildren(render(tree));
    rateLegend.replaceChildren(...series.map((s) => {
      const li = document.createElement('li');
      li.append(render(legendSwatch(s.cls)), document.createTextNode(s.label));
      return li;
    }));
  }

  function renderLatency() {
    const c = last.configurations[selected];
    const label = configurationLabel(c.params, ['kernel', 'mode', 'pods', ...variedParams(last.configurations)
      .filter((n) => !['kernel', 'mode', 'pods'].includes(n))]);
    latencyCaption.textContent = `Latency of ${label}: p50 ${latencyText(c.latency.p50Ns)}, p99 ${latencyText(c.latency.p99Ns)}; click a bar to replay a run in the Lab`;
    const tree = histogramChart(c.latency.histogram, {
      width: 720,
      height: 430,
      marks: spikeMarks(c.params),
      hrefFor: (b) => labLink(c.params, b.seed),
      label: `Latency histogram of ${label}`,
    });
    latencyFigure.replaceChildren(render(tree));
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  form.addEventListener('input', (e) => {
    if (e.target.name === 'rounds') e.target.dataset.touched = 'true';
    showPlan();
  });
  form.addEventListener('change', (e) => {
    if (e.target.name === 'scenario') syncScenario();
    showPlan();
  });
  stopButton.addEventListener('click', () => controller?.abort());
  metricSelect.addEventListener('change', () => last && renderRates());
  tbody.addEventListener('click', (e) => {
    if (e.target.closest('a')) return;
    const tr = e.target.closest('tr');
    if (tr) select(Number(tr.dataset.index));
  });
  tbody.addEventListener('keydown', (e) => {
    const tr = e.target.closest('tr');
    if (!tr || (e.key !== 'Enter' && e.key !== ' ')) return;
    e.preventDefault();
    select(Number(tr.dataset.index));
  });
  syncScenario();
  showPlan();
  setState('idle');
  document.body.dataset.ready = 'true';
}

if (typeof document !== 'undefined') {
  const root = document.getElementById('experiments');
  if (root) initPage(root);
}

export { formatNanos };
