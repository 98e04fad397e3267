#!/bin/sh
# Builds the connection URLs from the secrets in the env file (one place for each password),
# unless the env file sets the full URLs itself, then runs the given command. The hosts and ports
# default to the docker-compose services; newslake.devcluster starts its processes through this
# script too, with loopback hosts and ports.
set -eu
: "${POSTGRES_USER:=airflow}" "${POSTGRES_DB:=airflow}" "${POSTGRES_HOST:=postgres}" "${POSTGRES_PORT:=5432}"
: "${REDIS_HOST:=redis}" "${REDIS_PORT:=6379}"
if [ -z "${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN:-}" ]; then
  AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="postgresql+psycopg2://${POSTGRES_USER}:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in the env file}@${POSTGRES_HOST}:${POSTGRES_PORT}/${POSTGRES_DB}"
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN
fi
# keep +psycopg2: SQLAlchemy 2.1 would pick psycopg 3 for a bare postgresql://
export AIRFLOW__CELERY__RESULT_BACKEND="${AIRFLOW__CELERY__RESULT_BACKEND:-db+${AIRFLOW__DATABASE__SQL_ALCHEMY_CONN}}"
export AIRFLOW__CELERY__BROKER_URL="${AIRFLOW__CELERY__BROKER_URL:-redis://:${REDIS_PASSWORD:?set REDIS_PASSWORD in the env file}@${REDIS_HOST}:${REDIS_PORT}/0}"
# per-host politeness shared by all workers (newslake.ratelimit); a separate Redis db
export NEWSLAKE_RATE_LIMIT_REDIS_URL="${NEWSLAKE_RATE_LIMIT_REDIS_URL:-redis://:${REDIS_PASSWORD}@${REDIS_HOST}:${REDIS_PORT}/1}"
exec "$@"
