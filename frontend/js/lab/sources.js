// @ts-check
// Where a run's steps come from. Every source speaks the session stream's protocol to one
// listener, so the player does not know (or care) which one it has:
//   listener(kind, data), kind: 'snapshot' {step, t, total, playing, speed, params, state}
//                                'event'    a TraceEvent
//                                'beat'     {step, text}
//                                'play-state' {playing, speed, step}
//                                'end'      {}
//                                'error'    {message}
//                                'audience' {followers, detached} (a session's stream)
//                                'hello'    {follower, code, session} (a follower's stream, first)
//                                'session-changed' {params} (the presenter opened another run)
// and each takes control(action, value), action: play, pause, step, back, seek, speed.
//
// LocalSource (here): a recorded array of events (from /api/simulate, or a file), paced in the
// browser by the server's rules (the catalogue's pacing), pausing at beats. The offline replay,
// ?offline and a detached follower use it. The server's sessions are in ../session/sources.js.

import { Folder, initialState } from './reducer.js';
import { clampSpeed, stepDelay } from './catalogue.js';

/**
 * @typedef {object} Source
 * @property {string} kind
 * @property {(listener: Listener) => void} start
 * @property {(action: string, value?: any) => Promise<any>} control
 * @property {() => void} close
 */

/**
 * A clock that schedules with setTimeout; tests pass a fake one.
 * @typedef {{setTimeout: (fn: () => void, ms: number) => any, clearTimeout: (id: any) => void}} Clock
 */

/**
 * A recorded run played here. Seeking rebuilds the state from the nearest checkpoint (one every
 * `every` steps), so a scrub through 20,000 steps never folds more than `every` events.
 * @implements {Source}
 */
export class LocalSource {
  /**
   * @param {{events: TraceEvent[], cpus: number, params?: Params|null, beats?: Beat[], speed?: number,
   *   clock?: Clock, every?: number, step?: number, idle?: (step: number) => boolean}} options
   *   idle: whether a step is idle (a race replay's teardown), paced quickly
   */
  constructor({ events, cpus, params = null, beats = [], speed = 1, clock = globalThis, every = 512, step = -1, idle = () => false }) {
    this.idle = idle;
    this.events = events;
    this.cpus = cpus;
    this.params = params;
    this.beats = new Map(beats.map((b) => [b.step, b]));
    this.speed = clampSpeed(speed);
    this.clock = clock;
    // Where the first snapshot is (a follower's copy starts at the presenter's step).
    this.cursor = Number.isFinite(step) ? Math.max(-1, Math.min(events.length - 1, Math.trunc(step))) : -1;
    this.playing = false;
    /** @type {any} */
    this.timer = null;
    this.kind = 'local';
    this.checkpoints = new Checkpoints(events, cpus, every);
    /** @type {Listener|null} */
    this.listener = null;
  }

  get total() {
    return this.events.length;
  }

  /** @param {Listener} listener */
  start(listener) {
    this.listener = listener;
    this.snapshot();
  }

  /**
   * @param {string} action
   * @param {any} value
   */
  control(action, value = undefined) {
    switch (action) {
      case 'play':
        if (this.cursor >= this.total - 1) this.seekTo(-1);
        this.playing = true;
        this.playState();
        this.schedule();
        break;
      case 'pause':
        this.halt();
        this.playState();
        break;
      case 'step':
        if (this.playing) {
          this.halt();
          this.playState();
        }
        this.advance();
        break;
      case 'back':
        if (this.playing) {
          this.halt();
          this.playState();
        }
        this.seekTo(this.cursor - 1);
        break;
      case 'seek':
        this.seekTo(Number(value));
        if (this.playing) this.schedule();
        break;
      case 'speed':
        this.speed = clampSpeed(value);
        this.playState();
        if (this.playing) this.schedule();
        break;
      default:
        throw new Error(`unknown action ${action}`);
    }
    return Promise.resolve();
  }

  close() {
    this.halt();
    this.listener = null;
  }

  // --- internals

  /**
   * @param {string} kind
   * @param {any} data
   */
  emit(kind, data) {
    if (this.listener) this.listener(kind, data);
  }

  snapshot() {
    this.emit('snapshot', {
      step: this.cursor,
      t: this.cursor >= 0 ? this.events[this.cursor].t : 0,
      total: this.total,
      playing: this.playing,
      speed: this.speed,
      params: this.params,
      state: this.checkpoints.stateAt(this.cursor),
    });
    const beat = this.beats.get(this.cursor);
    if (beat) this.emit('beat', beat);
  }

  playState() {
    this.emit('play-state', { playing: this.playing, speed: this.speed, step: this.cursor });
  }

  halt() {
    this.playing = false;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** @param {number} step */
  seekTo(step) {
    const s = Number.isFinite(step) ? Math.max(-1, Math.min(this.total - 1, Math.trunc(step))) : this.cursor;
    this.cursor = s;
    this.snapshot();
  }

  /** Sends the next event; returns false at the end. */
  advance() {
    if (this.cursor >= this.total - 1) return false;
    this.cursor += 1;
    this.emit('event', this.events[this.cursor]);
    const beat = this.beats.get(this.cursor);
    if (beat) this.emit('beat', beat);
    if (this.cursor === this.total - 1) this.emit('end', {});
    return true;
  }

  /** Waits as long as the server's session would before the next step (its type, the speed). */
  schedule() {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    const next = this.events[this.cursor + 1];
    this.timer = this.clock.setTimeout(() => this.tick(), stepDelay(next ? next.type : '', this.speed, this.idle(this.cursor + 1)));
  }

  tick() {
    this.timer = null;
    if (!this.playing) return;
    const moved = this.advance();
    if (!moved || this.cursor === this.total - 1 || this.beats.has(this.cursor)) {
      this.playing = false;
      this.playState();
      return;
    }
    this.schedule();
  }
}

/** States of a recorded run at any step, from a checkpoint every `every` steps. */
export class Checkpoints {
  /**
   * @param {TraceEvent[]} events
   * @param {number} cpus
   * @param {number} every
   */
  constructor(events, cpus, every = 512) {
    this.events = events;
    this.cpus = cpus;
    this.every = every;
    /** @type {Map<number, LabState>} */
    this.saved = new Map([[-1, initialState(cpus)]]);
  }

  /** @param {number} step */
  stateAt(step) {
    const target = Math.max(-1, Math.min(step, this.events.length - 1));
    let base = -1;
    for (const k of this.saved.keys()) if (k <= target && k > base) base = k;
    const folder = Folder.fromState(/** @type {LabState} */ (this.saved.get(base)));
    for (let i = base + 1; i <= target; i++) {
      folder.apply(this.events[i]);
      if ((i + 1) % this.every === 0 && !this.saved.has(i)) this.saved.set(i, folder.state());
    }
    return folder.state();
  }
}
