// @ts-check
// The server's paced sessions as sources of steps (see ../lab/sources.js for the protocol).
// SessionSource: a presenter's session (GET /api/sessions/{id}/events, POST …/control).
// WatchSource: a follower's view of it (GET /api/watch/{code}/events): no control, a presence.
// The stream names each step by its number: the event itself is in the run the page loaded
// once (GET /api/simulate), so no event crosses the wire twice.

/** Stream messages that are neither steps nor play state, passed on as they come. */
export const NOTICES = ['audience', 'hello', 'session-changed'];

/** The server's session: an EventSource for the stream, fetch for the controls. */
export class SessionSource {
  /**
   * @param {{id: string|null, token: string|null, events: TraceEvent[], EventSourceImpl?: any, fetchImpl?: typeof fetch}} options
   */
  constructor({ id, token, events, EventSourceImpl = globalThis.EventSource, fetchImpl = globalThis.fetch?.bind(globalThis) }) {
    this.id = id;
    this.token = token;
    this.events = events;
    this.EventSourceImpl = EventSourceImpl;
    this.fetchImpl = fetchImpl;
    this.kind = 'session';
    /** @type {EventSource|null} */
    this.es = null;
  }

  get streamUrl() {
    return `/api/sessions/${encodeURIComponent(String(this.id))}/events`;
  }

  /** @param {Listener} listener */
  start(listener) {
    const es = new this.EventSourceImpl(this.streamUrl);
    this.es = es;
    /** @param {(data: any) => void} fn */
    const json = (fn) => (/** @type {MessageEvent} */ msg) => {
      try {
        fn(JSON.parse(msg.data));
      } catch (err) {
        listener('error', { message: `bad ${msg.type} message: ${/** @type {Error} */ (err).message}` });
      }
    };
    es.addEventListener(
      'snapshot',
      json((d) => listener('snapshot', d)),
    );
    es.addEventListener(
      'step',
      json((d) => {
        const event = this.events[d.step];
        if (event) listener('event', event);
        else listener('error', { message: `step ${d.step} is not in this run` });
      }),
    );
    es.addEventListener(
      'beat',
      json((d) => listener('beat', d)),
    );
    es.addEventListener(
      'play-state',
      json((d) => listener('play-state', d)),
    );
    es.addEventListener('end', () => listener('end', {}));
    for (const name of NOTICES)
      es.addEventListener(
        name,
        json((d) => listener(name, d)),
      );
    es.onerror = () => {
      if (es.readyState === 2) listener('error', { message: 'The session stream closed.' });
    };
  }

  /**
   * @param {string} action
   * @param {any} value
   */
  async control(action, value = undefined) {
    const body = value === undefined ? { action } : { action, value };
    const res = await this.fetchImpl(`/api/sessions/${encodeURIComponent(String(this.id))}/control`, {
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
 * A follower's view of a presenter's session, by its join code: the same stream, a 'hello' with
 * the follower's id first, and no control (the presenter's session is not theirs to move).
 */
export class WatchSource extends SessionSource {
  /**
   * @param {{code: string, events: TraceEvent[], EventSourceImpl?: any, fetchImpl?: typeof fetch}} options
   */
  constructor({ code, events, EventSourceImpl = globalThis.EventSource, fetchImpl = globalThis.fetch?.bind(globalThis) }) {
    super({ id: null, token: null, events, EventSourceImpl, fetchImpl });
    this.code = code;
    this.kind = 'watch';
  }

  get streamUrl() {
    return `/api/watch/${encodeURIComponent(this.code)}/events`;
  }

  /** @param {string} action */
  control(action) {
    return Promise.reject(new Error(`a follower cannot ${action} the presenter's session`));
  }

  /**
   * Tells the presenter whether this follower explores on their own; resolves to {followers, detached}.
   * @param {string} follower
   * @param {boolean} detached
   */
  async presence(follower, detached) {
    const res = await this.fetchImpl(`/api/watch/${encodeURIComponent(this.code)}/presence`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ follower, detached }),
    });
    if (!res.ok) throw new Error(`presence: HTTP ${res.status}`);
    return res.json();
  }
}
