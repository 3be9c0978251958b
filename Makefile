# precis: make install, make summarize, make test (see README.md and docs/)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
ARTICLE ?= samples/jedi-cloud.fr.md
CONFIG  ?= configs/default.yaml
FORMAT  ?= md

.PHONY: install lock summarize smoke test lint segeval checkeval eval bench fuzz scaling nightly nightly-demo clean

install: $(BIN)/precis

# Every package at the exact version and hash of requirements.lock (the dev and ray extras
# included; torch is its CPU build: an unpinned torch pulls a multi-GB CUDA build), then
# precis itself, editable, with nothing resolved anew: the same set on every machine.
LOCK := requirements.lock
$(BIN)/precis: pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@touch $@

# Resolve pyproject.toml's ranges (with the dev and ray extras) and requirements.in anew into
# requirements.lock: after changing a dependency, or to take upstream fixes (docs/install.md).
PIP_TOOLS := pip-tools==7.7.0
lock:
	test -x $(BIN)/pip-compile || $(BIN)/pip install --quiet $(PIP_TOOLS)
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --extra dev --extra ray \
		--output-file $(LOCK) pyproject.toml requirements.in

summarize: install
	$(BIN)/precis summarize --config $(CONFIG) --format $(FORMAT) $(ARTICLE)

# The whole pipeline offline, on tiny random-weight models built locally.
smoke: install
	$(BIN)/precis summarize --config configs/tiny.yaml $(ARTICLE)

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check pipeline models eval tests scripts

# Sentence-boundary P/R/F1 of precis, pysbd and sentencex on the French gold set.
segeval: install
	$(BIN)/python -m eval.segmentation.compare

# Consistency check (numbers, dates, names...): flagged human references and detection of
# injected errors on ../shared/data/parallel (dev half tuned on, held-out test half); report
# in runs/consistency/.
checkeval: install
	$(BIN)/python -m eval.consistency

# 40 times the property and fuzz tests' examples, random ones (about 13 min).
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q tests/test_fuzz.py tests/test_fitting_properties.py tests/test_markup.py --hypothesis-show-statistics

# Seconds per MB of each stage and peak RSS, tiny models, into runs/scaling/ (10 MB takes about 15 min).
SCALING_SIZES ?= 100KB 1MB 10MB
scaling: install
	$(BIN)/python scripts/scaling.py --sizes $(SCALING_SIZES)

# The tiny pipeline and the lead-3 and centroid-3 baselines on the shipped eval set, offline.
EVAL_OUT ?= runs/eval-tiny
eval: install
	$(BIN)/precis eval --dataset eval/data/fr-news.jsonl --config configs/tiny.yaml --out $(EVAL_OUT)

# Speed: real-size random-weight Marian and distilBART, every backend, one table (several minutes).
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m eval.bench $(BENCH_ARGS)

# Nightly batch job (docs/batch.md): every article of INPUT not done yet, into OUT;
# rerun it after a crash. Default INPUT: the 200 OrangeSum sample articles as JSONL. CONFIG is
# the real models by default, as for summarize; CONFIG=configs/tiny.yaml runs offline.
NIGHTLY_SAMPLE := out/orangesum.jsonl
INPUT ?= $(NIGHTLY_SAMPLE)
OUT   ?= out/nightly
NIGHTLY_ARGS ?=
nightly: install $(filter $(NIGHTLY_SAMPLE),$(INPUT))
	$(BIN)/precis batch $(INPUT) --out $(OUT) --config $(CONFIG) $(NIGHTLY_ARGS)

$(NIGHTLY_SAMPLE): | install
	$(BIN)/python scripts/batch_demo.py jsonl ../shared/data/orangesum-sample/articles.fr.txt $@

# The batch jobs' acceptance run on tiny models, timed: kill -9 part-way, resume, rerun,
# Ray engine against the local one (a few minutes; Ray steps need pip install -e '.[ray]').
nightly-demo: install
	$(BIN)/python scripts/batch_demo.py demo

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info

# precis batch on a Ray cluster started outside precis (a head and 1, then 2, worker nodes as
# separate processes on this machine), timed, then a worker node and the driver killed mid-run
# (about 2 minutes; needs pip install -e '.[ray]').
.PHONY: cluster-demo
cluster-demo: install
	$(BIN)/python scripts/cluster_demo.py
