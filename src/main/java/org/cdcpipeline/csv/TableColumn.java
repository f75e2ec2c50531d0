package org.cdcpipeline.csv;

/** A column of a target table: its type, its length limit for varchar(n) (0: none) and whether it may be null. */
public record TableColumn(String name, ColumnType type, int maxLength, boolean nullable, boolean hasDefault) {
}
