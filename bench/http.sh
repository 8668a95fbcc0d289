#!/usr/bin/env bash
# Public pages under gunicorn and wrk against a hello-world reference: see bench/public_pages.py.
cd "$(dirname "$0")/.." && exec .venv/bin/python bench/public_pages.py "$@"
