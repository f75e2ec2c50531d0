package org.cdcpipeline.aggregate;

import java.util.List;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

import static org.assertj.core.api.Assertions.assertThat;

class MirrorSnapshotTest {

    private static S3Object object(String key) {
        return S3Object.builder().key(key).build();
    }

    @Test
    void shouldDeleteThePartsOfEveryVersionButTheNewestTwo() {
        String parts = "t/projekty/parts/";
        List<S3Object> listed = List.of(
                object(parts + "0000000001000-10-0000000005000/00000.parquet"),
                object(parts + "0000000001000-10-0000000005000/00001.parquet"),
                object(parts + "0000000002000-20-0000000006000/00000.parquet"),
                object(parts + "0000000003000-30-0000000007000/00000.parquet"),
                object(parts + "0000000003000-30-0000000007000/00001.parquet"));
        assertThat(MirrorSnapshot.expiredParts(listed, parts)).containsExactly(
                parts + "0000000001000-10-0000000005000/00000.parquet",
                parts + "0000000001000-10-0000000005000/00001.parquet");
        assertThat(MirrorSnapshot.expiredParts(listed.subList(2, 5), parts)).isEmpty();
    }
}
