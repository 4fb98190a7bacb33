/**
 * Paced sessions and the classroom: {@code /api/sessions}, followers ({@code /api/watch},
 * {@code /watch}), their SSE streams and audiences.
 */
package dev.racetrack.web.session;
