package org.cdcpipeline.csv;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.cdcpipeline.TestPipeline;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A pipeline that imports one CSV folder of its own into one schema of its own, shared by the tests of a class
 * ({@code @RegisterExtension static}): each test drops files of names no other test uses.
 */
final class CsvImportPipeline implements BeforeAllCallback, AfterAllCallback {

    private final String schema;
    private Path csvDir;
    private TestPipeline pipeline;

    CsvImportPipeline(String schemaPrefix) {
        this.schema = schemaPrefix + "_" + ProcessHandle.current().pid();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        csvDir = Files.createTempDirectory(Path.of("target"), schema);
        pipeline = TestPipeline.start(Map.of("csv.dir", csvDir.toString(), "csv.schema", schema, "csv.batch-size", "7"));
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        pipeline.close();
    }

    String schema() {
        return schema;
    }

    Path csvDir() {
        return csvDir;
    }

    CsvFolder folder() {
        return new CsvFolder(csvDir);
    }
}
