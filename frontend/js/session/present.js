// @ts-check
// The Lab at /: the presenter. Each run opens (or replaces) a server session whose join code
// and audience the top bar shows; the session paces the steps, and every follower sees them.
// With ?offline, or when no session can be had, the run plays in this browser instead
// (../lab/local.js). The page's entry module.

import { LabView } from '../lab/view.js';
import { readRun, fetchRunShowingWaits, buildRun } from '../lab/run.js';
import { playLocally } from '../lab/local.js';
import { stepFrom } from '../lab/permalink.js';
import { SessionSource } from './sources.js';
import { audienceText } from './follow.js';

const SESSION_KEY = 'racetrack.session';

/**
 * @typedef {object} Session the body of POST /api/sessions (and PUT /api/sessions/{id})
 * @property {string} id
 * @property {string} token
 * @property {string} code
 * @property {number} total
 * @property {Params} params
 * @property {any} topology
 * @property {string[]} rules
 * @property {string[]} rawRules
 * @property {Beat[]} beats
 */

export class Presenter {
  /** @param {LabView} view */
  constructor(view) {
    this.view = view;
    /** @type {{id: string, token: string, code?: string}|null} the presenter's session */
    this.session = null;
    this.offline = new URLSearchParams(location.search).has('offline');
    view.hooks.action = (action) => {
      if (action !== 'join' || !this.session?.code) return false;
      this.openJoin();
      return true;
    };
    document.getElementById('open-join')?.addEventListener('click', () => this.openJoin());
  }

  /**
   * Opens a run: its events once (GET /api/simulate), then a session that paces them.
   * @param {LabRunData|null} data
   */
  async start(data) {
    if (!data) return;
    const view = this.view;
    if (this.offline) {
      this.session = null;
      this.showFollowBadge(null);
      await playLocally(view, data);
      return;
    }
    view.close();
    view.setStatus('Loading the run…');
    let recorded;
    try {
      recorded = await fetchRunShowingWaits(data.params, view);
    } catch (err) {
      view.showError(/** @type {any} */ (err), () => this.start(data));
      return;
    }
    const session = await this.openSession(data.params);
    this.session = session;
    if (!session) {
      this.showFollowBadge(null);
      await playLocally(view, data, recorded);
      view.setStatus('No join code this time: the server could not open a session, so the run plays in this browser alone.');
      setTimeout(() => view.ui.statusText.textContent.startsWith('No join code') && view.setStatus(''), 8000);
      return;
    }
    const run = buildRun(
      { ...data, params: session.params, topology: session.topology, rules: session.rules, rawRules: session.rawRules },
      recorded.events,
      session.beats,
      recorded,
    );
    view.setSource(`session ${session.code ?? session.id}`, 'session');
    this.showFollowBadge(session);
    view.play(run, new SessionSource({ id: session.id, token: session.token, events: run.events }), (kind, d) => {
      if (kind === 'audience') this.drawAudience(d);
    });
    view.setStatus('');
  }

  // --- the session: one per tab; another run (a knob, a reload) goes into the same session,
  // so its join code, and its followers, stay.

  /**
   * @param {Params} params
   * @returns {Promise<Session|null>}
   */
  async openSession(params) {
    const kept = this.session ?? readKeptSession();
    const next = (kept && (await replaceSession(kept, params))) || (await createSession(params));
    try {
      if (next) sessionStorage.setItem(SESSION_KEY, JSON.stringify({ id: next.id, token: next.token }));
    } catch {
      // no storage (a private window): a reload gets a new code
    }
    return next;
  }

  // --- the join code and the audience

  /** @param {{code?: string}|null} s */
  showFollowBadge(s) {
    const badge = document.getElementById('follow');
    if (!badge) return;
    badge.hidden = !s?.code;
    if (!s?.code) return;
    const path = `/watch/${s.code}`;
    /** @type {HTMLElement} */ (document.getElementById('follow-code')).textContent = s.code;
    const link = /** @type {HTMLAnchorElement} */ (document.getElementById('follow-url'));
    link.href = path;
    link.textContent = path;
    for (const el of document.querySelectorAll('.join-origin')) el.textContent = location.host;
    for (const el of document.querySelectorAll('.join-code-text')) el.textContent = s.code;
    this.drawAudience({ followers: 0, detached: 0 });
    this.findReachableOrigin();
  }

  /**
   * The address students can reach: the page's own, unless it was opened on this machine
   * (localhost), where the server names its LAN address (or warns when it has none).
   */
  async findReachableOrigin() {
    try {
      const res = await fetch(`/api/join-address?origin=${encodeURIComponent(location.origin)}`, { headers: { Accept: 'application/json' } });
      if (!res.ok) return;
      const a = await res.json();
      if (a.origin) for (const el of document.querySelectorAll('.join-origin')) el.textContent = a.origin.replace(/^https?:\/\//, '');
      const warning = /** @type {HTMLElement|null} */ (document.querySelector('.join-warning'));
      if (warning) {
        warning.textContent = a.warning ?? '';
        warning.hidden = !a.warning;
      }
    } catch {
      // the card keeps this page's address
    }
  }

  /** @param {{followers?: number, detached?: number}} a */
  drawAudience(a) {
    const el = document.getElementById('audience');
    if (!el) return;
    // "3 following · 1 detached"; narrow bars keep the numbers and the dot ("3 · 1"), and the
    // whole sentence is what a screen reader says.
    const text = audienceText(a);
    el.replaceChildren(
      ...text
        .split(/(\d+| · )/)
        .filter(Boolean)
        .map((part) => {
          const span = document.createElement('span');
          span.textContent = part;
          if (!/^(\d+| · )$/.test(part)) span.className = 'audience-word';
          return span;
        }),
    );
    el.setAttribute('aria-label', text);
    el.dataset.followers = String(a.followers ?? 0);
    el.dataset.detached = String(a.detached ?? 0);
    document.getElementById('follow')?.classList.toggle('has-detached', (a.detached ?? 0) > 0);
  }

  openJoin() {
    const join = /** @type {HTMLDialogElement|null} */ (document.getElementById('join'));
    if (!join || !this.session?.code) return;
    if (join.open) join.close();
    else join.showModal();
  }
}

function readKeptSession() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    return kept?.id && kept?.token ? kept : null;
  } catch {
    return null;
  }
}

/**
 * @param {{id: string, token: string}} kept
 * @param {Params} params
 * @returns {Promise<Session|null>}
 */
async function replaceSession(kept, params) {
  try {
    const res = await fetch(`/api/sessions/${encodeURIComponent(kept.id)}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${kept.token}` },
      body: JSON.stringify(params),
    });
    return res.ok ? await res.json() : null;
  } catch {
    return null;
  }
}

/**
 * @param {Params} params
 * @returns {Promise<Session|null>}
 */
async function createSession(params) {
  try {
    const res = await fetch('/api/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(params),
    });
    if (res.status !== 201 && res.status !== 200) return null;
    return await res.json();
  } catch {
    return null;
  }
}

if (typeof document !== 'undefined' && document.body?.dataset.mode !== 'watch') {
  const view = new LabView({ mode: 'lab' });
  view.pendingSeek = stepFrom(location.search);
  const presenter = new Presenter(view);
  view.onKnobs((next) => presenter.start(next));
  presenter.start(readRun());
}
