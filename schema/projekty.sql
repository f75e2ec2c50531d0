-- Projects. Imported from csv_files/projekty.csv; upserted by id.
-- klient_id and kierownik_id refer to klienci and pracownicy without foreign keys, so files import in any order.
CREATE TABLE IF NOT EXISTS projekty (
    id               integer PRIMARY KEY,
    nazwa            varchar(200) NOT NULL,
    status           varchar(20) NOT NULL CHECK (status IN ('planowany', 'w_trakcie', 'zakonczony', 'wstrzymany')),
    budzet           numeric(14, 2),
    data_rozpoczecia date,
    data_zakonczenia date,
    klient_id        integer,
    kierownik_id     integer
);
