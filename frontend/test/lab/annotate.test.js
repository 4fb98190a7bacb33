import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Annotator, annotate, stageOf, rewriteText } from '../../js/lab/annotate.js';
import { fold } from '../../js/lab/reducer.js';
import { layout, scene } from '../../js/lab/render/scene.js';
import { useCatalogue } from '../../js/lab/catalogue.js';

// The server's catalogue (written by LabCatalogueTests): the fold reads how many taken ports a walk keeps.
useCatalogue(JSON.parse(readFileSync(new URL('./fixtures/catalogue.json', import.meta.url), 'utf8')));

const fixture = JSON.parse(readFileSync(new URL('./fixtures/folder-parity.json', import.meta.url), 'utf8'));

const topology = (pods, cpus, endpoints = 2) => ({
  nodeIp: '10.0.0.1',
  bridge: { name: 'cni0', ip: '10.40.0.1' },
  eth0: { ip: '10.0.0.1' },
  cpus,
  pods: Array.from({ length: pods }, (_, i) => ({
    name: `pod-${String.fromCharCode(97 + i)}`,
    ip: `10.40.0.${17 + i}`,
    veth: `veth-${String.fromCharCode(97 + i)}`,
  })),
  server: { name: 'server', ip: '10.0.0.99', port: 80 },
  dns: { clusterIp: '10.96.0.10', port: 53, endpoints: Array.from({ length: endpoints }, (_, i) => ({ name: `dns-${i + 1}`, ip: `10.32.0.${6 + i}` })) },
});

// The reading the Lab did before the Annotator: every event from step 0 at every step drawn
// (frontend/js/annotate.js at 1885a2b), kept here as the oracle the Annotator must agree with.
function addTo(map, k, v) {
  if (v === null || v === undefined) return;
  const list = map.get(k) || [];
  if (!list.includes(v)) list.push(v);
  map.set(k, list);
}
function sameHook(rules, event) {
  const hook = rules.chain === 'POSTROUTING' ? 'POSTROUTING' : 'PREROUTING';
  return event.hook === hook || event.type === 'nat-rules';
}
function fromStepZero(events, step, podIps = new Map()) {
  const stage = new Map(); // packet -> stage
  const pod = new Map(); // packet -> pod name
  const rewrite = new Map(); // packet -> {text, step}
  const windows = new Map(); // packet -> window
  const lastWindow = new Map(); // cpu -> window
  const dropAt = new Map(); // packet -> {stage, cpu, step, label}
  const ctPackets = new Map(); // ct id -> packets
  const label = new Map(); // packet -> header label
  let lastRules = null;
  const last = Math.min(step, events.length - 1);
  for (let i = 0; i <= last; i++) {
    const e = events[i];
    const c = e.change || {};
    const p = e.packet;
    if (p !== null && p !== undefined) {
      const s = stageOf(e);
      if (s >= 0) stage.set(p, s);
    }
    switch (e.type) {
      case 'packet-sent':
        label.set(p, c.packet.label);
        if (podIps.has(c.packet.tuple.src)) pod.set(p, podIps.get(c.packet.tuple.src));
        else if (c.pod && c.pod.startsWith('pod-')) pod.set(p, c.pod);
        break;
      case 'ct-new':
      case 'ct-found':
        if (!pod.has(p) && podIps.has(c.ct.orig.src)) pod.set(p, podIps.get(c.ct.orig.src));
        addTo(ctPackets, c.ct.id, p);
        break;
      case 'nat-packet': {
        const text = rewriteText(c.before, c.after);
        if (text) rewrite.set(p, { text, step: e.seq, manip: c.manip });
        break;
      }
      case 'nat-rules':
        lastRules = { step: e.seq, packet: p, rules: c.rules, chain: c.chain, verdict: c.verdict };
        break;
      case 'nat-setup': {
        if (!windows.has(p) && !c.ct.confirmed && !(c.nullBinding && c.manip === 'DST')) {
          const w = {
            packet: p,
            cpu: e.cpu,
            startStage: stageOf(e),
            startStep: e.seq,
            endStep: null,
            outcome: null,
            ct: c.ct.id,
            chosen: c.chosen,
            manip: c.manip,
            search: c.search,
          };
          windows.set(p, w);
          lastWindow.set(e.cpu, w);
        }
        addTo(ctPackets, c.ct.id, p);
        break;
      }
      case 'ct-confirm':
      case 'confirm-skip':
      case 'ct-clash':
      case 'ct-chaintoolong':
      case 'packet-drop': {
        const w = windows.get(p);
        if (w && w.endStep === null) {
          w.endStep = e.seq;
          w.outcome =
            e.type === 'ct-confirm'
              ? 'confirmed'
              : e.type === 'ct-clash'
                ? `clash-${String(c.resolution).toLowerCase()}`
                : e.type === 'packet-drop'
                  ? 'dropped'
                  : 'skipped';
        } else if (w && e.type === 'packet-drop') {
          w.outcome = 'dropped';
        }
        if (e.type === 'packet-drop') {
          dropAt.set(p, { packet: p, stage: stageOf(e), cpu: e.cpu, step: e.seq, reason: c.reason, label: label.get(p) });
        }
        break;
      }
      default:
        break;
    }
  }
  const event = last >= 0 ? events[last] : null;
  const c = event?.change || {};
  return {
    event,
    stage,
    pod,
    rewrite,
    label,
    windows,
    lastWindow,
    dropAt,
    ctPackets,
    rulesMatched: lastRules && event && lastRules.packet === event.packet && sameHook(lastRules, event) ? lastRules : null,
    countersChanged: event?.counters ? { cpu: event.cpu, keys: Object.keys(event.counters) } : null,
    clash: event?.type === 'ct-clash' ? { loser: c.loser.id, winner: c.winner.id, resolution: c.resolution } : null,
    destroyed: event?.type === 'ct-destroy' ? c.id : null,
    roverMoved: event?.rover ? { cpu: event.cpu, rover: event.rover, search: c.search ?? null } : null,
  };
}

/** What a step draws from its notes: the scene, and the packets of each entry in the table. */
function drawn(L, state, notes, destroyed) {
  const sc = scene(L, state, notes, { maxStack: Infinity });
  const ids = [...state.conntrack.map((c) => c.id), ...(destroyed === null ? [] : [destroyed])];
  if (notes.clash) ids.push(notes.clash.loser, notes.clash.winner);
  return {
    tokens: sc.tokens.map(({ id, label, sub, fresh, x, y, kind, current }) => ({ id, label, sub, fresh, x, y, kind, current })),
    windows: sc.windows,
    drops: sc.drops,
    rover: sc.rover,
    ctPackets: ids.map((id) => [id, notes.ctPackets.get(id) ?? []]),
    rules: notes.rulesMatched,
    counters: notes.countersChanged,
    clash: notes.clash,
    destroyed: notes.destroyed,
    rover2: notes.roverMoved,
  };
}

for (const run of fixture.runs) {
  test(`the annotator draws what reading from step 0 drew, at every step of ${run.query}`, () => {
    const topo = topology(3, run.cpus);
    const podIps = new Map(topo.pods.map((p) => [p.ip, p.name]));
    const L = layout(topo);
    const forward = new Annotator(run.events, podIps, { every: 16 });
    for (let step = -1; step < run.events.length; step++) {
      const state = fold(run.events, run.cpus, step);
      const expected = drawn(L, state, fromStepZero(run.events, step, podIps), null);
      const got = drawn(L, state, forward.at(step), null);
      assert.deepStrictEqual(got, expected, `step ${step}`);
    }
    // And backwards, through the checkpoints.
    const backward = new Annotator(run.events, podIps, { every: 16 });
    backward.at(run.events.length - 1);
    for (let step = run.events.length - 1; step >= -1; step -= 7) {
      const state = fold(run.events, run.cpus, step);
      assert.deepStrictEqual(drawn(L, state, backward.at(step), null), drawn(L, state, fromStepZero(run.events, step, podIps), null), `back to ${step}`);
    }
  });
}

/**
 * A long run: the TCP free-play run of the fixture again and again, each copy with its own
 * steps, times, packets and conntrack entries, whose entries expire after it (as TIME_WAIT
 * entries do 120 s later), so the table stays the size of one copy's.
 */
function longRun(times) {
  const run = fixture.runs.find((r) => r.query.startsWith('scenario=tcp-free-play'));
  const base = run.events;
  const survivors = fold(base, run.cpus).conntrack.map((c) => c.id);
  const span = base.at(-1).t + 1;
  const shiftCt = (ct, k) => (ct ? { ...ct, id: ct.id + k * 100_000 } : ct);
  const out = [];
  for (let k = 0; k < times; k++) {
    for (const e of base) {
      const c = e.change ? { ...e.change } : e.change;
      for (const f of ['ct', 'loser', 'winner', 'survivor']) if (c?.[f]) c[f] = shiftCt(c[f], k);
      for (const f of ['id', 'reopened', 'earlyDropped']) if (typeof c?.[f] === 'number') c[f] += k * 100_000;
      if (c?.search?.evicted >= 0) c.search = { ...c.search, evicted: c.search.evicted + k * 100_000 };
      out.push({ ...e, seq: out.length, t: e.t + k * span, packet: e.packet === null ? null : e.packet + k * 100_000, change: c });
    }
    for (const id of survivors) {
      out.push({
        seq: out.length,
        t: (k + 1) * span - 1,
        cpu: -1,
        type: 'ct-destroy',
        packet: null,
        hook: null,
        iface: null,
        func: 'nf_ct_gc_expired',
        text: 'expired',
        counters: null,
        rover: null,
        change: { id: id + k * 100_000, reason: 'timeout' },
      });
    }
  }
  return out;
}

test('drawing the next step reads one event, at step 10 as at step 100,000', () => {
  const events = longRun(Math.ceil(100_500 / 237));
  assert.ok(events.length > 100_400);
  const a = new Annotator(events, new Map(), { every: 256 });
  const cost = (step) => {
    const before = a.work;
    a.at(step);
    return a.work - before;
  };
  const costs = [];
  for (let step = 0; step <= 100_300; step++) costs.push(cost(step));
  const plain = costs.filter((_, step) => (step + 1) % 256 !== 0);
  assert.equal(Math.max(...plain), 1, 'a step that is not a checkpoint reads its one event and copies nothing');
  assert.equal(costs[10], 1);
  assert.equal(costs[100_000], 1);
  // A checkpoint copies what a later step can still draw: the packets in flight and the
  // entries in the table, which do not grow with the step number.
  const checkpoints = costs.filter((_, step) => (step + 1) % 256 === 0);
  const early = Math.max(...checkpoints.slice(0, 20));
  const late = Math.max(...checkpoints.slice(-20));
  assert.ok(late <= 2 * early + 50, `a checkpoint at step 100,000 costs ${late}, one near the start ${early}`);
  // Back one step from 100,000: from the checkpoint before it, never from step 0.
  assert.ok(cost(99_999) <= 256 + late, 'back one step reads from the last checkpoint');
  assert.ok(cost(100_000) <= 1);
});

test("a packet's history reads that packet's events only", () => {
  const events = longRun(40);
  let reads = 0;
  const counted = new Proxy(events, {
    get(target, key) {
      if (/^\d+$/.test(String(key))) reads += 1;
      return target[key];
    },
  });
  const a = new Annotator(counted, new Map());
  a.history(events[5].packet, 10); // builds the index once
  reads = 0;
  const packet = events[9000].packet;
  const h = a.history(packet, events.length - 1);
  assert.ok(h.rows.length > 0);
  assert.equal(reads, h.rows.length, 'one read per row');
});

test('the helpers stay pure', () => {
  assert.equal(stageOf({ type: 'route' }), 2);
  assert.equal(rewriteText({ tuple: { src: 'a', sport: 1, dst: 'b', dport: 2 } }, { tuple: { src: 'a', sport: 3, dst: 'b', dport: 2 } }), ':1 → :3');
  assert.equal(annotate([], -1).event, null);
});
