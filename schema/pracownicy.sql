-- Employees. Imported from csv_files/pracownicy.csv; upserted by id.
CREATE TABLE IF NOT EXISTS pracownicy (
    id                integer PRIMARY KEY,
    imie              varchar(100) NOT NULL,
    nazwisko          varchar(100) NOT NULL,
    stanowisko        varchar(100),
    wiek              smallint CHECK (wiek BETWEEN 15 AND 100),
    email             varchar(254),
    data_zatrudnienia date,
    pensja            numeric(10, 2)
);
