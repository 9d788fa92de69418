#!/usr/bin/env bash
# `make demo`: migrate, seed, start a worker (with the beat sweeper) and the web server.
# Uses SQLite and a filesystem broker unless DATABASE_URL / CELERY_BROKER_URL are set.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DEBUG="${DEBUG:-true}"
PORT="${PORT:-8000}"
# How long the worker may take to connect to its broker and report ready.
WORKER_START_SECONDS="${DEMO_WORKER_START_SECONDS:-120}"
# The dev server runs each request on a thread of its own, and a thread's kept
# connection is never closed: with a connection age, a burst of page views
# leaves one idle PostgreSQL connection per request until the server runs out.
export DATABASE_CONN_MAX_AGE=0

# The worker's log and beat schedule live here whatever the database and broker
# (settings create the folder only for the embedded SQLite and broker).
mkdir -p .demo

$PY manage.py migrate --noinput -v0
SEED="$($PY manage.py seed_demo)"

WORKER_NAME="demo@$(hostname)"
: > .demo/worker.log  # the ready line below must be this run's, never the last one's
.venv/bin/celery -A worker.celery worker -B -Q generate,maintenance --pool threads -c 8 \
  -n "$WORKER_NAME" -l info --schedule .demo/celerybeat-schedule > .demo/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null; wait $WORKER 2>/dev/null' EXIT INT TERM

# No web server without a worker: every message would wait for a draft that never
# comes. Celery logs "<name> ready." once it consumes from the broker (and has
# written its first heartbeat).
echo "Starting the worker (log: .demo/worker.log) ..."
deadline=$((SECONDS + WORKER_START_SECONDS))
until grep -qF "$WORKER_NAME ready." .demo/worker.log 2>/dev/null; do
  if ! kill -0 "$WORKER" 2>/dev/null; then
    echo "demo: the worker exited before it was ready; the end of .demo/worker.log:" >&2
    tail -n 20 .demo/worker.log >&2
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    echo "demo: the worker was not ready within ${WORKER_START_SECONDS} s" \
      "(broker: ${CELERY_BROKER_URL:-filesystem queue in .demo/broker});" \
      "the end of .demo/worker.log:" >&2
    tail -n 20 .demo/worker.log >&2
    exit 1
  fi
  sleep 1
done

echo
echo "Countersign demo"
echo "  review desk:  http://127.0.0.1:$PORT/queue/"
echo "  admin:        http://127.0.0.1:$PORT/admin/"
echo "  API schema:   http://127.0.0.1:$PORT/api/v1/openapi.json"
echo "$SEED" | sed "s#^sample patient chat (\(..\)): #patient chat (\1): http://127.0.0.1:$PORT#; s#^#  #"
echo "  worker log:   .demo/worker.log (the first draft converts SmolLM2 once, about a minute)"
echo "  database:     ${DATABASE_URL:-SQLite in .demo/db.sqlite3}"
echo "  broker:       ${CELERY_BROKER_URL:-filesystem queue in .demo/broker}"
echo
$PY manage.py runserver "127.0.0.1:$PORT" --noreload
