/**
 * The only adapters, cut by feature: {@code lab} (the Lab and Compare pages, the run
 * view, {@code /api/simulate}, the catalogue), {@code session} (paced sessions, followers
 * and their SSE streams), {@code experiment} (the Monte Carlo page and API),
 * {@code diagnose} (on-call diagnosis), {@code export} (kernel-format texts, pcaps, the
 * event log, the offline replay), and {@code shared} (run parameters, admission, problem
 * details, security headers, metrics). The links allowed between them are rules in
 * {@code ArchitectureTests}.
 */
package dev.racetrack.web;
