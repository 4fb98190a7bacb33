// @ts-check
// A follower's Lab (/watch/{code}): the presenter's stream, read-only (live), until they detach
// to explore a copy of the run from that step (copy), played here, and snap back. follow.js
// decides (a state machine); this module carries its effects out. The page's entry module.

import { LabView } from '../lab/view.js';
import { fetchRunShowingWaits, buildRun } from '../lab/run.js';
import { runQuery } from '../lab/permalink.js';
import { LocalSource } from '../lab/sources.js';
import { WatchSource } from './sources.js';
import { Follow } from './follow.js';

/** @typedef {{run: Run|null, player: any, source: WatchSource|null}} Live */

export class Watcher {
  /**
   * @param {LabView} view
   * @param {string} code the presenter's join code
   */
  constructor(view, code) {
    this.view = view;
    this.code = code;
    this.follow = new Follow();
    /** @type {Live} the presenter's stream */
    this.live = { run: null, player: null, source: null };
    /** @type {{run: Run, player: any}|null} the follower's own copy */
    this.copy = null;
    this.joining = false;
    view.hooks.control = (action, value) => this.perform(this.follow.control(action, value));
    view.hooks.action = (action) => {
      if (action === 'detach') this.perform(this.follow.detach());
      else if (action === 'snap') this.perform(this.follow.snapBack());
      else return false;
      return true;
    };
    view.hooks.changed = () => this.drawBar();
    view.hooks.error = (message) => this.onError(message);
    // A page left for another closes the presenter's stream too (the view closes the one it shows).
    addEventListener('pagehide', () => this.live.player?.close());
    document.getElementById('detach')?.addEventListener('click', () => this.perform(this.follow.detach()));
    document.getElementById('snap-back')?.addEventListener('click', () => this.perform(this.follow.snapBack()));
  }

  /** Joins (or rejoins) the presenter's session. */
  async join() {
    if (this.joining) return;
    this.joining = true;
    try {
      await this.joinPresenter();
    } finally {
      this.joining = false;
    }
  }

  async joinPresenter() {
    const code = this.code;
    const view = this.view;
    this.live.player?.close();
    view.setStatus('Joining the presenter…');
    let session;
    let recorded;
    try {
      const res = await fetch(`/api/watch/${encodeURIComponent(code)}`, { headers: { Accept: 'application/json' } });
      if (!res.ok) throw new Error(res.status === 404 ? 'this session has ended' : `HTTP ${res.status}`);
      session = await res.json();
      recorded = await fetchRunShowingWaits(session.params, view);
    } catch (err) {
      const message = /** @type {Error} */ (err).message.replace(/\.$/, '');
      view.showError({ message: `Cannot follow ${code}: ${message}.`, retry: true }, () => this.join());
      this.follow.ended();
      this.drawBar();
      return;
    }
    const data = { params: session.params, topology: session.topology, rules: session.rules, rawRules: session.rawRules, replay: session.beats.length > 0 };
    const run = buildRun(data, recorded.events, session.beats, recorded);
    const source = new WatchSource({ code, events: run.events });
    this.live = { run, source, player: null };
    this.live.player = view.newPlayer(
      source,
      session.beats,
      (p, why) => this.onLiveChange(p, why),
      (kind, d) => this.onNotice(kind, d),
    );
    if (!this.follow.detached) this.show('live');
    view.ui.mode.dataset.mode = 'watch';
    document.body.dataset.source = 'watch';
    this.live.player.start();
    view.setStatus('');
  }

  /**
   * @param {any} p
   * @param {string} why
   */
  onLiveChange(p, why) {
    // The presenter opened another run (if the stream reconnected before 'session-changed' came).
    if (why === 'snapshot' && p.params && this.live.run && runQuery(p.params) !== runQuery(this.live.run.params)) {
      this.join();
      return;
    }
    this.follow.live(p.step);
    if (this.view.player === p) this.view.onPlayerChange(p, why);
    else if (why === 'snapshot' || why === 'event') this.drawBar();
  }

  /**
   * @param {string} kind
   * @param {any} data
   */
  onNotice(kind, data) {
    if (kind === 'hello') this.perform(this.follow.hello(data.follower));
    else if (kind === 'session-changed') this.join();
  }

  /** @param {string} message */
  onError(message) {
    if (!/closed/.test(message)) return false;
    this.follow.ended();
    this.drawBar();
    this.view.setStatus(
      this.follow.detached
        ? "The presenter's session has ended; your copy stays here."
        : "The presenter's session has ended, or this page lost it. Try again to rejoin; if the presenter opened a new page, ask for the new code.",
      { error: !this.follow.detached, retry: this.follow.detached ? null : () => this.join() },
    );
    return true;
  }

  /**
   * Carries out what follow.js decided.
   * @param {any[]} effects
   */
  perform(effects) {
    for (const e of effects) {
      switch (e.type) {
        case 'copy': {
          const r = /** @type {Run} */ (this.live.run);
          this.copy = { run: r, player: null };
          this.copy.player = this.view.newPlayer(this.copySource(r, e.step), r.beats, (p, why) => this.onCopyChange(p, why));
          this.copy.player.start();
          break;
        }
        case 'drop-copy':
          this.copy?.player.close();
          this.copy = null;
          break;
        case 'show':
          this.show(e.view);
          break;
        case 'presence':
          if (this.follow.follower) this.live.source?.presence(this.follow.follower, e.detached).catch(() => {});
          break;
        case 'control':
          this.view.applyControl(e.action, e.value);
          break;
        default:
          break;
      }
    }
    this.drawBar();
  }

  /**
   * @param {Run} r
   * @param {number} step
   */
  copySource(r, step) {
    return new LocalSource({
      events: r.events,
      cpus: r.topology.cpus,
      params: r.params,
      beats: r.beats,
      speed: this.live.player?.speed ?? 1,
      step,
      idle: r.idle,
    });
  }

  /**
   * @param {any} p
   * @param {string} why
   */
  onCopyChange(p, why) {
    if (this.view.player === p) this.view.onPlayerChange(p, why);
  }

  /**
   * A detached follower changed a knob: a copy of that run, at the same step.
   * @param {LabRunData} data
   */
  async startCopy(data) {
    if (!this.follow.detached || !this.copy) return;
    const view = this.view;
    view.setStatus('Loading your copy…');
    let recorded;
    try {
      recorded = await fetchRunShowingWaits(data.params, view);
    } catch (err) {
      view.showError(/** @type {any} */ (err), () => this.startCopy(data));
      return;
    }
    if (!this.follow.detached || !this.copy) return;
    const r = buildRun(data, recorded.events, recorded.beats, recorded);
    const at = this.copy.player.step;
    this.copy.player.close();
    this.copy = { run: r, player: null };
    this.copy.player = view.newPlayer(this.copySource(r, Math.min(at, r.events.length - 1)), r.beats, (p, why) => this.onCopyChange(p, why));
    this.copy.player.start();
    this.show('copy');
    view.setStatus('');
  }

  /** @param {string} which 'live' or 'copy' */
  show(which) {
    const shown = which === 'copy' ? this.copy : this.live;
    if (!shown?.run || !shown.player) return;
    const view = this.view;
    document.body.classList.toggle('detached', which === 'copy');
    view.lockKnobs(which !== 'copy');
    if (which === 'live' && this.live.run) view.setKnobs(this.live.run.params);
    view.ui.mode.textContent = which === 'copy' ? 'your copy, played in this browser' : `following ${this.code}`;
    view.show(shown.run, shown.player);
  }

  drawBar() {
    const state = /** @type {HTMLElement} */ (document.getElementById('watch-state'));
    const follow = this.follow;
    const live = this.live.player;
    const at = live && live.total ? ` · presenter at step ${Math.max(0, live.step)}` : '';
    state.replaceChildren();
    const strong = document.createElement('strong');
    strong.className = 'mono';
    strong.textContent = this.code;
    if (follow.state === 'ended' && !follow.detached) state.append('Session ', strong, ' has ended');
    else if (follow.detached) state.append('Your own copy', at);
    else state.append('Following ', strong);
    state.dataset.state = follow.state;
    /** @type {HTMLElement} */ (document.getElementById('detach')).hidden = follow.detached || follow.state !== 'following';
    /** @type {HTMLElement} */ (document.getElementById('snap-back')).hidden = !follow.detached || follow.state === 'ended' || !live;
  }
}

if (typeof document !== 'undefined' && document.body?.dataset.mode === 'watch') {
  const view = new LabView({ mode: 'watch' });
  const watcher = new Watcher(view, /** @type {string} */ (document.body.dataset.code));
  view.onKnobs((next) => watcher.startCopy(next));
  watcher.join();
}
