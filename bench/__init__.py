"""Benchmarks that measure the project beside a baseline in the same run (see BENCHMARKS.md).

Each benchmark is a module ``bench/<name>.py`` with a ``main(argv)``; results go
to ``bench/results/<name>.json``.
"""
