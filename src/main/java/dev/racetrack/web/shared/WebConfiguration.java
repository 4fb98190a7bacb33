package dev.racetrack.web.shared;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Web-layer configuration: the session sweeper runs on Spring's scheduler.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
public class WebConfiguration {

}
