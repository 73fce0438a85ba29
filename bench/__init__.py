"""Benchmarks (`make bench`, bench/README.md). Each measures the configuration it sets up:
a .env at the top of the project is not read (point GYMSITE_ENV_FILE at a file to read one)."""

import os

os.environ.setdefault("GYMSITE_ENV_FILE", os.devnull)
