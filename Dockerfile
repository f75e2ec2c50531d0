# The pipeline's image: built with Maven, run on a JRE as a non-root user. Configuration comes from environment
# variables (see docker-compose.yml); application.properties holds the defaults.
# Base images are pinned by digest (the tag stays for reading), so a rebuild uses the same bytes. To update one, take
# the digest of the new tag:
#   docker buildx imagetools inspect IMAGE:TAG          (the Digest: line)
#   or: docker pull IMAGE:TAG && docker inspect --format '{{index .RepoDigests 0}}' IMAGE:TAG

FROM maven:3.9-eclipse-temurin-17@sha256:a8746f15d5bb26b5b8bacb056cc76211553850f4c71d16aff845cfa004cbc197 AS build
WORKDIR /src
COPY pom.xml ./
COPY src ./src
COPY schema ./schema
COPY application.properties postgresql.conf ./
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre@sha256:13cc28a6cc72a38ce1f00c906be3580c1a3e604b8984d694f369a96742abc93b
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
# a JVM out of memory exits instead of running on half-broken, so the orchestrator (compose: restart) starts it anew
# the parallel collector leaves more CPU to the stages than G1 (bench/results/pipeline-1000000.md)
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-XX:+UseParallelGC", "-XX:MaxRAMPercentage=75", "-jar", "/app/cdc-pipeline.jar"]
