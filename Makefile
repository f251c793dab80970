# The README's two commands. Both set up .venv the same way: torch==2.13.0 first (a CPU wheel
# on the reference machine; any other torch request may pull a multi-GB CUDA build), then the
# package with its pinned dependencies, then the example plugin.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH := torch==2.13.0
DEMO_ARGS ?=

.PHONY: setup demo test unit clean

setup: $(STAMP)

$(STAMP): setup.py $(wildcard plugins/*/setup.py)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23,<26"
	$(BIN)/python -m pip install --quiet $(TORCH)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	for p in plugins/*/setup.py; do [ -f "$$p" ] && $(BIN)/python -m pip install --quiet --no-deps -e "$$(dirname $$p)" || true; done
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/run_recbole --model=KGLLMRec --dataset=ml-100k $(DEMO_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest tests plugins -q -rs

# The fast tier while you work: every test but the real RecBole/PyKEEN/MiniLM runs.
unit: $(STAMP)
	$(BIN)/python -m pytest tests plugins -q -rs -m "not integration"

clean:
	rm -rf $(VENV) log log_tensorboard saved
