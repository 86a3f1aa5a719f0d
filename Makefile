# Council Assistant: Make is the interface (`make help`). Every command runs from the repository root.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        ?= .venv
PY          := $(VENV)/bin/python
RASA        := $(VENV)/bin/rasa
RASA_PORT   ?= 5005
ACTIONS_PORT ?= 5055
BACKEND_PORT ?= 8080
CHAT_PORT   ?= 8000
VOICE_PORT  ?= 5100
CONSOLE_PORT ?= 5200
DEMO_PORT   ?= 8090

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 3
# Rasa 3.6 and its pinned libraries print pages of deprecation warnings that no resident or council can act on.
export PYTHONWARNINGS := ignore::DeprecationWarning,ignore::PendingDeprecationWarning
export PYTHONPATH := $(CURDIR)
export ACTION_ENDPOINT_URL ?= http://127.0.0.1:$(ACTIONS_PORT)/webhook

# Our data is not in Rasa's default places: the training-input manifest (evaluation/manifest.py) says it once.
RASA_DATA    = $(shell $(PY) -m evaluation.manifest)
# The model `make train` last trained or found up to date; run and test use exactly that one.
CURRENT_MODEL := models/current
MODEL        = $(shell cat $(CURRENT_MODEL))
SPACY_STAMP := build/spacy_council/council_stamp.json

.PHONY: help install spacy train run test test-fast lint validate voice-model eval bench retention clean

help: ## List every target
	@grep -E '^[a-z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml scripts/find_python310.sh
	@py=$$(scripts/find_python310.sh) || exit 1; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then \
	  echo "Creating $(VENV) with $$py"; rm -rf $(VENV); "$$py" -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install --quiet "setuptools>=64,<71" "wheel<0.46"
	$(PY) -m pip install --quiet --no-build-isolation -e ".[dev]"
	@touch $@

install: $(VENV)/.installed ## Create .venv with Python 3.10 and install everything (only when pyproject.toml changed)

$(SPACY_STAMP): $(VENV)/.installed nlu_components/build_spacy.py nlu_components/entity_patterns.yml
	$(PY) nlu_components/build_spacy.py

spacy: $(SPACY_STAMP) ## Build the project's spaCy pipeline (blank English + postcode/reference ruler)

train: install spacy ## Train the model when config, domain, stories or NLU data changed
	@fp=$$($(PY) -m local_stack.models); model=models/council-$$fp.tar.gz; \
	published=$$($(PY) -m local_stack.models --published models --exact 2>/dev/null); \
	if [ -n "$$published" ]; then model=$$published; echo "Model is up to date (published by staff): $$model"; \
	elif [ -f $$model ]; then echo "Model is up to date: $$model"; else \
	  echo "Training $$model ..."; \
	  $(RASA) train $(RASA_DATA) --out models --fixed-model-name council-$$fp || exit 1; fi; \
	echo $$model > $(CURRENT_MODEL)

run: train ## Set up, train if stale, start every service supervised (one that dies restarts); Ctrl-C stops all
	@# The model staff last published from the console wins (a roll back stays rolled back), else `make train`'s.
	@published=$$($(PY) -m local_stack.models --published models); \
	$(PY) -m local_stack --model $${published:-$(MODEL)} --rasa-port $(RASA_PORT) --actions-port $(ACTIONS_PORT) \
	  --backend-port $(BACKEND_PORT) --chat-port $(CHAT_PORT) --voice-port $(VOICE_PORT) \
	  --console-port $(CONSOLE_PORT) --demo-port $(DEMO_PORT)

test: train ## Run every test: unit, integration over real HTTP, data validation, conversation tests
	scripts/browser_deps.sh
	scripts/balancer_deps.sh
	COUNCIL_MODEL=$(MODEL) $(PY) -m pytest $(PYTEST_ARGS)

test-fast: install ## Every test that needs no trained model, service or browser (no training; under a minute)
	$(PY) -m pytest -m "not needs_stack" -n 2 $(PYTEST_ARGS)

lint: install ## ruff (with docstring rules)
	$(VENV)/bin/ruff check .

validate: install ## rasa data validate; the Alexa interaction model matches nlu_data/
	$(RASA) data validate $(RASA_DATA) --fail-on-warnings
	$(PY) -m voice_skill.interaction_model --check

voice-model: install ## Regenerate the Alexa interaction model from nlu_data/
	$(PY) -m voice_skill.interaction_model

eval: train ## NLU benchmark (held-out, CLINC150, vs Rasa's default) and resident-style first messages, chat and voice
	$(PY) bench/nlu_eval.py
	$(PY) bench/resident_eval.py --model $(MODEL) --channel both

bench: ## Latency, throughput, a 200-turn conversation and a publish under load, against `make run`'s stack
	@# The publish phase puts the running model live again under another name: every worker loads it again.
	cp $(MODEL) models/bench-republish.tar.gz
	$(PY) bench/latency.py --rasa-url http://127.0.0.1:$(RASA_PORT) --actions-port $(ACTIONS_PORT) \
	  --publish-command "$(PY) -m staff_console publish --rasa-pulls --model models/bench-republish.tar.gz \
	  --reason 'make bench: publish under load'"

retention: install ## Delete stored conversations older than the council profile's retention period (the console also does it daily)
	$(PY) -m staff_console retention

clean: ## Remove build output (models, spaCy pipeline, run state); keeps .venv
	rm -rf models build run results .pytest_cache
