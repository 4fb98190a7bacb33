# syntax=docker/dockerfile:1
# Racetrack: build with the Maven wrapper, run on a JRE as a non-root user.
# The browser code is plain ES modules that Maven copies into the jar, so no node stage is needed.

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn .mvn
RUN ./mvnw -B -q dependency:go-offline -DskipFrontend
COPY src src
COPY frontend/js frontend/js
COPY frontend/css frontend/css
RUN ./mvnw -B -q -DskipTests -DskipFrontend -Dspring-javaformat.skip=true package \
 && cp target/racetrack-*.jar /src/app.jar

FROM eclipse-temurin:17-jre
RUN groupadd --system racetrack && useradd --system --gid racetrack --no-create-home racetrack
WORKDIR /app
COPY --from=build --chown=racetrack:racetrack /src/app.jar /app/app.jar
USER racetrack
EXPOSE 8080
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
# The JRE image has bash but not always curl: ask the actuator over /dev/tcp.
HEALTHCHECK --interval=15s --timeout=3s --start-period=40s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /actuator/health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && grep -q '\"status\":\"UP\"' <&3"]
ENTRYPOINT ["java", "-jar", "/app/app.jar"]
