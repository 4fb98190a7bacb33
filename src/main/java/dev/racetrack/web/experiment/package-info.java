/**
 * Experiments: the {@code /experiments} page and the {@code GET /api/experiments} Monte
 * Carlo stream.
 */
package dev.racetrack.web.experiment;
