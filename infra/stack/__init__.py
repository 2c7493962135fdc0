"""The whole stack on one machine: start the project's services as real processes, wire them together.

Tests, benchmarks and the README's demo all start services the same way (``python -m <module> --port 0
--ready-file F``), so any number of stacks can run side by side without port clashes.
"""
