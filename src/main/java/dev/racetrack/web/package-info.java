/**
 * The only adapters: Thymeleaf pages and htmx fragments, the JSON API with problem
 * details, SSE streams, sessions and followers.
 */
package dev.racetrack.web;
