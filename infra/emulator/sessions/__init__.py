"""Game session domain logic for the emulator: search, sorting, and related helpers."""
