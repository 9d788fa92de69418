#!/usr/bin/env bash
# `make demo`: migrate, seed, start a worker (with the beat sweeper) and the web server.
# Uses SQLite and a filesystem broker unless DATABASE_URL / CELERY_BROKER_URL are set.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DEBUG="${DEBUG:-true}"
PORT="${PORT:-8000}"

$PY manage.py migrate --noinput -v0
SEED="$($PY manage.py seed_demo)"

.venv/bin/celery -A worker.celery worker -B -Q generate,maintenance --pool threads -c 8 \
  -l info --schedule .demo/celerybeat-schedule > .demo/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null; wait $WORKER 2>/dev/null' EXIT INT TERM

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
