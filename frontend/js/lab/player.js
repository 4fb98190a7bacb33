// @ts-check
// The player: takes a source's messages (sources.js), keeps the folded state of the current step
// and the one before it (for the animation between them), the beats, and the play state, and
// tells the view when any of it changed. It knows nothing of the DOM.

import { Folder } from './reducer.js';

export class Player {
  /**
   * @param {object} options
   * @param {{start: (l: Listener) => void, control: (action: string, value?: any) => any, close: () => void}} options.source
   *   a SessionSource, WatchSource or LocalSource
   * @param {Beat[]=} options.beats the run's beats (more may arrive as 'beat' messages)
   * @param {(p: Player, why: string) => void=} options.onChange called with (player, why) after every message
   * @param {(message: string) => void=} options.onError called with a message when the source fails
   * @param {(kind: string, data: any) => void=} options.onNotice called for 'audience', 'hello' and 'session-changed'
   * @param {() => number=} options.now wall clock in ms (performance.now in the browser)
   */
  constructor({ source, beats = [], onChange = () => {}, onError = () => {}, onNotice = () => {}, now = () => Date.now() }) {
    this.source = source;
    this.onNotice = onNotice;
    this.beats = new Map(beats.map((b) => [b.step, b]));
    this.onChange = onChange;
    this.onError = onError;
    this.now = now;
    /** @type {Folder|null} */
    this.folder = null;
    /** @type {LabState|null} */
    this.state = null;
    /** @type {LabState|null} */
    this.prevState = null;
    /** @type {Params|null} */
    this.params = null;
    this.step = -1;
    this.total = 0;
    this.playing = false;
    this.speed = 1;
    this.ended = false;
    /** @type {TraceEvent|null} */
    this.lastEvent = null;
    this.changedAt = 0;
    this.jumped = true;
  }

  start() {
    this.source.start((kind, data) => this.receive(kind, data));
  }

  /**
   * @param {string} kind
   * @param {any} data
   */
  receive(kind, data) {
    switch (kind) {
      case 'snapshot':
        this.folder = Folder.fromState(data.state);
        this.state = this.folder.state();
        this.prevState = this.state;
        this.step = data.step;
        this.total = data.total;
        this.playing = !!data.playing;
        this.speed = data.speed ?? this.speed;
        this.params = data.params ?? this.params ?? null;
        this.lastEvent = null;
        this.ended = data.step >= data.total - 1 && data.total > 0;
        this.jumped = true;
        break;
      case 'event':
        if (!this.folder) return;
        this.prevState = this.state;
        this.folder.apply(data);
        this.state = this.folder.state();
        this.step = data.seq;
        this.lastEvent = data;
        this.ended = this.step >= this.total - 1;
        this.jumped = false;
        break;
      case 'beat':
        this.beats.set(data.step, data);
        break;
      case 'play-state':
        this.playing = !!data.playing;
        this.speed = data.speed ?? this.speed;
        break;
      case 'end':
        this.ended = true;
        break;
      case 'error':
        this.onError(data.message);
        return;
      case 'audience':
      case 'hello':
      case 'session-changed':
        this.onNotice(kind, data);
        return;
      default:
        return;
    }
    this.changedAt = this.now();
    this.onChange(this, kind);
  }

  /** The beat at the current step, or null. */
  get beat() {
    return this.beats.get(this.step) ?? null;
  }

  /**
   * @param {string} action
   * @param {any} value
   */
  control(action, value = undefined) {
    return Promise.resolve(this.source.control(action, value)).catch((err) => this.onError(err.message));
  }

  close() {
    this.source.close();
  }
}
