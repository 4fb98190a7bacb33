package dev.racetrack.web;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Web-layer configuration: the session sweeper runs on Spring's scheduler.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
class WebConfiguration {

}
