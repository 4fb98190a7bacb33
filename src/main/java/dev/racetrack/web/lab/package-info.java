/**
 * The Lab: its page and Compare, the view of a run (topology, knobs, links) and
 * {@code GET /api/simulate}.
 */
package dev.racetrack.web.lab;
