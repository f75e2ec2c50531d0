-- The pipeline's PostgreSQL role: LOGIN REPLICATION and only the privileges its work needs, no superuser, no
-- CREATEDB, no CREATEROLE. Run once by pipeline-role.sh (psql as the superuser), which passes the role's name and
-- password in the environment; the doctor (doctor --component postgres) names any privilege found missing.
\getenv role PIPELINE_DB_USER
\getenv password PIPELINE_DB_PASSWORD

-- REPLICATION: change capture creates its logical replication slot and streams from it
CREATE ROLE :"role" LOGIN REPLICATION PASSWORD :'password';

-- CREATE on the database: capture creates its publication, and every start makes sure of the schemas it writes in
-- (CREATE SCHEMA IF NOT EXISTS, checked against this privilege even when the schema exists); pipeline_state, which
-- holds the aggregates' state and capture's signal table, is created by the pipeline and so belongs to it.
-- TEMPORARY: the CSV import stages each batch in a temporary table.
GRANT CONNECT, CREATE, TEMPORARY ON DATABASE :"DBNAME" TO :"role";

-- the CSV import creates a table per new file in public; as its owner the pipeline may add it to the publication and
-- set REPLICA IDENTITY FULL. Tables of other roles stay out of its reach.
GRANT USAGE, CREATE ON SCHEMA public TO :"role";
