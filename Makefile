# Relais: `make run` to try the bot, `make test` to check everything. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export TF_INTRA_OP_PARALLELISM_THREADS := 2
export TF_INTER_OP_PARALLELISM_THREADS := 1
export SANIC_WORKERS := 1
export LOG_LEVEL := INFO
export LOG_LEVEL_LIBRARIES := ERROR
export PYTHONPATH := $(CURDIR)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup tools system-deps train run scale chat test eval bench lint telegram-webhook clean

help:
	@echo "make run    set up, train if needed, serve the bot on localhost"
	@echo "make test   set up, train if needed, run every check"
	@echo "make scale N=2  N Rasa replicas and the action server on one Redis, behind nginx"
	@echo "make chat   talk to the bot in the terminal"
	@echo "make train  train the model if its inputs changed"
	@echo "make eval   role tables and confusion on the dev and blind sets, 5-fold cross-validation"
	@echo "make bench  safety-net latency, triage throughput, a long message, load test (1 and 2 replicas)"
	@echo "make telegram-webhook  register the Telegram webhook (needs the env, see README)"

setup: .venv/.installed

.venv/.installed: requirements.lock scripts/setup-venv
	@scripts/setup-venv

# Test tools that cannot share Rasa's venv (requirements-tools.lock says why).
tools: .venv-tools/.installed

.venv-tools/.installed: requirements-tools.lock scripts/setup-tools
	@scripts/setup-tools

train: setup
	@scripts/train

run: train
	@scripts/run

N ?= 2
PORT ?= 5005
scale: train system-deps
	@.venv/bin/python -m deploy.scale --replicas $(N) --port $(PORT)

chat: train
	@scripts/chat

system-deps:
	@scripts/system-deps

test: train system-deps tools
	@scripts/test

# The dev set, the blind sets (read only to report), 5-fold cross-validation of the NLU data and
# of the danger model.
eval: train
	@.venv/bin/python -m tests.evaluation
	@scripts/cross-validate
	@.venv/bin/python -m tests.danger_model_cv

telegram-webhook: setup
	@.venv/bin/python -m channels.telegram_setup

# BENCH_STEP_SECONDS, BENCH_STEPS, BENCH_CONVERSATIONS, BENCH_THINK, BENCH_SEED: see bench/load.py.
bench: train system-deps
	@.venv/bin/python -m bench.safety_and_triage
	@.venv/bin/python -m bench.long_message
	@.venv/bin/python -m bench.load

lint: setup
	@.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

clean:
	rm -rf results .pytest_cache .mypy_cache .ruff_cache
