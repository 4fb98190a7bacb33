// The Lab page's entry module.
import { formatSimTime } from './format.js';

const caption = document.getElementById('caption');
if (caption) {
  caption.textContent = `Racetrack is ready. t = ${formatSimTime(0)}`;
  document.body.dataset.ready = 'true';
}
