/**
 * What every web feature builds on: binding and bounding run parameters, the run cache
 * and its admission, problem details, security headers, shared metrics.
 */
package dev.racetrack.web.shared;
