"""The load test (bench/load/run.py): a locust scenario against the whole stack."""
