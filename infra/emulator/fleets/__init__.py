"""Fleets: their records and status progression, instances, server processes, capacity."""
