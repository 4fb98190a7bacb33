// @ts-check
// The Lab's page, whatever feeds it: draws the run and player it is given (the node, the panels,
// the caption, the timeline), runs the animation loop in model time, and wires the time
// controls, the keys, the permalink, the inspector and the view toggles. Everything it draws
// comes from render/*.js; what feeds it is a mode's module:
//   local     ./local.js                   a recorded run played here (?offline)
//   presenter ../session/present.js        a server session with a join code (the Lab at /)
//   follower  ../session/watch.js          the presenter's stream, or a copy explored here
//   replay    ../export/replay.js          the offline file
// A mode hands the view its run and player (play, show), and may take over the time controls
// and the mode's own keys through `hooks`.

import { formatSimTime } from '../shared/format.js';
import { Player } from './player.js';
import { NodeView } from './render/node.js';
import { Timeline } from './render/timeline.js';
import { renderCaption, renderConntrack, renderCounters, renderRules, renderTimers, renderStepsTable, renderInspector } from './render/panels.js';
import { actionFor, keysFor, speedLabel, nextSpeed } from './keys.js';
import { runQuery, labUrl, fixesFor } from './permalink.js';
import { knobNames, speeds, catalogue } from './catalogue.js';
import { readRun } from './run.js';

/**
 * What a mode may change of the view's behaviour.
 * @typedef {object} Hooks
 * @property {(action: string, value?: any) => void} control a time control (button, key, timeline)
 * @property {(action: string) => boolean} action a mode's own key (join, detach, snap); true when handled
 * @property {(p: Player, why: string) => void} changed after a player's message was drawn
 * @property {(message: string) => boolean} error a player's error; true when handled
 */

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

export class LabView {
  /**
   * @param {{mode: string}} options 'lab' (a presenter), 'watch' (a follower) or 'replay' (the offline file)
   */
  constructor({ mode }) {
    this.mode = mode;
    this.url = new URLSearchParams(location.search);
    this.reducedMotionQuery = window.matchMedia?.('(prefers-reduced-motion: reduce)');
    this.ui = {
      svg: /** @type {SVGSVGElement} */ (/** @type {unknown} */ (byId('node'))),
      caption: byId('caption'),
      beat: byId('beat'),
      beatText: byId('beat-text'),
      narration: /** @type {HTMLElement} */ (document.querySelector('.narration')),
      conntrack: byId('conntrack'),
      counters: byId('counters'),
      rules: byId('rules'),
      timers: byId('timers'),
      steps: byId('steps'),
      clock: byId('clock'),
      stepNo: byId('step-no'),
      speed: /** @type {HTMLInputElement} */ (byId('speed')),
      speedOut: byId('speed-out'),
      play: byId('play'),
      mode: byId('source-mode'),
      inspector: /** @type {HTMLDialogElement} */ (byId('inspector')),
      inspectorBody: byId('inspector-body'),
      help: /** @type {HTMLDialogElement} */ (byId('help')),
      blackout: byId('blackout'),
      status: byId('status'),
    };
    /** @type {Run|null} the run shown */
    this.run = null;
    /** @type {Player|null} the player shown */
    this.player = null;
    /** @type {Run|null} the run the drawing is laid out for */
    this.drawnRun = null;
    /** @type {number|null} the step a permalink asked for, sought once the first snapshot came */
    this.pendingSeek = null;
    /** @type {any} the annotations of the step drawn */
    this.notes = null;
    /** @type {number|null} the packet in the inspector */
    this.inspected = null;
    this.lastUrlWrite = 0;
    /** @type {Hooks} */
    this.hooks = {
      control: (action, value) => this.applyControl(action, value),
      action: () => false,
      changed: () => {},
      error: () => false,
    };
    this.nodeView = new NodeView(this.ui.svg, { onPick: (id) => this.inspect(id), overlay: byId('tokens') });
    this.timeline = new Timeline(/** @type {SVGSVGElement} */ (/** @type {unknown} */ (byId('timeline'))), {
      onSeek: (step) => this.hooks.control('seek', step),
    });

    // Knob changes push a permalink; going back to one reloads that page rather than restoring a
    // stale copy of the DOM the modules no longer hold.
    const htmx = /** @type {any} */ (window).htmx;
    if (htmx) {
      htmx.config.historyCacheSize = 0;
      htmx.config.refreshOnHistoryMiss = true;
    }
    this.applyViewOptions();
    this.wireControls();
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => {
        if (this.nodeView.refit() && this.player?.state) this.drawStep(this.player, true);
      }).observe(this.ui.svg);
    }
    requestAnimationFrame((now) => this.frame(now));
  }

  /**
   * Calls `fn` with the new run whenever the knob bar was swapped in for another run.
   * @param {(data: LabRunData) => void} fn
   */
  onKnobs(fn) {
    document.body.addEventListener('htmx:afterSwap', (ev) => {
      const detail = /** @type {CustomEvent} */ (ev).detail;
      if (detail?.target?.id === 'knobs' || /** @type {HTMLElement} */ (ev.target)?.id === 'knobs') {
        const next = readRun();
        if (next && !next.error) {
          this.pendingSeek = null;
          fn(next);
        }
      }
    });
  }

  /**
   * A player for a source, drawing into this view while it is the one shown.
   * @param {any} source
   * @param {Beat[]} beats
   * @param {(p: Player, why: string) => void} onChange
   * @param {(kind: string, data: any) => void} onNotice
   */
  newPlayer(source, beats, onChange = (p, why) => this.onPlayerChange(p, why), onNotice = () => {}) {
    return new Player({
      source,
      beats,
      now: () => performance.now(),
      onChange,
      onError: (message) => this.onPlayerError(message),
      onNotice,
    });
  }

  /**
   * Shows a run played by a new player from `source`, and starts it.
   * @param {Run} run
   * @param {any} source
   * @param {(kind: string, data: any) => void} onNotice
   */
  play(run, source, onNotice = () => {}) {
    this.close();
    this.run = run;
    this.layoutFor(run);
    document.body.dataset.source = source.kind;
    this.ui.mode.dataset.mode = source.kind;
    this.player = this.newPlayer(source, run.beats, undefined, onNotice);
    this.player.start();
  }

  /**
   * Shows another run and player that already play (a follower's live stream or copy).
   * @param {Run} run
   * @param {Player} player
   */
  show(run, player) {
    this.run = run;
    this.player = player;
    this.layoutFor(run);
    if (player.state) {
      this.drawStep(player, true);
      this.drawPlayState(player);
    }
  }

  /** Closes the player shown (another run is coming). */
  close() {
    this.player?.close();
    this.player = null;
  }

  /** The speed of the player shown (1 before there is one). */
  speed() {
    return this.player?.speed ?? 1;
  }

  /**
   * Names the source of the steps in the controls: "session J3M9YS", "played in this browser"…
   * @param {string} text
   * @param {string} kind
   */
  setSource(text, kind) {
    this.ui.mode.textContent = text;
    this.ui.mode.dataset.mode = kind;
    document.body.dataset.source = kind;
  }

  /**
   * Lays the drawing, the timeline and the links out for a run (once per run shown).
   * @param {Run} r
   */
  layoutFor(r) {
    if (this.drawnRun === r) return;
    this.drawnRun = r;
    this.nodeView.setTopology(r.topology);
    this.timeline.setRun(r.events.length, r.marks);
    this.updateLinks(r.params);
  }

  /** @param {string} message */
  onPlayerError(message) {
    if (!this.hooks.error(message)) this.setStatus(message);
  }

  // --- drawing a step

  /**
   * @param {Player} p
   * @param {string} why
   */
  onPlayerChange(p, why) {
    if (why === 'snapshot' && this.pendingSeek !== null) {
      const s = this.pendingSeek;
      this.pendingSeek = null;
      if (s !== p.step) {
        this.applyControl('seek', Math.min(s, p.total - 1));
        return;
      }
    }
    if (why === 'snapshot' || why === 'event') this.drawStep(p, why === 'snapshot');
    this.drawPlayState(p);
    this.hooks.changed(p, why);
  }

  /**
   * @param {Player} p
   * @param {boolean} jump
   */
  drawStep(p, jump) {
    const run = /** @type {Run} */ (this.run);
    const ui = this.ui;
    const notes = run.annotator.at(p.step);
    this.notes = notes;
    const state = /** @type {LabState} */ (p.state);
    // After a seek the stream gives no previous step; the recorded run does (what just left the table).
    const prev = jump && p.step >= 0 ? run.checkpoints.stateAt(p.step - 1) : p.prevState;
    this.nodeView.update(state, notes, { jump: jump || this.reducedMotion() });
    renderConntrack(ui.conntrack, state, prev, notes);
    renderCounters(ui.counters, state, notes);
    renderRules(ui.rules, run.rules, notes, run.rawRules);
    renderTimers(ui.timers, state);
    const beat = p.beat;
    const text = notes.event ? notes.event.text : 'Press space (or ▶) to start. Each step is one thing the kernel or a client does.';
    renderCaption(ui.caption, text);
    ui.caption.dataset.step = String(p.step);
    ui.beat.hidden = !beat;
    if (beat) renderCaption(ui.beatText, beat.text);
    document.body.classList.toggle('at-beat', !!beat);
    ui.stepNo.textContent = `step ${p.step < 0 ? '–' : p.step} / ${p.total}`;
    ui.clock.textContent = `t = ${formatSimTime(state.t)}`;
    this.timeline.show(p.step);
    if (document.body.classList.contains('table-view')) renderStepsTable(ui.steps, run.events, p.step);
    if (this.inspected !== null && ui.inspector.open) renderInspector(ui.inspectorBody, run.annotator.history(this.inspected, p.step));
    this.writeUrl(p.step);
  }

  /** @param {Player} p */
  drawPlayState(p) {
    const ui = this.ui;
    ui.play.textContent = p.playing ? '❚❚' : '▶';
    ui.play.setAttribute('aria-label', p.playing ? 'Pause' : 'Play');
    ui.play.setAttribute('aria-pressed', String(p.playing));
    const i = speeds().indexOf(p.speed);
    if (i >= 0) ui.speed.value = String(i);
    ui.speedOut.textContent = speedLabel(p.speed);
    document.body.classList.toggle('playing', p.playing);
    // A screen reader cannot keep up with fast play: narrate at up to ×2, and every step when paused.
    ui.narration.setAttribute('aria-live', p.playing && p.speed > 2 ? 'off' : 'polite');
  }

  /**
   * The animation loop: between two steps, tokens travel and the clock runs from the previous
   * step's sim time to this one's over part of the step's wall time (model time, never wall
   * time, is shown).
   * @param {number} now
   */
  frame(now) {
    const player = this.player;
    if (player && player.state && player.prevState && this.notes) {
      const ms = Math.min(650, (catalogue().pacing.stepMillis * 0.8) / player.speed);
      const p = this.reducedMotion() || player.jumped ? 1 : Math.min(1, (now - player.changedAt) / ms);
      this.nodeView.animate(p);
      if (p < 1) {
        const t0 = player.prevState.t;
        const tNs = t0 + (player.state.t - t0) * p;
        this.ui.clock.textContent = `t = ${formatSimTime(Math.round(tNs))}`;
        renderTimers(this.ui.timers, player.state, tNs);
      }
    }
    requestAnimationFrame((t) => this.frame(t));
  }

  /** @param {number} step */
  writeUrl(step) {
    if (!this.run || this.mode === 'watch') return; // a follower's address stays /watch/{code}
    const now = performance.now();
    if (now - this.lastUrlWrite < 200 && this.player?.playing) return;
    this.lastUrlWrite = now;
    let next = labUrl(this.run.params, step, location.search);
    if (this.mode === 'replay') {
      // The offline file keeps its own name; only the step (and view options) go in its query.
      const q = new URLSearchParams(location.search);
      if (step >= 0) q.set('step', String(step));
      else q.delete('step');
      next = `${location.pathname}${q.toString() ? `?${q}` : ''}`;
    }
    if (`${location.pathname}${location.search}` === next) return;
    try {
      history.replaceState(history.state, '', next);
    } catch {
      // file:// pages may refuse; the step is still on screen
    }
  }

  // --- controls

  /**
   * A time control applied to the player shown.
   * @param {string} action
   * @param {any} value
   */
  applyControl(action, value = undefined) {
    const player = this.player;
    if (!player) return;
    switch (action) {
      case 'toggle':
        player.control(player.playing ? 'pause' : 'play');
        break;
      case 'first':
        player.control('seek', -1);
        break;
      case 'last':
        player.control('seek', player.total - 1);
        break;
      case 'next-mark': {
        const m = this.run?.marks.find((x) => x.step > player.step);
        if (m) player.control('seek', m.step);
        break;
      }
      case 'faster':
        player.control('speed', nextSpeed(this.speed(), 1));
        break;
      case 'slower':
        player.control('speed', nextSpeed(this.speed(), -1));
        break;
      case 'seek':
        if (value === null || value === undefined || Number.isNaN(value)) return;
        player.control('seek', value);
        break;
      default:
        player.control(action, value);
    }
  }

  wireControls() {
    const ui = this.ui;
    /** @param {string} action */
    const control = (action) => () => this.hooks.control(action);
    ui.play.addEventListener('click', control('toggle'));
    byId('step').addEventListener('click', control('step'));
    byId('back').addEventListener('click', control('back'));
    byId('first').addEventListener('click', control('first'));
    byId('last').addEventListener('click', control('last'));
    byId('next-mark').addEventListener('click', control('next-mark'));
    ui.speed.addEventListener('input', () => this.hooks.control('speed', speeds()[Number(ui.speed.value)]));
    byId('toggle-theme').addEventListener('click', () => this.setOption('theme', document.body.classList.toggle('projector') ? 'projector' : null));
    byId('toggle-motion').addEventListener('click', () => this.setOption('motion', document.body.classList.toggle('reduced-motion') ? 'reduced' : null));
    byId('toggle-table').addEventListener('click', () => this.toggleTable());
    byId('open-help').addEventListener('click', () => ui.help.showModal());
    for (const b of document.querySelectorAll('[data-close]')) b.addEventListener('click', () => b.closest('dialog')?.close());
    ui.blackout.addEventListener('click', () => ui.blackout.classList.remove('on'));
    /** @param {Event} ev */
    const row = (ev) => /** @type {HTMLElement|null} */ (/** @type {HTMLElement} */ (ev.target).closest('tr[data-packet]'));
    ui.conntrack.addEventListener('click', (ev) => {
      const r = row(ev);
      if (r) this.inspect(Number(r.getAttribute('data-packet')));
    });
    ui.conntrack.addEventListener('keydown', (ev) => {
      const r = row(ev);
      if (r && ev.key === 'Enter') this.inspect(Number(r.getAttribute('data-packet')));
    });
    byId('help-keys').replaceChildren(
      ...keysFor(this.mode).flatMap((k) => {
        const dt = document.createElement('dt');
        k.keys.forEach((key, i) => {
          if (i) dt.append(' ');
          const kbd = document.createElement('kbd');
          kbd.textContent = key;
          dt.append(kbd);
        });
        const dd = document.createElement('dd');
        dd.textContent = k.text;
        return [dt, dd];
      }),
    );
    document.addEventListener('keydown', (ev) => this.onKey(ev));
    this.reducedMotionQuery?.addEventListener?.('change', () => this.player && this.drawStep(this.player, true));
  }

  /** @param {KeyboardEvent} ev */
  onKey(ev) {
    const ui = this.ui;
    const target = /** @type {HTMLElement|null} */ (ev.target);
    const typing = target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName));
    const action = actionFor(ev);
    if (!action) return;
    if (typing && action !== 'close') return;
    if (ui.help.open && action !== 'close' && action !== 'help') return;
    if (target?.tagName === 'BUTTON' && action === 'toggle' && target.id !== 'play') return;
    if (['join', 'detach', 'snap'].includes(action)) {
      if (this.hooks.action(action)) ev.preventDefault();
      return;
    }
    ev.preventDefault();
    switch (action) {
      case 'toggle':
      case 'step':
      case 'back':
      case 'first':
      case 'last':
      case 'next-mark':
      case 'faster':
      case 'slower':
        this.hooks.control(action);
        break;
      case 'black':
        ui.blackout.classList.toggle('on');
        break;
      case 'fullscreen':
        if (document.fullscreenElement) document.exitFullscreen?.();
        else document.documentElement.requestFullscreen?.().catch(() => {});
        break;
      case 'table':
        this.toggleTable();
        break;
      case 'help':
        if (ui.help.open) ui.help.close();
        else ui.help.showModal();
        break;
      case 'close': {
        const join = /** @type {HTMLDialogElement|null} */ (document.getElementById('join'));
        const open = ui.blackout.classList.contains('on') || ui.help.open || ui.inspector.open || join?.open;
        ui.blackout.classList.remove('on');
        if (ui.help.open) ui.help.close();
        if (ui.inspector.open) ui.inspector.close();
        if (join?.open) join.close();
        // A follower's Esc also snaps back, when there was nothing else to close.
        if (!open) this.hooks.action('snap');
        break;
      }
      default:
        break;
    }
  }

  toggleTable() {
    const on = document.body.classList.toggle('table-view');
    this.setOption('view', on ? 'table' : null);
    if (on && this.player && this.run) renderStepsTable(this.ui.steps, this.run.events, this.player.step);
  }

  /** @param {number} packetId */
  inspect(packetId) {
    if (!this.run || !this.player || !Number.isFinite(packetId)) return;
    this.inspected = packetId;
    renderInspector(this.ui.inspectorBody, this.run.annotator.history(packetId, this.player.step));
    if (!this.ui.inspector.open) this.ui.inspector.show();
  }

  // --- view options: projector theme, reduced motion, table view (all in the URL too)

  applyViewOptions() {
    document.body.classList.toggle('projector', this.url.get('theme') === 'projector');
    document.body.classList.toggle('reduced-motion', this.url.get('motion') === 'reduced');
    document.body.classList.toggle('table-view', this.url.get('view') === 'table');
  }

  /**
   * @param {string} name
   * @param {string|null} value
   */
  setOption(name, value) {
    const q = new URLSearchParams(location.search);
    if (value === null) q.delete(name);
    else q.set(name, value);
    this.url.delete(name);
    if (value !== null) this.url.set(name, value);
    history.replaceState(history.state, '', `${location.pathname}?${q.toString()}`);
    if (name === 'motion' && this.player) this.drawStep(this.player, true);
  }

  reducedMotion() {
    return document.body.classList.contains('reduced-motion') || !!this.reducedMotionQuery?.matches;
  }

  /** @param {string} text */
  setStatus(text) {
    this.ui.status.textContent = text;
    this.ui.status.hidden = !text;
    if (!text) document.body.dataset.ready = 'true';
  }

  // --- the knob bar

  /** @param {boolean} locked */
  lockKnobs(locked) {
    const form = document.getElementById('knobs');
    if (!form) return;
    for (const el of form.querySelectorAll('select, input:not([type=hidden])')) /** @type {HTMLInputElement} */ (el).disabled = locked;
  }

  /** @param {Params} params */
  setKnobs(params) {
    const form = /** @type {HTMLFormElement|null} */ (document.getElementById('knobs'));
    if (!form || !params) return;
    for (const k of knobNames()) {
      const el = /** @type {HTMLInputElement|null} */ (form.elements.namedItem(k));
      if (el && params[k] !== undefined && params[k] !== null) el.value = String(params[k]);
    }
  }

  // --- links to Compare and the offline replay

  /** @param {Params} params */
  updateLinks(params) {
    const a = runQuery(params);
    const replay = /** @type {HTMLAnchorElement|null} */ (document.getElementById('download-replay'));
    if (replay) replay.href = `/api/export/replay?${a}`;
    const rf = /** @type {HTMLAnchorElement|null} */ (document.getElementById('compare-random-fully'));
    if (!rf) return;
    rf.href = `/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(runQuery({ ...params, mode: params.mode === 'random-fully' ? 'default' : 'random-fully' }))}`;
    rf.textContent = params.mode === 'random-fully' ? 'Compare with default' : 'Compare with random-fully';
    const [b, c] = fixesFor(params).map((p) => encodeURIComponent(runQuery(p)));
    /** @type {HTMLAnchorElement} */ (byId('compare-fix')).href = `/compare?a=${encodeURIComponent(a)}&b=${b}&c=${c}`;
  }
}
