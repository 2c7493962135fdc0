"""Fixtures' building blocks shared by the test folders."""
