// @ts-check
// The Lab's keyboard: what each key does, as a pure mapping (tests read it; the help overlay
// prints it). Clickers send PageUp/PageDown (and some send "." for black screen). The speeds
// are the catalogue's.

import { speeds } from './catalogue.js';

export const KEYS = [
  { keys: ['Space'], action: 'toggle', text: 'play to the next beat / pause' },
  { keys: ['→', 'PageDown'], action: 'step', text: 'one step forward' },
  { keys: ['←', 'PageUp'], action: 'back', text: 'one step back' },
  { keys: ['Home'], action: 'first', text: 'the start' },
  { keys: ['End'], action: 'last', text: 'the end' },
  { keys: ['N'], action: 'next-mark', text: 'the next drop, retransmit, timeout or beat' },
  { keys: ['+', '−'], action: 'faster', text: 'faster / slower' },
  { keys: ['B', '.'], action: 'black', text: 'black screen' },
  { keys: ['F'], action: 'fullscreen', text: 'full screen' },
  { keys: ['T'], action: 'table', text: 'table of steps instead of the drawing' },
  { keys: ['I'], action: 'intro', text: "the scenario's story and how to read the drawing" },
  { keys: ['?'], action: 'help', text: 'this help' },
  { keys: ['Esc'], action: 'close', text: 'close help, inspector, black screen' },
  { keys: ['J'], action: 'join', text: 'show the join code to the room', modes: ['lab'] },
  { keys: ['D'], action: 'detach', text: 'explore your own copy from this step (any time control does too)', modes: ['watch'] },
  { keys: ['S', 'Esc'], action: 'snap', text: "snap back to the presenter's step", modes: ['watch'] },
];

/**
 * The keys that work on a page: 'lab' (a presenter), 'watch' (a follower) or 'replay' (the offline file).
 * @param {string} mode
 */
export function keysFor(mode) {
  return KEYS.filter((k) => !k.modes || k.modes.includes(mode));
}

/**
 * The action for a keydown, or null.
 * @param {{key: string, ctrlKey?: boolean, metaKey?: boolean, altKey?: boolean}} ev
 */
export function actionFor(ev) {
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return null;
  switch (ev.key) {
    case ' ':
    case 'Spacebar':
      return 'toggle';
    case 'ArrowRight':
    case 'PageDown':
      return 'step';
    case 'ArrowLeft':
    case 'PageUp':
      return 'back';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    case 'n':
    case 'N':
      return 'next-mark';
    case '+':
    case '=':
      return 'faster';
    case '-':
    case '_':
      return 'slower';
    case 'b':
    case 'B':
    case '.':
      return 'black';
    case 'f':
    case 'F':
      return 'fullscreen';
    case 't':
    case 'T':
      return 'table';
    case 'i':
    case 'I':
      return 'intro';
    case '?':
      return 'help';
    case 'Escape':
      return 'close';
    case 'j':
    case 'J':
      return 'join';
    case 'd':
    case 'D':
      return 'detach';
    case 's':
    case 'S':
      return 'snap';
    default:
      return null;
  }
}

/**
 * "×¼", "×½", "×2".
 * @param {number} x
 */
export function speedLabel(x) {
  return x === 0.25 ? '×¼' : x === 0.5 ? '×½' : `×${x}`;
}

/**
 * The next speed up or down the catalogue's scale (×¼ … ×64).
 * @param {number} current
 * @param {number} dir +1 or -1
 */
export function nextSpeed(current, dir) {
  const all = speeds();
  const i = all.findIndex((s) => s >= current - 1e-9);
  const at = i < 0 ? all.length - 1 : i;
  return all[Math.max(0, Math.min(all.length - 1, at + dir))];
}
