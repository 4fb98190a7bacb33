/**
 * Monte Carlo experiments: many seeded runs per configuration, aggregated into rates with
 * confidence intervals and latency histograms. No web types.
 */
package dev.racetrack.experiment;
