package org.cdcpipeline.archive;

import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.UUID;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.camel.Exchange;
import org.apache.camel.dataformat.parquet.avro.ParquetAvroDataFormat;
import org.apache.camel.dataformat.parquet.avro.ParquetOutputStream;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * The parquetAvro data format with a smaller dictionary page. Parquet dictionary-encodes every column until its
 * dictionary outgrows the page, then writes the values again without one; in change events most columns are near
 * unique per object (keys, LSNs, offsets, names, e-mails), so at the default 1 MiB page most of the writing was a
 * dictionary later thrown away. A small page keeps dictionaries for the few-valued columns (operation, country,
 * status), where they pay off. The camel data format has no such option.
 */
public final class ArchiveParquet extends ParquetAvroDataFormat {

    private int dictionaryPageBytes = 1024 * 1024;

    @Override
    public void marshal(Exchange exchange, Object graph, OutputStream stream) throws Exception {
        @SuppressWarnings("unchecked")
        List<GenericRecord> rows = (List<GenericRecord>) graph;
        BufferedOutputStream out = new BufferedOutputStream(stream);
        try (ParquetWriter<GenericRecord> writer = AvroParquetWriter
                .<GenericRecord>builder(new ParquetOutputStream(UUID.randomUUID().toString(), out))
                .withSchema(rows.get(0).getSchema())
                .withDataModel(GenericData.get())
                .withCompressionCodec(CompressionCodecName.valueOf(getCompressionCodecName()))
                .withDictionaryPageSize(dictionaryPageBytes)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build()) {
            for (GenericRecord row : rows) {
                writer.write(row);
            }
        }
    }

    public int getDictionaryPageBytes() {
        return dictionaryPageBytes;
    }

    /** A column whose distinct values outgrow this many bytes in an object is written without a dictionary. */
    public void setDictionaryPageBytes(int dictionaryPageBytes) {
        this.dictionaryPageBytes = dictionaryPageBytes;
    }
}
