# The pipeline's image: built with Maven, run on a JRE as a non-root user. Configuration comes from environment
# variables (see docker-compose.yml); application.properties holds the defaults.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY src ./src
COPY schema ./schema
COPY application.properties postgresql.conf ./
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
# curl for the compose healthcheck
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --create-home --home-dir /home/pipeline pipeline
WORKDIR /app
COPY --from=build /src/target/cdc-pipeline.jar ./cdc-pipeline.jar
COPY routes ./routes
COPY schema ./schema
COPY application.properties ./
# csv_files: the folder polled for CSV files; data: the change-capture position
RUN mkdir -p csv_files data && chown pipeline:pipeline csv_files data
VOLUME ["/app/csv_files", "/app/data"]
USER pipeline
# health and metrics; JMX
EXPOSE 9876 1099
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/cdc-pipeline.jar"]
