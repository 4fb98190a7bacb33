// Where a run's steps come from. Both sources speak the session stream's protocol to one
// listener, so the player does not know (or care) which one it has:
//   listener(kind, data), kind: 'snapshot' {step, t, total, playing, speed, params, state}
//                                'event'    a TraceEvent
//                                'beat'     {step, text}
//                                'play-state' {playing, speed, step}
//                                'end'      {}
//                                'error'    {message}
// and both take control(action, value), action: play, pause, step, back, seek, speed.
//
// SessionSource: the server's paced session (GET /api/sessions/{id}/events, POST …/control).
// LocalSource: a recorded array of events (from /api/simulate, or a file), paced here with the
// same rules: ~800 ms of wall time per event at ×1, pausing at beats. This is the path the
// offline export uses too.

import { Folder, initialState } from './reducer.js';

export const EVENT_TYPES = [
  'flow-start', 'flow-done', 'packet-sent', 'packet-hop', 'packet-received', 'packet-drop', 'cpu-take',
  'raw-notrack', 'ct-new', 'ct-found', 'ct-invalid', 'ct-none', 'nat-rules', 'nat-setup', 'nat-skip',
  'nat-packet', 'route', 'ct-confirm', 'confirm-skip', 'ct-clash', 'ct-chaintoolong', 'ct-destroy',
  'timer-set', 'timer-fire', 'timer-clear', 'resolver-option',
];

/** Wall milliseconds per event at speed ×1. */
export const BASE_STEP_MS = 800;

export const MIN_SPEED = 0.25;
export const MAX_SPEED = 64;

export function clampSpeed(x) {
  const v = Number(x);
  if (!Number.isFinite(v)) return 1;
  return Math.min(MAX_SPEED, Math.max(MIN_SPEED, v));
}

/** The server's session: an EventSource for the stream, fetch for the controls. */
export class SessionSource {
  constructor({ id, token, EventSourceImpl = globalThis.EventSource, fetchImpl = globalThis.fetch?.bind(globalThis) }) {
    this.id = id;
    this.token = token;
    this.EventSourceImpl = EventSourceImpl;
    this.fetchImpl = fetchImpl;
    this.kind = 'session';
  }

  start(listener) {
    const es = new this.EventSourceImpl(`/api/sessions/${encodeURIComponent(this.id)}/events`);
    this.es = es;
    const json = (fn) => (msg) => {
      try {
        fn(JSON.parse(msg.data));
      } catch (err) {
        listener('error', { message: `bad ${msg.type} message: ${err.message}` });
      }
    };
    es.addEventListener('snapshot', json((d) => listener('snapshot', d)));
    for (const type of EVENT_TYPES) es.addEventListener(type, json((d) => listener('event', d)));
    es.addEventListener('beat', json((d) => listener('beat', d)));
    es.addEventListener('play-state', json((d) => listener('play-state', d)));
    es.addEventListener('end', () => listener('end', {}));
    es.onerror = () => {
      if (es.readyState === 2) listener('error', { message: 'The session stream closed.' });
    };
  }

  async control(action, value) {
    const body = value === undefined ? { action } : { action, value };
    const res = await this.fetchImpl(`/api/sessions/${encodeURIComponent(this.id)}/control`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${this.token}` },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`control ${action}: HTTP ${res.status}`);
  }

  close() {
    this.es?.close();
  }
}

/**
 * A recorded run played here. `clock` is {setTimeout, clearTimeout} (tests pass a fake one).
 * Seeking rebuilds the state from the nearest checkpoint (one every `every` steps), so a
 * scrub through 20,000 steps never folds more than `every` events.
 */
export class LocalSource {
  constructor({ events, cpus, params = null, beats = [], speed = 1, clock = globalThis, every = 512 }) {
    this.events = events;
    this.cpus = cpus;
    this.params = params;
    this.beats = new Map(beats.map((b) => [b.step, b]));
    this.speed = clampSpeed(speed);
    this.clock = clock;
    this.cursor = -1;
    this.playing = false;
    this.timer = null;
    this.kind = 'local';
    this.checkpoints = new Checkpoints(events, cpus, every);
  }

  get total() {
    return this.events.length;
  }

  start(listener) {
    this.listener = listener;
    this.snapshot();
  }

  control(action, value) {
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

  schedule() {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(() => this.tick(), BASE_STEP_MS / this.speed);
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
  constructor(events, cpus, every = 512) {
    this.events = events;
    this.cpus = cpus;
    this.every = every;
    this.saved = new Map([[-1, initialState(cpus)]]);
  }

  stateAt(step) {
    const target = Math.max(-1, Math.min(step, this.events.length - 1));
    let base = -1;
    for (const k of this.saved.keys()) if (k <= target && k > base) base = k;
    const folder = Folder.fromState(this.saved.get(base));
    for (let i = base + 1; i <= target; i++) {
      folder.apply(this.events[i]);
      if ((i + 1) % this.every === 0 && !this.saved.has(i)) this.saved.set(i, folder.state());
    }
    return folder.state();
  }
}
