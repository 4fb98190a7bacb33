// Guided beats for a recorded run, when no server session supplied them (offline mode and
// exports): the steps where playback pauses by itself and what just became true there. These
// are the same readings of the trace as the server's beats: two CPUs in the window at once, a
// reply tuple chosen twice, the first confirm, the lost insert, the client's timer, the late
// flow. They annotate what the model did and never change it.

const MAX_BEATS = 8;

export function deriveBeats(events) {
  const beats = [];
  const unconfirmed = new Map();
  let twoWindows = false;
  let sameReply = false;
  let firstConfirm = false;
  let clash = false;
  let timer = false;
  for (const e of events) {
    if (beats.length >= MAX_BEATS) break;
    const c = e.change || {};
    if (e.type === 'ct-new') {
      unconfirmed.set(c.ct.id, c.ct);
      const other = otherCpu(unconfirmed, c.ct);
      if (!twoWindows && other) {
        twoWindows = true;
        beats.push({ step: e.seq, text: `Two CPUs now each hold an unconfirmed entry (#${other.id} and #${c.ct.id}): neither can see the other's until it is confirmed.` });
      }
    } else if (e.type === 'nat-setup') {
      unconfirmed.set(c.ct.id, c.ct);
      const twin = [...unconfirmed.values()].find((o) => o.id !== c.ct.id && sameTuple(o.reply, c.ct.reply));
      if (!sameReply && twin && c.manip === 'SRC') {
        sameReply = true;
        beats.push({ step: e.seq, text: `Entries #${twin.id} and #${c.ct.id} now have the same reply tuple ${tuple(c.ct.reply)}, and neither CPU can tell.` });
      }
    } else if (e.type === 'ct-confirm') {
      unconfirmed.delete(c.ct.id);
      if (!firstConfirm && unconfirmed.size > 0 && twoWindows) {
        firstConfirm = true;
        beats.push({ step: e.seq, text: `CPU ${e.cpu} confirms entry #${c.ct.id} first: from now on every CPU sees it, but the other packet is already past that check.` });
      }
    } else if (e.type === 'ct-clash') {
      unconfirmed.delete(c.loser.id);
      if (!clash) {
        clash = true;
        beats.push({ step: e.seq, text: clashText(c) });
      }
    } else if (e.type === 'timer-fire' && clash && !timer) {
      timer = true;
      beats.push({ step: e.seq, text: c.timer === 'syn-rto'
        ? 'The client heard nothing back, so its SYN retransmission timer fires: the first cost of the race.'
        : "The resolver's timer fires: it has waited for an answer that was dropped." });
    } else if (e.type === 'flow-done' && c.flow.retransmits > 0 && clash) {
      const what = c.flow.kind === 'tcp-connect' ? 'connection' : 'lookup';
      beats.push({ step: e.seq, text: `${c.flow.pod}'s ${what} finally completes: ${(c.flow.latencyNs / 1e9).toFixed(3)} s instead of a fraction of a millisecond.` });
      break;
    }
  }
  return beats;
}

function clashText(c) {
  switch (c.resolution) {
    case 'DROP':
      return `The later confirm finds entry #${c.winner.id} already in the hash: the insert fails and the packet is dropped. insert_failed and drop go up by one.`;
    case 'MERGED':
      return `The later confirm clashes with entry #${c.winner.id}, but both entries are identical, so this kernel lets the packet use the winner's entry: no drop.`;
    default:
      return `The later confirm clashes with entry #${c.winner.id}, but its reply direction is unique: this kernel keeps it as a reply-only clash entry for 1 s, hidden from \`conntrack -L\`. No drop.`;
  }
}

function otherCpu(unconfirmed, ct) {
  for (const o of unconfirmed.values()) if (o.id !== ct.id && o.cpu !== ct.cpu && !o.confirmed) return o;
  return null;
}

function sameTuple(a, b) {
  return a.src === b.src && a.sport === b.sport && a.dst === b.dst && a.dport === b.dport;
}

function tuple(t) {
  return `${t.src}:${t.sport} → ${t.dst}:${t.dport}`;
}
