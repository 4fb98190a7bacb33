/**
 * On-call: the {@code /diagnose} page and {@code POST /api/diagnose}.
 */
package dev.racetrack.web.diagnose;
