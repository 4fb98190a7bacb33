// @ts-check
// The Lab's HTML panels: the caption, the conntrack table, conntrack -S, the nat rules in force,
// the client timers, the plain table of steps, and the packet inspector. Each is a function of
// (element, data); none keeps state of its own.

import { formatSimTime, formatDuration } from '../../shared/format.js';
import { markShared } from './node.js';

export function h(doc, tag, attrs = {}, ...children) {
  const e = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(typeof c === 'string' || typeof c === 'number' ? doc.createTextNode(String(c)) : c);
  }
  return e;
}

/** Splits a caption on backticks: odd parts are code. */
export function captionParts(text) {
  return String(text ?? '')
    .split('`')
    .map((part, i) => ({ code: i % 2 === 1, text: part }));
}

/**
 * A caption: backticked names as code, and the shared address:port (two race windows chose it)
 * marked in its colour.
 * @param {Element} el
 * @param {string} text
 * @param {string|null} shared
 */
export function renderCaption(el, text, shared = null) {
  const doc = el.ownerDocument;
  const out = [];
  for (const p of captionParts(text)) {
    if (!p.text) continue;
    if (p.code) {
      out.push(h(doc, 'code', {}, p.text));
      continue;
    }
    const pieces = shared ? p.text.split(shared) : [p.text];
    pieces.forEach((piece, i) => {
      if (i > 0) out.push(h(doc, 'mark', { class: 'shared' }, shared));
      if (piece) out.push(doc.createTextNode(piece));
    });
  }
  el.replaceChildren(...out);
}

export function tuple(t) {
  return t ? `${t.src}:${t.sport} → ${t.dst}:${t.dport}` : '';
}

/**
 * The conntrack table: unconfirmed entries hollow and greyed with their CPU, confirmed solid,
 * clash entries dashed with their countdown; the clash's two entries flash; an entry that just
 * left the table stays one step, struck through.
 */
export function renderConntrack(el, state, prevState, notes, { nowNs = state.t, shared = notes.shared ?? null } = {}) {
  const doc = el.ownerDocument;
  const rows = [...state.conntrack];
  if (notes.destroyed !== null && prevState) {
    const gone = prevState.conntrack.find((c) => c.id === notes.destroyed);
    if (gone) rows.push({ ...gone, leaving: true });
  }
  if (notes.clash && notes.clash.resolution === 'DROP' && prevState) {
    const lost = prevState.conntrack.find((c) => c.id === notes.clash.loser);
    if (lost && !rows.some((r) => r.id === lost.id)) rows.push({ ...lost, leaving: true, lost: true });
  }
  rows.sort((a, b) => a.id - b.id);
  const confirmed = state.conntrack.filter((c) => c.confirmed && !c.clash).length;
  const kept = notes.clash && notes.clash.resolution === 'CLASH_ENTRY';
  const body = rows.map((ct) => {
    const kind = ct.clash ? 'clash' : ct.confirmed ? 'confirmed' : 'unconfirmed';
    // A clash entry (5.6+) is kept, not lost: it flashes as kept, never red.
    const flash = notes.clash && (notes.clash.loser === ct.id ? (kept ? 'flash-kept' : 'flash-loser') : notes.clash.winner === ct.id ? 'flash-winner' : '');
    const cls = ['ct', kind, flash, ct.leaving ? 'leaving' : ''].filter(Boolean).join(' ');
    const status = ct.clash
      ? `clash entry · ${countdown(ct.expiresAt - nowNs)}`
      : ct.confirmed
        ? `confirmed${ct.state ? ` · ${ct.state}` : ''}`
        : `unconfirmed · CPU ${ct.cpu}`;
    const packets = notes.ctPackets?.get(ct.id) ?? [];
    const orig = h(doc, 'td', { class: 'mono tuple orig' });
    markShared(orig, tuple(ct.orig), shared);
    const reply = h(doc, 'td', { class: 'mono tuple reply' });
    markShared(reply, tuple(ct.reply), shared);
    return h(
      doc,
      'tr',
      { class: cls, 'data-ct': ct.id, 'data-packet': packets[packets.length - 1] ?? null, tabindex: packets.length ? 0 : null },
      h(doc, 'td', { class: 'mark', 'aria-hidden': 'true' }, ct.clash ? '◌' : ct.confirmed ? '●' : '○'),
      h(doc, 'td', { class: 'num' }, `#${ct.id}`),
      h(doc, 'td', { class: 'mono proto' }, ct.proto),
      orig,
      reply,
      h(
        doc,
        'td',
        { class: 'ct-state', title: !ct.confirmed && !ct.clash && !ct.leaving ? `on CPU ${ct.cpu}'s unconfirmed list: no other CPU can see it` : null },
        ct.leaving ? (ct.lost ? 'insert failed: freed' : 'left the table') : status,
      ),
    );
  });
  el.replaceChildren(
    h(doc, 'caption', {}, 'conntrack table ', h(doc, 'span', { class: 'count' }, `${confirmed} confirmed · ${state.conntrack.length - confirmed} other`)),
    h(
      doc,
      'thead',
      {},
      h(
        doc,
        'tr',
        {},
        h(doc, 'th', { class: 'mark' }, ''),
        h(doc, 'th', {}, 'id'),
        h(doc, 'th', { class: 'proto' }, 'proto'),
        h(doc, 'th', { class: 'orig' }, 'original tuple'),
        h(doc, 'th', { class: 'reply' }, 'reply tuple'),
        h(doc, 'th', { class: 'ct-state' }, 'state'),
      ),
    ),
    h(doc, 'tbody', {}, body.length ? body : h(doc, 'tr', { class: 'empty' }, h(doc, 'td', { colspan: 6 }, 'empty'))),
  );
}

function countdown(ns) {
  if (ns <= 0) return 'expiring';
  return `${(ns / 1e9).toFixed(3)} s left`;
}

/** conntrack -S, one line per CPU, the counters that just changed highlighted. */
export const COUNTERS = ['found', 'insert', 'insert_failed', 'drop', 'clash_resolve', 'early_drop', 'search_restart'];

export function renderCounters(el, state, notes) {
  const doc = el.ownerDocument;
  const moved = new Set(state.counters.flatMap((m) => Object.keys(m)));
  const names = COUNTERS.filter((n) => ['found', 'insert_failed', 'drop'].includes(n) || moved.has(n));
  for (const m of state.counters) for (const k of Object.keys(m)) if (!names.includes(k)) names.push(k);
  // One row per counter, one column per CPU: narrow, so that a new counter (clash_resolve on
  // 6.x) adds a row and never a column that could be cut off.
  const rows = names.map((n) =>
    h(
      doc,
      'tr',
      { 'data-counter': n },
      h(doc, 'th', { scope: 'row' }, n),
      state.counters.map((m, cpu) => {
        const changed = notes.countersChanged && notes.countersChanged.cpu === cpu && notes.countersChanged.keys.includes(n);
        const v = m[n] ?? 0;
        return h(
          doc,
          'td',
          { class: [changed ? 'changed' : '', v > 0 && (n === 'drop' || n === 'insert_failed') ? 'bad' : ''].filter(Boolean).join(' ') || null },
          String(v),
        );
      }),
    ),
  );
  el.replaceChildren(
    h(doc, 'caption', {}, h(doc, 'code', {}, 'conntrack -S')),
    h(
      doc,
      'thead',
      {},
      h(
        doc,
        'tr',
        {},
        h(doc, 'th', {}, ''),
        state.counters.map((_, cpu) => h(doc, 'th', { scope: 'col' }, `cpu=${cpu}`)),
      ),
    ),
    h(doc, 'tbody', {}, rows),
  );
}

/**
 * iptables -t nat -S, the rules the current packet just matched highlighted; and, when the raw
 * table has rules (the NodeLocal DNSCache's NOTRACK), iptables -t raw -S above it.
 */
export function renderRules(el, rules, notes, rawRules = []) {
  const doc = el.ownerDocument;
  const matched = new Set(notes.rulesMatched?.rules ?? []);
  const shown = rules.filter((r) => !r.startsWith('-P ') && !r.startsWith('-N '));
  const raw = rawRules.filter((r) => r.startsWith('-A '));
  el.replaceChildren(
    ...[
      raw.length > 0 ? h(doc, 'h3', {}, h(doc, 'code', {}, 'iptables -t raw -S')) : null,
      raw.length > 0
        ? h(
            doc,
            'ol',
            { class: 'rules raw' },
            raw.map((r) => h(doc, 'li', { class: 'matched-raw' }, r)),
          )
        : null,
      h(
        doc,
        'h3',
        {},
        h(doc, 'code', {}, 'iptables -t nat -S'),
        h(doc, 'span', { class: 'note' }, ' (comments hidden)'),
        notes.rulesMatched ? h(doc, 'span', { class: 'verdict' }, ` → ${notes.rulesMatched.verdict}`) : null,
      ),
      h(
        doc,
        'ol',
        { class: 'rules' },
        shown.map((r) => h(doc, 'li', { class: matched.has(r) ? 'matched' : null }, shortRule(r))),
      ),
    ].filter(Boolean),
  );
  // Bring the matched rule into the panel's view without scrolling the page.
  const first = /** @type {HTMLElement|null} */ (el.querySelector('li.matched'));
  if (first && typeof el.scrollTo === 'function') {
    const top = first.getBoundingClientRect().top - el.getBoundingClientRect().top + el.scrollTop;
    if (top < el.scrollTop || top + first.offsetHeight > el.scrollTop + el.clientHeight) el.scrollTo({ top: Math.max(0, top - el.clientHeight / 3) });
  }
}

/** Drops kube-proxy's comments, which are long and say little on a projector. */
export function shortRule(r) {
  return r.replace(/ -m comment --comment "[^"]*"/g, '');
}

/** Client timers counting down in sim time. */
export function renderTimers(el, state, nowNs = state.t) {
  const doc = el.ownerDocument;
  const flows = new Map(state.flows.map((f) => [f.id, f]));
  const items = state.timers.map((tm) => {
    const left = tm.expiresAt - nowNs;
    const flow = flows.get(tm.flow);
    return h(
      doc,
      'li',
      { class: 'timer' },
      h(doc, 'span', { class: 'who' }, `${flow ? flow.pod : tm.flow} ${tm.timer}`),
      h(doc, 'span', { class: 'left mono' }, left > 0 ? `${(left / 1e9).toFixed(3)} s` : 'now'),
    );
  });
  const late = state.flows.filter((f) => f.retransmits > 0 || f.outcome === 'failed' || f.outcome === 'retried');
  el.replaceChildren(
    ...[
      h(doc, 'h3', {}, 'client timers'),
      items.length ? h(doc, 'ul', { class: 'timers' }, items) : h(doc, 'p', { class: 'muted' }, 'none armed'),
      late.length
        ? h(
            doc,
            'ul',
            { class: 'flows' },
            late.map((f) =>
              h(
                doc,
                'li',
                { class: `flow ${f.outcome}` },
                `${f.pod}: ${f.outcome === 'pending' ? `retrying (${f.retransmits})` : `${f.outcome} after ${formatDuration(f.latencyNs)}`}`,
              ),
            ),
          )
        : null,
    ].filter(Boolean),
  );
}

/**
 * The plain table twin of the animation: step, time, CPU, a mark (▲ a drop, ◆ a beat) and the
 * caption, around the current step; a beat's text is a row of its own under its step.
 * @param {Element} el
 * @param {TraceEvent[]} events
 * @param {number} step
 * @param {{around?: number, beats?: Map<number, {text: string}>, idle?: (step: number) => boolean}} options
 */
export function renderStepsTable(el, events, step, { around = 12, beats = new Map(), idle = () => false } = {}) {
  const doc = el.ownerDocument;
  const from = Math.max(0, step - around);
  const to = Math.min(events.length - 1, step + around);
  const rows = [];
  for (let i = from; i <= to; i++) {
    const e = events[i];
    const cap = h(doc, 'td', { class: 'text' });
    renderCaption(cap, e.text);
    const drop = e.type === 'packet-drop';
    const beat = beats.get(i);
    const cls = [i === step ? 'current' : i > step ? 'future' : null, drop ? 'drop' : null, beat ? 'beat-step' : null, idle(i) ? 'idle' : null]
      .filter(Boolean)
      .join(' ');
    rows.push(
      h(
        doc,
        'tr',
        { class: cls || null, 'aria-current': i === step ? 'step' : null },
        h(doc, 'td', { class: 'num' }, String(e.seq)),
        h(doc, 'td', { class: 'mono' }, formatSimTime(e.t)),
        h(doc, 'td', { class: 'num' }, e.cpu >= 0 ? String(e.cpu) : '–'),
        h(doc, 'td', { class: 'mark', title: drop ? 'a packet is dropped' : beat ? 'a beat' : null }, drop ? '▲' : beat ? '◆' : ''),
        cap,
      ),
    );
    if (beat) {
      const text = h(doc, 'td', { colspan: 5 });
      renderCaption(text, `◆ Beat: ${beat.text}`);
      rows.push(h(doc, 'tr', { class: 'beat-row' }, text));
    }
  }
  el.replaceChildren(
    h(doc, 'caption', {}, `Steps ${from}–${to} of ${events.length} · ▲ drop · ◆ beat`),
    h(
      doc,
      'colgroup',
      {},
      h(doc, 'col', { class: 'c-step' }),
      h(doc, 'col', { class: 'c-t' }),
      h(doc, 'col', { class: 'c-cpu' }),
      h(doc, 'col', { class: 'c-mark' }),
      h(doc, 'col', {}),
    ),
    h(
      doc,
      'thead',
      {},
      h(
        doc,
        'tr',
        {},
        h(doc, 'th', { scope: 'col' }, 'step'),
        h(doc, 'th', { scope: 'col' }, 't'),
        h(doc, 'th', { scope: 'col' }, 'CPU'),
        h(doc, 'th', { scope: 'col' }, h(doc, 'span', { class: 'sr-only' }, 'mark')),
        h(doc, 'th', { scope: 'col' }, 'caption'),
      ),
    ),
    h(doc, 'tbody', {}, rows),
  );
  const current = el.querySelector('tr.current');
  const box = el.parentElement;
  // Centre the current step inside the table's own box: the page itself never scrolls.
  if (current && box && typeof box.scrollTo === 'function') {
    const r = current.getBoundingClientRect();
    const top = r.top - box.getBoundingClientRect().top + box.scrollTop;
    box.scrollTo({ top: Math.max(0, top - box.clientHeight / 2 + r.height / 2) });
  }
}

/** The packet inspector: its header at every hop (before/after NAT) and its conntrack tuples. */
export function renderInspector(el, history) {
  const doc = el.ownerDocument;
  const rows = history.rows.map((r) =>
    h(
      doc,
      'tr',
      {},
      h(doc, 'td', { class: 'num' }, String(r.step)),
      h(doc, 'td', { class: 'mono' }, formatSimTime(r.t)),
      h(doc, 'td', {}, r.where),
      h(doc, 'td', { class: 'mono' }, r.func ?? r.type),
      h(
        doc,
        'td',
        { class: 'mono tuple' },
        r.before ? h(doc, 'del', {}, tuple(r.before.tuple)) : null,
        r.before ? h(doc, 'br') : null,
        r.header ? tuple(r.header.tuple) : '',
      ),
      h(
        doc,
        'td',
        { class: 'mono' },
        r.header
          ? [
              r.header.label,
              r.header.flags && r.header.flags !== r.header.label ? ` [${r.header.flags}]` : '',
              r.header.dns ? ` id=${r.header.dns.id} ${r.header.dns.qtype} ${r.header.dns.name}` : '',
            ].join('')
          : '',
      ),
    ),
  );
  const label = history.rows.find((r) => r.header)?.header.label ?? '';
  el.replaceChildren(
    h(doc, 'h2', {}, `Packet ${history.packet} ${label}`),
    h(
      doc,
      'table',
      { class: 'hops' },
      h(
        doc,
        'thead',
        {},
        h(
          doc,
          'tr',
          {},
          ['step', 't', 'where', 'function', 'header', 'what'].map((x) => h(doc, 'th', { scope: 'col' }, x)),
        ),
      ),
      h(doc, 'tbody', {}, rows),
    ),
    h(doc, 'h3', {}, 'its conntrack entries'),
    history.conntrack.length
      ? h(
          doc,
          'ul',
          { class: 'ct-tuples' },
          history.conntrack.map((ct) =>
            h(
              doc,
              'li',
              { class: 'mono' },
              `#${ct.id} ${ct.proto} orig ${tuple(ct.orig)} · reply ${tuple(ct.reply)} · `,
              h(
                doc,
                'span',
                { class: ct.gone ? 'freed' : null },
                ct.gone ? ct.gone : ct.clash ? 'clash entry' : ct.confirmed ? 'confirmed' : `unconfirmed (CPU ${ct.cpu})`,
              ),
            ),
          ),
        )
      : h(doc, 'p', { class: 'muted' }, 'none (yet)'),
  );
}
