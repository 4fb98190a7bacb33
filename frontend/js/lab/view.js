// @ts-check
// The Lab's page, whatever feeds it: draws the run and player it is given (the node, the panels,
// the caption, the timeline), runs the animation loop in model time, and wires the time
// controls, the keys, the permalink, the inspector, the menus and the view toggles. Everything
// it draws comes from render/*.js; what feeds it is a mode's module:
//   local     ./local.js                   a recorded run played here (?offline)
//   presenter ../session/present.js        a server session with a join code (the Lab at /)
//   follower  ../session/watch.js          the presenter's stream, or a copy explored here
//   replay    ../export/replay.js          the offline file
// A mode hands the view its run and player (play, show), and may take over the time controls
// and the mode's own keys through `hooks`.
//
// The page is a fixed stage: the regions keep their size at every step (the caption's font
// shrinks to fit its room instead), so the drawing never moves; and the clock and the timers
// land exactly on the step's time when an animation ends.

import { formatSimTime } from '../shared/format.js';
import { Player } from './player.js';
import { NodeView } from './render/node.js';
import { Timeline } from './render/timeline.js';
import { renderCaption, renderConntrack, renderCounters, renderRules, renderTimers, renderStepsTable, renderInspector } from './render/panels.js';
import { actionFor, keysFor, speedLabel, nextSpeed } from './keys.js';
import { runQuery, labUrl, fixesFor } from './permalink.js';
import { knobNames, speeds, catalogue, scenarioOf } from './catalogue.js';
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

/** The longest an animation between two steps lasts, ms. */
const MAX_ANIMATION_MS = 650;

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
      beatHint: byId('beat-hint'),
      fit: byId('narration-fit'),
      narrate: byId('narrate'),
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
      timelineEl: byId('timeline'),
      inspector: /** @type {HTMLDialogElement} */ (byId('inspector')),
      inspectorBody: byId('inspector-body'),
      help: /** @type {HTMLDialogElement} */ (byId('help')),
      blackout: byId('blackout'),
      status: byId('status'),
      statusText: byId('status-text'),
      statusRetry: byId('status-retry'),
      warning: byId('warning'),
      intro: byId('intro'),
    };
    /** @type {Run|null} the run shown */
    this.run = null;
    /** @type {Player|null} the player shown */
    this.player = null;
    /** @type {Run|null} the run the drawing is laid out for */
    this.drawnRun = null;
    /** @type {number|string|null} the step a permalink asked for ('drop': the first drop), sought once the first snapshot came */
    this.pendingSeek = null;
    /** @type {any} the annotations of the step drawn */
    this.notes = null;
    /** @type {number|null} the packet in the inspector */
    this.inspected = null;
    this.lastUrlWrite = 0;
    /** Whether the animation of the current step has reached its end (and written its final values). */
    this.settled = true;
    /** @type {(() => void)|null} what "Try again" does */
    this.retry = null;
    /** Whether the intro card was closed by hand (it stays closed for this run). */
    this.introDismissed = false;
    /** @type {Hooks} */
    this.hooks = {
      control: (action, value) => this.applyControl(action, value),
      action: () => false,
      changed: () => {},
      error: () => false,
    };
    this.nodeView = new NodeView(this.ui.svg, { onPick: (id) => this.inspect(id), overlay: byId('tokens') });
    this.timeline = new Timeline(/** @type {SVGSVGElement} */ (/** @type {unknown} */ (this.ui.timelineEl)), {
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
    this.wireKnobs();
    this.wireMenus();
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => this.relayout()).observe(this.ui.svg);
      new ResizeObserver(() => this.fitCaption()).observe(this.ui.fit);
      new ResizeObserver(() => this.fitWarning()).observe(this.ui.warning);
    }
    // A page left for another keeps no stream open (the browser's back-forward cache would keep
    // it, and six of them exhaust the connections a browser opens to one server); coming back
    // to it loads it afresh.
    addEventListener('pagehide', () => this.close());
    addEventListener('pageshow', (ev) => {
      if (/** @type {PageTransitionEvent} */ (ev).persisted) location.reload();
    });
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
        this.wireKnobDrawer();
        const next = readRun();
        if (next && !next.error) {
          this.pendingSeek = null;
          this.introDismissed = false;
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
   * Lays the drawing, the timeline, the links and the intro card out for a run (once per run shown).
   * @param {Run} r
   */
  layoutFor(r) {
    if (this.drawnRun === r) return;
    this.drawnRun = r;
    this.nodeView.setOptions({ remote: r.remote, randomFully: r.params.mode === 'random-fully' });
    this.nodeView.setTopology(r.topology);
    this.timeline.setRun(r.events.length, r.marks);
    this.ui.timelineEl.setAttribute('aria-valuemax', String(Math.max(0, r.events.length - 1)));
    this.updateLinks(r.params);
    this.fillIntro(r);
    this.ui.warning.textContent = r.warning ?? '';
    this.ui.warning.hidden = !r.warning;
    this.fitWarning();
  }

  /**
   * A warning keeps the foot of the stage for itself: the drawing and its tokens stand above
   * it (the stage area's `--foot`), never under it. Called when a run is laid out and when the
   * warning's size changes (it wraps on narrow screens).
   */
  fitWarning() {
    const w = this.ui.warning;
    const area = w.parentElement;
    if (!area) return;
    if (w.hidden) {
      area.style.removeProperty('--foot');
      return;
    }
    const foot = area.getBoundingClientRect().bottom - w.getBoundingClientRect().top + 4;
    area.style.setProperty('--foot', `${Math.ceil(foot)}px`);
  }

  /** The page gave the drawing another size or type: lay it out again and redraw the step. */
  relayout() {
    if (this.nodeView.refit() && this.player?.state) this.drawStep(this.player, true);
    this.fitCaption();
  }

  /** @param {string} message */
  onPlayerError(message) {
    if (!this.hooks.error(message)) this.setStatus(message, { error: true });
  }

  // --- drawing a step

  /**
   * @param {Player} p
   * @param {string} why
   */
  onPlayerChange(p, why) {
    if (why === 'snapshot' && this.pendingSeek !== null) {
      const want = this.pendingSeek;
      this.pendingSeek = null;
      const s = want === 'drop' ? (this.run?.marks.find((m) => m.kind === 'drop')?.step ?? p.step) : Number(want);
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
    const animated = !jump && !this.reducedMotion() && !p.jumped;
    this.nodeView.update(state, notes, { jump: !animated });
    renderConntrack(ui.conntrack, state, prev, notes);
    renderCounters(ui.counters, state, notes);
    renderRules(ui.rules, run.rules, notes, run.rawRules);
    const beat = p.beat;
    const text = notes.event ? notes.event.text : 'Press Space (or ▶) to start. Each step is one thing the kernel or a client does.';
    renderCaption(ui.caption, text, notes.shared);
    ui.caption.dataset.step = String(p.step);
    ui.beat.hidden = !beat;
    if (beat) renderCaption(ui.beatText, beat.text, notes.shared);
    ui.beatHint.textContent = this.mode === 'watch' && !document.body.classList.contains('detached') ? 'The presenter continues.' : 'Space continues.';
    document.body.classList.toggle('at-beat', !!beat);
    this.fitCaption();
    ui.stepNo.textContent = `step ${p.step < 0 ? '–' : p.step} / ${p.total}`;
    // An animated step starts the clock and the timers at the previous step's time; the frame
    // loop runs them up to this step's time and writes that time exactly when it ends.
    this.settled = !animated;
    this.writeTime(animated && p.prevState ? p.prevState.t : state.t, state);
    this.timeline.show(p.step);
    this.ui.timelineEl.setAttribute('aria-valuenow', String(p.step));
    this.ui.timelineEl.setAttribute(
      'aria-valuetext',
      p.step < 0 ? 'before the first step' : `step ${p.step} of ${p.total}, t = ${formatSimTime(state.t)}${beat ? ', a beat' : ''}`,
    );
    if (document.body.classList.contains('table-view')) this.renderTable(p.step);
    if (this.inspected !== null && ui.inspector.open) renderInspector(ui.inspectorBody, run.annotator.history(this.inspected, p.step));
    this.showIntro(p.step < 0 && !this.introDismissed);
    this.narrate(p, beat, text);
    this.updateExports(p.step);
    this.writeUrl(p.step);
  }

  /**
   * The clock, the timers panel and the pods' timers at a sim time.
   * @param {number} tNs
   * @param {LabState} state
   */
  writeTime(tNs, state) {
    this.ui.clock.textContent = `t = ${formatSimTime(Math.round(tNs))}`;
    renderTimers(this.ui.timers, state, tNs);
    this.nodeView.paintPods(tNs);
  }

  /**
   * What a screen reader hears: while playing, only the beats (a caption every half second is
   * noise); when stepping or paused, every step's caption.
   * @param {Player} p
   * @param {Beat|null} beat
   * @param {string} text
   */
  narrate(p, beat, text) {
    const plain = (/** @type {string} */ s) => s.replace(/`/g, '');
    if (p.playing && !beat) return;
    const said = beat ? `Beat: ${plain(beat.text)} ${plain(text)}` : plain(text);
    if (this.ui.narrate.textContent !== said) this.ui.narrate.textContent = said;
  }

  /** Shrinks the narration's font until the beat and the caption fit their fixed room. */
  fitCaption() {
    const box = this.ui.fit;
    if (!box || !box.clientHeight) return;
    const root = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
    const projector = document.documentElement.classList.contains('projector');
    const max = root * (projector ? 1.5 : 1.45);
    const floor = projector ? 18 : Math.max(12, root * 0.875);
    let lo = floor;
    let hi = max;
    const caption = this.ui.caption;
    this.ui.beatHint.hidden = false;
    caption.classList.remove('clamped');
    caption.style.removeProperty('--lines');
    box.style.setProperty('--fit', `${hi}px`);
    if (box.scrollHeight <= box.clientHeight + 1) return;
    for (let i = 0; i < 7; i++) {
      const mid = (lo + hi) / 2;
      box.style.setProperty('--fit', `${mid}px`);
      if (box.scrollHeight <= box.clientHeight + 1) lo = mid;
      else hi = mid;
    }
    box.style.setProperty('--fit', `${lo.toFixed(2)}px`);
    if (box.scrollHeight <= box.clientHeight + 1) return;
    // The hint ("Space continues") goes first: the room sees the beat, the presenter knows the key.
    this.ui.beatHint.hidden = true;
    if (box.scrollHeight <= box.clientHeight + 1) return;
    // Even the theme's smallest size is too large: the beat (the lesson) stays whole, and the
    // step's caption keeps the lines that fit, ending in an ellipsis (the table view has it all).
    const lineH = parseFloat(getComputedStyle(caption).lineHeight) || lo * 1.28;
    const beatH = this.ui.beat.hidden ? 0 : this.ui.beat.getBoundingClientRect().height + 2;
    const lines = Math.max(1, Math.floor((box.clientHeight - beatH) / lineH));
    caption.style.setProperty('--lines', String(lines));
    caption.classList.add('clamped');
  }

  /** @param {Player} p */
  drawPlayState(p) {
    const ui = this.ui;
    ui.play.textContent = p.playing ? '❚❚' : '▶';
    ui.play.setAttribute('aria-label', p.playing ? 'Pause' : 'Play');
    ui.play.setAttribute('aria-pressed', String(p.playing));
    const i = speeds().indexOf(p.speed);
    if (i >= 0) ui.speed.value = String(i);
    ui.speed.setAttribute('aria-valuetext', speedLabel(p.speed));
    ui.speedOut.textContent = speedLabel(p.speed);
    document.body.classList.toggle('playing', p.playing);
    if (p.playing) this.showIntro(false);
  }

  /**
   * The animation loop: between two steps, tokens travel and the clock runs from the previous
   * step's sim time to this one's over part of the step's wall time (model time, never wall
   * time, is shown). When the animation ends, the clock and the timers are written at exactly
   * the step's time.
   * @param {number} now
   */
  frame(now) {
    const player = this.player;
    if (player && player.state && player.prevState && this.notes && !this.settled) {
      const ms = Math.min(MAX_ANIMATION_MS, (catalogue().pacing.stepMillis * 0.8) / player.speed);
      const p = this.reducedMotion() || player.jumped ? 1 : Math.min(1, (now - player.changedAt) / ms);
      this.nodeView.animate(p);
      const t0 = player.prevState.t;
      const tNs = p >= 1 ? player.state.t : t0 + (player.state.t - t0) * p;
      this.writeTime(tNs, player.state);
      if (p >= 1) this.settled = true;
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
    byId('toggle-theme').addEventListener('click', () => this.setTheme(!document.documentElement.classList.contains('projector')));
    byId('toggle-motion').addEventListener('click', () => {
      const on = document.body.classList.toggle('reduced-motion');
      this.setOption('motion', on ? 'reduced' : null);
      this.pressed('toggle-motion', on);
    });
    byId('toggle-table').addEventListener('click', () => this.toggleTable());
    byId('toggle-intro').addEventListener('click', () => this.toggleIntro());
    byId('open-help').addEventListener('click', () => ui.help.showModal());
    ui.statusRetry.addEventListener('click', () => this.retry?.());
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

  /** The menus (Compare, Export, View): one open at a time; Esc or a click elsewhere closes them. */
  wireMenus() {
    for (const button of document.querySelectorAll('.menu-button')) {
      button.addEventListener('click', (ev) => {
        ev.stopPropagation();
        const open = button.getAttribute('aria-expanded') !== 'true';
        this.closeMenus();
        this.setMenu(/** @type {HTMLElement} */ (button), open);
      });
    }
    document.addEventListener('click', (ev) => {
      const t = /** @type {HTMLElement} */ (ev.target);
      if (!t.closest?.('.menu-panel') || t.closest('a')) this.closeMenus();
      if (!t.closest?.('.knob-drawer') && !t.closest?.('.knob-more')) this.setDrawer(false);
    });
  }

  /**
   * @param {HTMLElement} button
   * @param {boolean} open
   */
  setMenu(button, open) {
    button.setAttribute('aria-expanded', String(open));
    const panel = document.getElementById(button.getAttribute('aria-controls') ?? '');
    if (panel) panel.hidden = !open;
    if (open) /** @type {HTMLElement|null} */ (panel?.querySelector('a, button'))?.focus();
  }

  /** Closes every open menu; true when one was open. */
  closeMenus() {
    let any = false;
    for (const b of document.querySelectorAll('.menu-button[aria-expanded=true]')) {
      this.setMenu(/** @type {HTMLElement} */ (b), false);
      any = true;
    }
    return any;
  }

  // --- the knob bar: the drawer of the other knobs, the scenario's defaults, errors said plainly

  wireKnobs() {
    this.wireKnobDrawer();
    // htmx names the form as the element that changed; the server needs the knob (a new scenario
    // brings its own defaults), so the request says which one it was.
    document.body.addEventListener('htmx:configRequest', (ev) => {
      const detail = /** @type {CustomEvent} */ (ev).detail;
      const changed = /** @type {HTMLInputElement|undefined} */ (detail?.triggeringEvent?.target);
      if (changed?.name) detail.headers['HX-Trigger-Name'] = changed.name;
    });
    // A value the form refuses (500 pods) is said in words, and nothing is sent.
    document.body.addEventListener('htmx:validation:halted', (ev) => {
      const form = /** @type {HTMLFormElement} */ (ev.target);
      const bad = /** @type {HTMLInputElement|null} */ (form.querySelector(':invalid'));
      this.knobError(bad ? knobProblem(bad) : 'A setting is not valid.');
    });
    document.body.addEventListener('htmx:responseError', () =>
      this.knobError('The server refused these settings. Pick the scenario again to start from its own.'),
    );
    document.body.addEventListener('htmx:sendError', () => this.knobError('The Racetrack server cannot be reached: the settings were not changed.'));
  }

  wireKnobDrawer() {
    const more = /** @type {HTMLElement|null} */ (document.querySelector('.knob-more'));
    if (!more || more.dataset.wired) return;
    more.dataset.wired = 'true';
    more.addEventListener('click', (ev) => {
      ev.stopPropagation();
      this.setDrawer(more.getAttribute('aria-expanded') !== 'true');
    });
    if (this.drawerOpen) this.setDrawer(true);
  }

  /** @param {boolean} open */
  setDrawer(open) {
    const more = document.querySelector('.knob-more');
    const drawer = document.getElementById('knob-drawer');
    if (!more || !drawer) return;
    this.drawerOpen = open;
    more.setAttribute('aria-expanded', String(open));
    drawer.hidden = !open;
  }

  /** @param {string} text */
  knobError(text) {
    const el = document.getElementById('knob-error');
    if (!el) return;
    el.textContent = text;
    el.hidden = !text;
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
    if (target?.tagName === 'A' && action === 'toggle') return;
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
        this.closeMenus();
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
      case 'intro':
        this.toggleIntro();
        break;
      case 'help':
        if (ui.help.open) ui.help.close();
        else ui.help.showModal();
        break;
      case 'close': {
        const join = /** @type {HTMLDialogElement|null} */ (document.getElementById('join'));
        const menus = this.closeMenus();
        const drawer = this.drawerOpen;
        this.setDrawer(false);
        const open = menus || drawer || ui.blackout.classList.contains('on') || ui.help.open || ui.inspector.open || join?.open || !ui.intro.hidden;
        ui.blackout.classList.remove('on');
        if (ui.help.open) ui.help.close();
        if (ui.inspector.open) ui.inspector.close();
        if (join?.open) join.close();
        if (!ui.intro.hidden) this.toggleIntro();
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
    this.pressed('toggle-table', on);
    if (on && this.player) this.renderTable(this.player.step);
  }

  /** @param {number} step */
  renderTable(step) {
    if (!this.run) return;
    renderStepsTable(this.ui.steps, this.run.events, step, { beats: this.player?.beats ?? new Map(), idle: this.run.idle });
  }

  // --- the intro card: the story, what to watch, the legend

  /** @param {Run} r */
  fillIntro(r) {
    const s = scenarioOf(String(r.params.scenario));
    byId('intro-title').textContent = s ? `${s.title} · kernel ${r.params.kernel}${r.params.mode !== 'default' ? ` · ${r.params.mode}` : ''}` : 'Racetrack';
    byId('intro-story').textContent = s?.summary ?? '';
    byId('intro-watch').textContent = s?.watch ?? '';
    // What to try next (the server's list): links on the Lab itself; a follower's page and an
    // exported replay have no knobs of their own to change.
    const tries = byId('intro-try');
    const lab = (document.body.dataset.mode ?? 'lab') === 'lab';
    const variants = lab ? (s?.variants ?? []) : [];
    tries.hidden = variants.length === 0;
    tries.replaceChildren(
      ...variants.flatMap((v) => {
        const a = document.createElement('a');
        a.href = labUrl({ ...r.params, ...v.params }, -1, location.search);
        a.className = 'intro-try-link';
        a.textContent = v.label;
        return [document.createTextNode('Try: '), a, document.createTextNode(` — ${v.why} `)];
      }),
    );
  }

  /** @param {boolean} on */
  showIntro(on) {
    this.ui.intro.hidden = !on;
    this.pressed('toggle-intro', on);
  }

  toggleIntro() {
    const on = this.ui.intro.hidden;
    if (!on) this.introDismissed = true;
    this.showIntro(on);
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
    const projector = this.url.get('theme') === 'projector';
    document.documentElement.classList.toggle('projector', projector);
    document.body.classList.toggle('projector', projector);
    document.body.classList.toggle('reduced-motion', this.url.get('motion') === 'reduced');
    document.body.classList.toggle('table-view', this.url.get('view') === 'table');
    this.pressed('toggle-theme', projector);
    this.pressed('toggle-motion', this.url.get('motion') === 'reduced');
    this.pressed('toggle-table', this.url.get('view') === 'table');
  }

  /** @param {boolean} on */
  setTheme(on) {
    document.documentElement.classList.toggle('projector', on);
    document.body.classList.toggle('projector', on);
    this.setOption('theme', on ? 'projector' : null);
    this.pressed('toggle-theme', on);
    this.relayout();
  }

  /**
   * @param {string} id
   * @param {boolean} on
   */
  pressed(id, on) {
    document.getElementById(id)?.setAttribute('aria-pressed', String(on));
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
    try {
      history.replaceState(history.state, '', `${location.pathname}?${q.toString()}`);
    } catch {
      // file:// pages may refuse
    }
    if (name === 'motion' && this.player) this.drawStep(this.player, true);
  }

  reducedMotion() {
    return document.body.classList.contains('reduced-motion') || !!this.reducedMotionQuery?.matches;
  }

  /**
   * A note over the top of the stage: what is loading, or what went wrong and what to do.
   * @param {string} text '' hides it
   * @param {{error?: boolean, retry?: (() => void)|null}} options
   */
  setStatus(text, { error = false, retry = null } = {}) {
    this.ui.statusText.textContent = text;
    this.ui.status.hidden = !text;
    this.ui.status.classList.toggle('error', error);
    this.retry = retry;
    this.ui.statusRetry.hidden = !retry;
    if (!text) document.body.dataset.ready = 'true';
  }

  /**
   * An error that stops the run from showing: said in the status and in the caption's place, so
   * that nothing keeps saying "loading".
   * @param {{message: string, retry?: boolean}} err
   * @param {() => void} again what "Try again" does
   */
  showError(err, again) {
    this.setStatus(err.message, { error: true, retry: err.retry === false ? null : again });
    this.ui.caption.textContent = err.message;
    this.ui.caption.dataset.step = '-2';
    this.ui.beat.hidden = true;
    document.body.dataset.ready = 'error';
    this.fitCaption();
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

  // --- links to Compare, and the exports of this step

  /** @param {Params} params */
  updateLinks(params) {
    const a = runQuery(params);
    const rf = /** @type {HTMLAnchorElement|null} */ (document.getElementById('compare-random-fully'));
    const fix = /** @type {HTMLAnchorElement|null} */ (document.getElementById('compare-fix'));
    const remedies = scenarioOf(String(params.scenario))?.remedies ?? [];
    // random-fully acts only where MASQUERADE picks ports: offered where the scenario's remedies say so.
    if (rf) {
      const acts = remedies.some((r) => r.mode === 'random-fully');
      rf.hidden = !acts;
      rf.href = `/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(runQuery({ ...params, mode: params.mode === 'random-fully' ? 'default' : 'random-fully' }))}`;
      rf.textContent = params.mode === 'random-fully' ? 'Compare with default' : 'Compare with random-fully';
    }
    if (fix) {
      const fixes = fixesFor(params).filter((p) => runQuery(p) !== a);
      fix.hidden = fixes.length === 0;
      fix.href = `/compare?a=${encodeURIComponent(a)}${fixes.map((p, i) => `&${'bc'[i]}=${encodeURIComponent(runQuery(p))}`).join('')}`;
    }
    const pcaps = document.getElementById('export-pcaps');
    if (pcaps && this.run) {
      const ifaces = [...this.run.topology.pods.slice(0, 4).map((/** @type {{veth: string}} */ p) => p.veth), 'cni0', 'eth0'];
      pcaps.replaceChildren(
        ...ifaces.map((iface) => {
          const link = document.createElement('a');
          link.dataset.iface = iface;
          link.textContent = iface;
          link.title = `the capture of ${iface} up to this step (pcap, opens in Wireshark)`;
          link.setAttribute('download', '');
          return link;
        }),
      );
      const head = document.createElement('span');
      head.className = 'sr-only';
      head.textContent = 'pcap of';
      pcaps.prepend(head);
    }
  }

  /** Points the exports at this step. @param {number} step */
  updateExports(step) {
    if (!this.run) return;
    const q = runQuery(this.run.params);
    const at = `step=${Math.max(0, step)}`;
    for (const a of document.querySelectorAll('#export-pcaps a')) {
      /** @type {HTMLAnchorElement} */ (a).href = `/api/export/pcap?${q}&iface=${encodeURIComponent(/** @type {HTMLElement} */ (a).dataset.iface ?? '')}&${at}`;
    }
    const list = /** @type {HTMLAnchorElement|null} */ (document.getElementById('export-list'));
    if (list) list.href = `/api/export/conntrack?${q}&format=list&${at}`;
    const stats = /** @type {HTMLAnchorElement|null} */ (document.getElementById('export-stats'));
    if (stats) stats.href = `/api/export/conntrack?${q}&format=stats&${at}`;
    const replay = /** @type {HTMLAnchorElement|null} */ (document.getElementById('download-replay'));
    if (replay) replay.href = `/api/export/replay?${q}${step >= 0 ? `&${at}` : ''}`;
  }
}

/**
 * A knob the form refused, in words: "pods: 500 is more than 128, the most the Lab takes."
 * @param {HTMLInputElement} input
 */
export function knobProblem(input) {
  const label = input.dataset.label ?? input.name;
  const v = input.value.trim();
  const min = input.min;
  const max = input.max;
  if (v === '') return `${label}: type a number${min && max ? ` from ${min} to ${max}` : ''}.`;
  if (max !== '' && Number(v) > Number(max)) return `${label}: ${v} is more than ${max}, the most the Lab takes. Type ${min} to ${max}.`;
  if (min !== '' && Number(v) < Number(min)) return `${label}: ${v} is less than ${min}. Type ${min} to ${max}.`;
  return `${label}: ${v} is not a whole number. Type ${min} to ${max}.`;
}
