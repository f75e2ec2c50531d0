-- Orders. Imported from csv_files/zamowienia.csv; upserted by id.
-- klient_id refers to klienci without a foreign key, so files import in any order.
CREATE TABLE IF NOT EXISTS zamowienia (
    id        integer PRIMARY KEY,
    klient_id integer,
    wartosc   numeric(12, 2) NOT NULL,
    data      date NOT NULL
);
