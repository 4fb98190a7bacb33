// The Lab's keyboard: what each key does, as a pure mapping (tests read it; the help overlay
// prints it). Clickers send PageUp/PageDown (and some send "." for black screen).

export const KEYS = [
  { keys: ['Space'], action: 'toggle', text: 'play / pause (continue after a beat)' },
  { keys: ['→', 'PageDown'], action: 'step', text: 'one step forward' },
  { keys: ['←', 'PageUp'], action: 'back', text: 'one step back' },
  { keys: ['Home'], action: 'first', text: 'the start' },
  { keys: ['End'], action: 'last', text: 'the end' },
  { keys: ['N'], action: 'next-mark', text: 'the next drop, retransmit, timeout or beat' },
  { keys: ['+', '−'], action: 'faster', text: 'faster / slower' },
  { keys: ['B', '.'], action: 'black', text: 'black screen' },
  { keys: ['F'], action: 'fullscreen', text: 'full screen' },
  { keys: ['T'], action: 'table', text: 'table of steps instead of the drawing' },
  { keys: ['?'], action: 'help', text: 'this help' },
  { keys: ['Esc'], action: 'close', text: 'close help, inspector, black screen' },
];

/** The action for a keydown, or null. */
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
    case '?':
      return 'help';
    case 'Escape':
      return 'close';
    default:
      return null;
  }
}

/** Speeds on the log scale the slider walks: ×¼ … ×64. */
export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16, 32, 64];

export function speedLabel(x) {
  return x === 0.25 ? '×¼' : x === 0.5 ? '×½' : `×${x}`;
}

/** The next speed up or down the scale. */
export function nextSpeed(current, dir) {
  const i = SPEEDS.findIndex((s) => s >= current - 1e-9);
  const at = i < 0 ? SPEEDS.length - 1 : i;
  return SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, at + dir))];
}
