package org.cdcpipeline.faults;

import java.time.Duration;

/** The faults a round draws from, each injected and then repaired the way it happens in production. */
enum Fault {

    PIPELINE_KILLED("kill -9 of the pipeline process, then started again") {
        @Override
        String inject(FaultServers servers, PipelineProcess pipeline) throws Exception {
            pipeline.kill9();
            pipeline.start();
            return "restarted, log " + pipeline.currentLog().getFileName();
        }
    },
    POSTGRES_RESTARTED("PostgreSQL stopped immediately (SIGQUIT) and started again") {
        @Override
        String inject(FaultServers servers, PipelineProcess pipeline) throws Exception {
            servers.restartPostgresImmediately();
            return "";
        }
    },
    WALSENDER_TERMINATED("the walsender of the replication slot terminated") {
        @Override
        String inject(FaultServers servers, PipelineProcess pipeline) throws Exception {
            return servers.terminateWalsender() + " walsender(s) terminated";
        }
    },
    S3_UNREACHABLE("S3 unreachable for 20 s") {
        @Override
        String inject(FaultServers servers, PipelineProcess pipeline) throws Exception {
            servers.cutS3(Duration.ofSeconds(20));
            return "";
        }
    },
    KAFKA_RESTARTED("the Kafka broker stopped and started again") {
        @Override
        String inject(FaultServers servers, PipelineProcess pipeline) {
            servers.restartKafka();
            return "";
        }
    },
    S3_SLOW("every S3 upload delayed by 3 s, for 15 s") {
        @Override
        String inject(FaultServers servers, PipelineProcess pipeline) throws Exception {
            servers.slowS3(Duration.ofSeconds(3), Duration.ofSeconds(15));
            return "";
        }
    };

    private final String description;

    Fault(String description) {
        this.description = description;
    }

    /** Injects the fault and repairs it; returns a note for the timeline. */
    abstract String inject(FaultServers servers, PipelineProcess pipeline) throws Exception;

    String description() {
        return description;
    }
}
