#!/bin/sh
# docker-entrypoint-initdb.d: runs once, when the database is first initialised (an empty postgres-data volume), and
# creates the pipeline's role (pipeline-role.sql). On a volume initialised before, run it by hand:
#   docker compose exec postgres sh /docker-entrypoint-initdb.d/10-pipeline-role.sh
set -e

# a secret still the example value of .env.example (they all contain change-me) stops the initialisation
refuse_example_value() {
  eval "value=\${$1:-}"
  case "$value" in *change-me*)
    echo "$2 is still the example value of .env.example: set your own in .env, then docker compose down -v (this" \
      "database volume is already initialised) and docker compose up -d" >&2
    exit 1 ;;
  esac
}
refuse_example_value POSTGRES_PASSWORD POSTGRES_ADMIN_PASSWORD
refuse_example_value PIPELINE_DB_PASSWORD POSTGRES_PASSWORD

: "${PIPELINE_DB_USER:?PIPELINE_DB_USER (POSTGRES_USER in .env) is not set}"
: "${PIPELINE_DB_PASSWORD:?PIPELINE_DB_PASSWORD (POSTGRES_PASSWORD in .env) is not set}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f /deploy/pipeline-role.sql
