// @ts-check
// Following a presenter: a follower's page shows either the presenter's live stream or a copy of
// the run they explore on their own (detached), and tells the server which, so the presenter sees
// how many follow and how many have wandered off. This module is the state machine alone: each
// input returns the effects to carry out, and lab.js carries them out. No DOM, no network.
//
// Effects: {type: 'copy', step}          open a local copy of the run at that step
//          {type: 'drop-copy'}           close the copy
//          {type: 'show', view}          draw 'live' or 'copy'
//          {type: 'presence', detached}  POST /api/watch/{code}/presence
//          {type: 'control', action, value}  apply a time control to the copy

export const CONNECTING = 'connecting';
export const FOLLOWING = 'following';
export const DETACHED = 'detached';
export const ENDED = 'ended';

/** The time controls a follower may use; any of them while following detaches first. */
export const TIME_ACTIONS = ['toggle', 'play', 'pause', 'step', 'back', 'first', 'last', 'seek', 'next-mark', 'faster', 'slower', 'speed'];

export class Follow {
  constructor() {
    this.state = CONNECTING;
    this.follower = null;
    this.liveStep = -1;
  }

  get detached() {
    return this.state === DETACHED;
  }

  /** The stream said hello: its follower id (a new one after every reconnect). */
  hello(follower) {
    this.follower = follower;
    if (this.state === DETACHED) return [{ type: 'presence', detached: true }];
    if (this.state === ENDED) return [];
    this.state = FOLLOWING;
    return [{ type: 'show', view: 'live' }];
  }

  /** The presenter's stream moved (any snapshot or step). */
  live(step) {
    this.liveStep = step;
    return [];
  }

  /** Explore a copy from the presenter's current step. */
  detach() {
    if (this.state !== FOLLOWING) return [];
    this.state = DETACHED;
    return [{ type: 'copy', step: this.liveStep }, { type: 'show', view: 'copy' }, ...this.presence(true)];
  }

  /** Back to the live stream, at the presenter's current step. */
  snapBack() {
    if (this.state !== DETACHED) return [];
    this.state = FOLLOWING;
    return [{ type: 'drop-copy' }, { type: 'show', view: 'live' }, ...this.presence(false)];
  }

  /** A time control (key, button, timeline): it never reaches the presenter's session. */
  control(action, value) {
    if (!TIME_ACTIONS.includes(action)) return [];
    const apply = { type: 'control', action, value };
    if (this.state === DETACHED) return [apply];
    if (this.state === FOLLOWING) return [...this.detach(), apply];
    return [];
  }

  /** The session ended (or cannot be reached): a copy being explored stays. */
  ended() {
    const was = this.state;
    if (was !== DETACHED) this.state = ENDED;
    return [];
  }

  presence(detached) {
    return this.follower ? [{ type: 'presence', detached }] : [];
  }
}

/** "3 following · 1 detached", as the presenter's badge says it. */
export function audienceText({ followers = 0, detached = 0 } = {}) {
  const f = `${followers} following`;
  return detached > 0 ? `${f} · ${detached} detached` : f;
}

/** Join codes are read aloud and typed: ignore case, spaces and dashes (as the server does). */
export function normalizeCode(code) {
  return String(code ?? '')
    .replace(/[\s-]/g, '')
    .toUpperCase();
}
