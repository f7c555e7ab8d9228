"""Performance benchmarks (not tests): ingest, query latency, load and cold start.

Each benchmark is a module run with ``python -m bench.<name>``; ``python -m bench`` (``make
bench``) runs them all at their default sizes. Every run prints a table and writes JSON to
``bench/results/``. Timings on a shared machine are noisy, so a baseline and TrialQA are always
measured in the same run and compared as ratios.
"""
