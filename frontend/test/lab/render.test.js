import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseHTML } from 'linkedom';
import { fold } from '../../js/lab/reducer.js';
import { annotate, markers, packetHistory, rewriteText, stageOf, tokenLabel } from '../../js/lab/annotate.js';
import { layout, place, scene, tween } from '../../js/lab/render/scene.js';
import { NodeView } from '../../js/lab/render/node.js';
import {
  captionParts,
  renderCaption,
  renderConntrack,
  renderCounters,
  renderRules,
  renderTimers,
  renderStepsTable,
  renderInspector,
  shortRule,
} from '../../js/lab/render/panels.js';
import { stepToX, xToStep } from '../../js/lab/render/timeline.js';
import { actionFor, nextSpeed, speedLabel } from '../../js/lab/keys.js';
import { runQuery, labUrl, stepFrom, fixesFor } from '../../js/lab/permalink.js';
import { useCatalogue } from '../../js/lab/catalogue.js';

// The server's catalogue, written by the Java test LabCatalogueTests.
useCatalogue(JSON.parse(readFileSync(new URL('../lab/fixtures/catalogue.json', import.meta.url), 'utf8')));

const fixture = JSON.parse(readFileSync(new URL('./fixtures/folder-parity.json', import.meta.url), 'utf8'));
const snat = fixture.runs.find((r) => r.query === 'scenario=snat-port-race');
const race3 = fixture.runs.find((r) => r.query === 'scenario=dnat-race-3&kernel=6.x');

const topology = (pods, cpus, endpoints = 1) => ({
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
const podIps = new Map(topology(2, 2).pods.map((p) => [p.ip, p.name]));

function dom() {
  const { document } = parseHTML('<!DOCTYPE html><html><body><svg id="node"></svg><table id="t"></table><div id="d"></div><p id="c"></p></body></html>');
  return document;
}

test('stages follow the hook order: conntrack, DNAT, route, SNAT, rewrite, confirm', () => {
  const e = (type, hook) => ({ type, hook });
  assert.deepStrictEqual(
    [
      e('ct-new'),
      e('nat-setup', 'PREROUTING'),
      e('route'),
      e('nat-setup', 'POSTROUTING'),
      e('nat-packet', 'POSTROUTING'),
      e('ct-confirm', 'POSTROUTING'),
      e('packet-hop'),
    ].map(stageOf),
    [0, 1, 2, 3, 4, 5, -1],
  );
});

test('at the SNAT race both CPUs are inside an open race window at once', () => {
  const notes = annotate(snat.events, 23, podIps);
  const open = [...notes.windows.values()].filter((w) => w.endStep === null);
  assert.deepStrictEqual(open.map((w) => w.cpu).sort(), [0, 1]);
  const sc = scene(layout(topology(2, 2)), fold(snat.events, 2, 23), notes);
  assert.equal(sc.windows.length, 2);
  assert.ok(sc.windows.every((w) => w.open));
  assert.deepStrictEqual(sc.tokens.map((t) => t.label).sort(), ['SYN a', 'SYN b']);
});

test('the lost insert closes CPU 1 window as lost and leaves a drop mark on its lane', () => {
  const notes = annotate(snat.events, 28, podIps);
  const L = layout(topology(2, 2));
  const sc = scene(L, fold(snat.events, 2, 28), notes);
  const lost = sc.windows.find((w) => w.cpu === 1);
  assert.match(lost.text, /lost the race/);
  assert.equal(sc.drops.length, 1);
  assert.equal(sc.drops[0].y, L.lanes[1].tokenY);
  assert.match(sc.drops[0].text, /SYN b dropped/);
  assert.ok(sc.drops[0].fresh);
});

test('an old drop mark leaves a lane whose CPU has taken another packet, and stays while it has not', () => {
  // The SNAT race: SYN b is dropped on CPU 1 at step 28; a second later the retransmitted SYNs
  // come, and the lane tells their story, not the old drop under a new token.
  const L = layout(topology(2, 2));
  let hidden = 0;
  let kept = 0;
  for (let step = 28; step < snat.events.length; step++) {
    const notes = annotate(snat.events, step, podIps);
    const state = fold(snat.events, 2, step);
    const sc = scene(L, state, notes);
    const mark = sc.drops.find((d) => d.y === L.lanes[1].tokenY);
    const holds = state.cpus[1];
    const moved = holds != null && step - 28 > 12 && [...notes.dropAt.values()].every((d) => d.cpu !== 1 || d.packet !== holds);
    if (moved) {
      assert.ok(!mark || mark.fresh || !mark.old, `step ${step}: no old drop under CPU 1's new packet`);
      hidden += mark ? 0 : 1;
    } else if (holds == null && step - 28 <= 60) {
      kept += mark ? 1 : 0;
    }
  }
  assert.ok(hidden > 0, 'a step where CPU 1 holds a new packet and the old mark is gone');
  assert.ok(kept > 0, 'steps where the idle lane keeps its drop mark');
});

test('a NAT rewrite shows on the token: the port when it changes, else the address', () => {
  const p = (src, sport, dst, dport) => ({ tuple: { src, sport, dst, dport } });
  // Always with the port: two SYNs given the same address and port show it.
  assert.equal(rewriteText(p('10.40.0.18', 32000, '10.0.0.99', 80), p('10.0.0.1', 1024, '10.0.0.99', 80)), '→ 10.0.0.1:1024');
  assert.equal(rewriteText(p('10.40.0.18', 32000, '10.0.0.99', 80), p('10.0.0.1', 32000, '10.0.0.99', 80)), '→ 10.0.0.1:32000');
  assert.equal(rewriteText(p('10.40.0.17', 47532, '10.32.0.6', 53), p('10.40.0.17', 1024, '10.32.0.6', 53)), ':47532 → :1024');
  assert.equal(rewriteText(p('10.40.0.17', 40044, '10.96.0.10', 53), p('10.40.0.17', 40044, '10.32.0.7', 53)), '→ 10.32.0.7:53');
  assert.equal(rewriteText(p('a', 1, 'b', 2), p('a', 1, 'b', 2)), null);
  assert.equal(tokenLabel('SYN, ACK', 'pod-b'), 'SYN-ACK b');
  // The retransmitted SYN b (packet 8) gets its new port from the SNAT rewrite.
  const rewrite = snat.events.find((e) => e.type === 'nat-packet' && e.packet === 8 && e.change.manip === 'SRC');
  const retransmit = annotate(snat.events, rewrite.seq, podIps);
  assert.equal(retransmit.rewrite.get(8).text, '→ 10.0.0.1:1024');
});

test('markers: the drop, the retransmit and the beats, in step order', () => {
  const m = markers(snat.events, [{ step: 26, text: 'b' }]);
  assert.deepStrictEqual(
    m.map((x) => x.kind),
    ['beat', 'drop', 'retransmit'],
  );
  const r3 = markers(race3.events);
  assert.deepStrictEqual(
    r3.map((x) => x.kind),
    ['clash'],
  );
});

test('the inspector lists every hop of a packet, with its header before and after NAT, and its entries', () => {
  const h = packetHistory(snat.events, 2, 170);
  assert.deepStrictEqual(h.rows.map((r) => r.type).slice(0, 3), ['packet-sent', 'packet-hop', 'packet-hop']);
  const nat = h.rows.find((r) => r.type === 'nat-packet');
  assert.equal(nat.before.tuple.src, '10.40.0.18');
  assert.equal(nat.header.tuple.src, '10.0.0.1');
  assert.equal(h.rows.at(-1).type, 'packet-drop');
  assert.deepStrictEqual(
    h.conntrack.map((c) => c.id),
    [1, 2],
  );
  const doc = dom();
  const el = doc.getElementById('d');
  renderInspector(el, h);
  assert.match(el.textContent, /Packet 2 SYN/);
  assert.equal(el.querySelectorAll('tbody tr').length, h.rows.length);
  assert.ok(el.querySelector('del'));
});

test('the node view draws pods, veths, cni0, the six kernel functions, lanes, eth0, server and endpoints', () => {
  const doc = dom();
  const svg = doc.getElementById('node');
  const view = new NodeView(svg);
  view.setTopology(topology(2, 2, 2));
  const text = svg.textContent;
  for (const s of [
    'pod-a',
    '10.40.0.17',
    'veth-b',
    'cni0',
    'nf_conntrack_in',
    'nf_nat_ipv4_pre_routing',
    'ip_forward',
    'nf_nat_ipv4_out',
    'get_unique_tuple',
    'nf_nat_packet',
    '__nf_conntrack_confirm',
    'CPU 0',
    'CPU 1',
    'eth0',
    '10.0.0.99:80',
    '10.96.0.10:53',
    'dns-2 10.32.0.7',
  ]) {
    assert.ok(text.includes(s), s);
  }
  view.update(fold(snat.events, 2, 23), annotate(snat.events, 23, podIps), { jump: true });
  assert.equal(svg.querySelectorAll('.token').length, 2);
  assert.equal(svg.querySelectorAll('.window.open').length, 2);
  view.update(fold(snat.events, 2, 28), annotate(snat.events, 28, podIps));
  assert.equal(svg.querySelectorAll('.token').length, 1, 'the dropped SYN is gone');
  assert.equal(svg.querySelectorAll('.drop-mark').length, 1);
});

test('tokens move between hops: tween interpolates and ends where the step puts them', () => {
  const a = [
    { id: 1, x: 0, y: 0 },
    { id: 2, x: 10, y: 10 },
  ];
  const b = [
    { id: 1, x: 100, y: 50 },
    { id: 3, x: 5, y: 5 },
  ];
  assert.deepStrictEqual(tween(a, b, 0.5), [
    { id: 1, x: 50, y: 25 },
    { id: 3, x: 5, y: 5 },
  ]);
  assert.deepStrictEqual(tween(a, b, 1), b);
});

test('a hundred pods and sixteen CPUs still fit: rows are capped, lanes shrink', () => {
  const L = layout(topology(100, 16, 16));
  assert.ok(L.pods.length >= 1 && L.pods.length <= 6);
  assert.equal(L.hiddenPods.count, 100 - L.pods.length);
  const rows = [...L.pods.map((p) => p.cy), L.hiddenPods.cy];
  assert.ok(
    rows.every((y, i) => i === 0 || y - rows[i - 1] >= L.pods[0].h),
    'pod rows do not overlap',
  );
  assert.equal(L.lanes.length, 16);
  assert.ok(L.lanes[0].h >= 22);
  assert.equal(L.dns.more, 12);
});

test('the conntrack table: unconfirmed hollow with its CPU, confirmed solid, the clash flashes both entries', () => {
  const doc = dom();
  const t = doc.getElementById('t');
  renderConntrack(t, fold(snat.events, 2, 23), fold(snat.events, 2, 22), annotate(snat.events, 23, podIps));
  const rows = [...t.querySelectorAll('tbody tr')];
  assert.deepStrictEqual(
    rows.map((r) => r.className),
    ['ct unconfirmed', 'ct unconfirmed'],
  );
  assert.match(rows[1].textContent, /unconfirmed · CPU 1/);
  assert.match(rows[1].querySelector('.ct-state').getAttribute('title'), /no other CPU can see it/);
  renderConntrack(t, fold(snat.events, 2, 27), fold(snat.events, 2, 26), annotate(snat.events, 27, podIps));
  const flashed = [...t.querySelectorAll('tbody tr')].map((r) => r.className);
  assert.deepStrictEqual(flashed, ['ct confirmed flash-winner', 'ct unconfirmed flash-loser leaving']);
});

test('a clash entry is dashed with its countdown, and leaves on ct-destroy', () => {
  const doc = dom();
  const t = doc.getElementById('t');
  const at = race3.events.findIndex((e) => e.type === 'ct-clash');
  const state = fold(race3.events, 2, at);
  renderConntrack(t, state, fold(race3.events, 2, at - 1), annotate(race3.events, at, podIps));
  const clash = t.querySelector('tr.clash');
  assert.ok(clash);
  assert.match(clash.textContent, /clash entry · 1\.000 s left/);
  const end = race3.events.length - 1;
  assert.equal(race3.events[end].type, 'ct-destroy');
  renderConntrack(t, fold(race3.events, 2, end), fold(race3.events, 2, end - 1), annotate(race3.events, end, podIps));
  assert.ok(t.querySelector('tr.clash.leaving'));
});

test('conntrack -S per CPU highlights the counters that just changed', () => {
  const doc = dom();
  const t = doc.getElementById('t');
  renderCounters(t, fold(snat.events, 2, 27), annotate(snat.events, 27, podIps));
  // One row per counter, one column per CPU (a new counter adds a row, never a column).
  assert.deepStrictEqual(
    [...t.querySelectorAll('thead th')].map((th) => th.textContent),
    ['', 'cpu=0', 'cpu=1'],
  );
  const row = (name) => t.querySelector(`tbody tr[data-counter="${name}"]`);
  assert.deepStrictEqual(
    [...row('insert_failed').querySelectorAll('td')].map((td) => [td.textContent, td.className]),
    [
      ['0', ''],
      ['1', 'changed bad'],
    ],
  );
  assert.equal(row('found').querySelectorAll('td.changed').length, 0);
});

test('the nat rules the packet walked are highlighted', () => {
  const doc = dom();
  const d = doc.getElementById('d');
  const rules = [
    '-P POSTROUTING ACCEPT',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
    '-A POSTROUTING -s 10.32.0.0/12 ! -d 224.0.0.0/4 -j MASQUERADE',
    '-A POSTROUTING -s 10.32.0.0/12 -d 10.32.0.0/12 -j RETURN',
  ];
  renderRules(d, rules, annotate(snat.events, 20, podIps));
  assert.equal(d.querySelectorAll('li').length, 3);
  assert.equal(d.querySelectorAll('li.matched').length, 2);
  assert.equal(shortRule(rules[1]), '-A POSTROUTING -j KUBE-POSTROUTING');
});

test('timers count down in sim time', () => {
  const doc = dom();
  const d = doc.getElementById('d');
  const state = fold(snat.events, 2, 10);
  renderTimers(d, state, state.t);
  assert.match(d.textContent, /pod-a syn-rto/);
  assert.match(d.textContent, /pod-a syn-rto1\.000 s/);
  renderTimers(d, state, 501_000_000);
  assert.match(d.textContent, /pod-a syn-rto0\.500 s/);
  renderTimers(d, state, 2_000_000_000);
  assert.match(d.textContent, /pod-a syn-rtonow/);
});

test('captions render backticked names as code', () => {
  assert.deepStrictEqual(captionParts('a `f` b'), [
    { code: false, text: 'a ' },
    { code: true, text: 'f' },
    { code: false, text: ' b' },
  ]);
  const doc = dom();
  const c = doc.getElementById('c');
  renderCaption(c, snat.events[27].text);
  assert.equal(c.querySelector('code').textContent, '__nf_conntrack_confirm');
});

test('the table twin lists step, time, CPU and caption around the current step', () => {
  const doc = dom();
  const t = doc.getElementById('t');
  renderStepsTable(t, snat.events, 27, { around: 2 });
  const rows = [...t.querySelectorAll('tbody tr')];
  assert.equal(rows.length, 5);
  assert.equal(rows[2].className, 'current');
  assert.match(rows[2].textContent, /^27/);
});

test('timeline maps steps to x and back', () => {
  assert.equal(stepToX(0, 101), 0);
  assert.equal(stepToX(100, 101), 1000);
  assert.equal(xToStep(500, 101), 50);
  assert.equal(xToStep(-20, 101), 0);
});

test('keys: space, arrows, clicker pages, Home/End, b, f, ?', () => {
  const k = (key, extra = {}) => actionFor({ key, ...extra });
  assert.equal(k(' '), 'toggle');
  assert.equal(k('ArrowRight'), 'step');
  assert.equal(k('PageDown'), 'step');
  assert.equal(k('ArrowLeft'), 'back');
  assert.equal(k('PageUp'), 'back');
  assert.equal(k('Home'), 'first');
  assert.equal(k('End'), 'last');
  assert.equal(k('b'), 'black');
  assert.equal(k('f'), 'fullscreen');
  assert.equal(k('?'), 'help');
  assert.equal(k('b', { ctrlKey: true }), null);
  assert.equal(nextSpeed(1, 1), 2);
  assert.equal(nextSpeed(64, 1), 64);
  assert.equal(nextSpeed(0.25, -1), 0.25);
  assert.equal(speedLabel(0.25), '×¼');
});

test('permalinks hold every knob, the seed and the step', () => {
  const params = {
    scenario: 'snat-port-race',
    kernel: '4.17',
    mode: 'default',
    resolver: 'glibc',
    pods: 2,
    rounds: 1,
    sourcePort: 32000,
    cpus: 2,
    endpoints: 1,
    seed: 1,
    mitigation: 'none',
    ndots: 5,
  };
  assert.equal(
    runQuery(params),
    'scenario=snat-port-race&kernel=4.17&mode=default&resolver=glibc&pods=2&rounds=1&sourcePort=32000&cpus=2&endpoints=1&seed=1&mitigation=none&ndots=5',
  );
  const u = labUrl(params, 27, '?theme=projector&foo=1');
  assert.match(u, /step=27/);
  assert.match(u, /theme=projector/);
  assert.doesNotMatch(u, /foo/);
  assert.equal(stepFrom('?step=27'), 27);
  assert.equal(stepFrom('?step=x'), null);
  assert.equal(fixesFor(params)[0].mode, 'random-fully');
  assert.deepEqual(
    fixesFor({ ...params, scenario: 'dnat-race-3' }).map((p) => p.mitigation),
    ['nodelocal-dns', 'tc-delay'],
  );
  assert.deepEqual(
    fixesFor(params).map((p) => [p.mode, p.mitigation]),
    [
      ['random-fully', params.mitigation],
      [params.mode, 'no-snat'],
    ],
  );
});

test('compare finds the first step where runs of one seed differ', async () => {
  const { firstDivergence, differences } = await import('../../js/lab/diverge.js');
  const fixed = fixture.runs.find((r) => r.query.includes('random-fully'));
  const d = firstDivergence([snat.events, fixed.events]);
  assert.ok(d > 0);
  assert.equal(
    snat.events.slice(0, d).every((e, i) => e.text === fixed.events[i].text),
    true,
  );
  assert.equal(firstDivergence([snat.events, snat.events]), -1);
  assert.equal(differences({ mode: 'random-fully', kernel: '4.17' }, { mode: 'default', kernel: '4.17' }), 'mode random-fully');
});

test('many packets in one place: a few tokens, then one badge counts the rest', () => {
  const L = layout(topology(2, 2));
  const packets = Array.from({ length: 9 }, (_, i) => ({
    packet: { id: i + 1, label: 'SYN', proto: 'tcp', tuple: { src: '10.0.0.1', sport: 1000 + i, dst: '10.0.0.99', dport: 80 } },
    where: 'eth0',
    t: 0,
  }));
  const state = { ...fold([], 2), packets };
  const notes = annotate([], -1, podIps);
  const sc = scene(L, state, notes);
  assert.equal(sc.tokens.filter((t) => t.kind !== 'more').length, 2);
  assert.deepStrictEqual(
    sc.tokens.filter((t) => t.kind === 'more').map((t) => t.label),
    ['+7'],
  );
  assert.equal(scene(L, state, notes, { maxStack: Infinity }).tokens.length, 9);
});

test('the node view shows the mitigation where it acts: the local cache, the tc delay, the others at the foot', () => {
  const cache = {
    ...topology(2, 2),
    mitigation: { id: 'nodelocal-dns', title: 'NodeLocal DNSCache', detail: 'pods ask 169.254.20.10' },
    cache: { name: 'node-local-dns', ip: '169.254.20.10', port: 53 },
  };
  const doc = dom();
  const svg = doc.getElementById('node');
  new NodeView(svg).setTopology(cache);
  assert.ok(svg.textContent.includes('node-local-dns 169.254.20.10'), 'the cache is drawn on the node');
  assert.equal(svg.querySelectorAll('rect.cache').length, 1);
  assert.ok(place(layout(cache), 'node-local-dns'), 'a packet at the cache has a place');
  const delay = {
    ...topology(2, 2),
    mitigation: { id: 'tc-delay', title: 'tc delay on DNS packets', detail: 'tc delays the second DNS packet of a pair by 10 µs' },
    cache: null,
  };
  const doc2 = dom();
  new NodeView(doc2.getElementById('node')).setTopology(delay);
  assert.ok(doc2.getElementById('node').textContent.includes('2nd DNS packet +10 µs'));
  const none = dom();
  new NodeView(none.getElementById('node')).setTopology(topology(2, 2));
  assert.equal(none.querySelectorAll('.mitigation-text, rect.cache').length, 0, 'no mitigation, nothing drawn');
});

test('the rules pane shows the raw table above the nat table when it has rules', () => {
  const doc = dom();
  const el = doc.getElementById('d');
  renderRules(el, ['-P PREROUTING ACCEPT', '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES'], {}, [
    '-P PREROUTING ACCEPT',
    '-A PREROUTING -d 169.254.20.10/32 -p udp -m udp --dport 53 -j NOTRACK',
  ]);
  const text = el.textContent;
  assert.ok(text.indexOf('iptables -t raw -S') < text.indexOf('iptables -t nat -S'));
  assert.ok(text.includes('-j NOTRACK'));
  const plain = dom().getElementById('d');
  renderRules(plain, ['-A PREROUTING -j KUBE-SERVICES'], {}, []);
  assert.ok(!plain.textContent.includes('-t raw'));
});

test('compare names each column by what differs, never "baseline"', async () => {
  const { columnNames, differingKnobs, sharedTitle } = await import('../../js/lab/diverge.js');
  const names = ['scenario', 'kernel', 'mode', 'mitigation', 'seed'];
  const a = { scenario: 'dnat-race-3', kernel: '4.17', mode: 'default', mitigation: 'none', seed: 2 };
  const b = { ...a, kernel: '5.6' };
  const c = { ...a, mitigation: 'nodelocal-dns' };
  assert.deepStrictEqual(differingKnobs([a, b, c], names), ['kernel', 'mitigation']);
  assert.deepStrictEqual(columnNames([a, b, c], names), ['kernel 4.17 · mitigation none', 'kernel 5.6', 'mitigation nodelocal-dns']);
  assert.deepStrictEqual(columnNames([a, { ...a, mode: 'random-fully' }], names), ['mode default', 'mode random-fully']);
  assert.deepStrictEqual(columnNames([a, a], names), ['the same settings', 'the same settings']);
  assert.equal(sharedTitle(a, ['mode'], 'DNS race 3'), 'DNS race 3 · kernel 4.17 · seed 2');
});

test('the shared endpoint: what two CPUs chose, while their windows are open or just closed', () => {
  const notes = annotate(snat.events, 23, podIps);
  assert.equal(notes.shared, '10.0.0.1:32000');
  assert.equal(annotate(snat.events, 13, podIps).shared, null, 'before the SNAT step nothing is shared');
  assert.equal(annotate(race3.events, 16, podIps).shared, null, 'race 3 sends the queries to two endpoints');
  const doc = dom();
  const t = doc.getElementById('t');
  renderConntrack(t, fold(snat.events, 2, 23), fold(snat.events, 2, 22), notes);
  assert.equal(t.querySelectorAll('td.reply mark.shared').length, 2);
});

test('the table twin marks the drop and the beats, and the pods show their timers', () => {
  const doc = dom();
  const t = doc.getElementById('t');
  renderStepsTable(t, snat.events, 27, { around: 3, beats: new Map([[26, { text: 'CPU 0 confirms #1 first' }]]) });
  assert.match(t.querySelector('tr.drop').textContent, /^28.*▲/);
  assert.match(t.querySelector('tr.beat-row').textContent, /^◆ Beat: CPU 0 confirms #1 first/);
  const L = layout(topology(2, 2));
  const sc = scene(L, fold(snat.events, 2, 23), annotate(snat.events, 23, podIps));
  assert.deepStrictEqual(
    sc.pods.map((p) => [p.name, p.timer?.timer]),
    [
      ['pod-a', 'syn-rto'],
      ['pod-b', 'syn-rto'],
    ],
  );
});

test('the layout keeps the theme size: a narrow drawing leaves the functions out before it shrinks a name', () => {
  const wide = layout(topology(2, 2), { width: 1900, height: 500, em: 17, small: 15 });
  assert.ok(wide.showFuncs);
  const narrow = layout(topology(2, 2), { width: 1000, height: 380, em: 18, small: 18 });
  assert.equal(narrow.showFuncs, false);
  assert.equal(narrow.fs, 18);
  assert.ok(narrow.stageName >= 18);
  assert.ok(narrow.node.x + narrow.node.w <= narrow.eth0.x, 'the node ends before eth0');
  const stagesEnd = narrow.stages[5].x + narrow.stages[5].w;
  assert.ok(stagesEnd <= narrow.node.x + narrow.node.w, 'the stages stay in the node box');
});
