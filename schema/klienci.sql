-- Customers. Imported from csv_files/klienci.csv; upserted by id.
CREATE TABLE IF NOT EXISTS klienci (
    id      integer PRIMARY KEY,
    nazwa   varchar(200) NOT NULL,
    email   varchar(254),
    kraj    varchar(100),
    telefon varchar(50)
);
