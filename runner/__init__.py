"""postrun: run API requests kept as YAML collections, check them, report like a test runner."""

__version__ = "0.1.0"

__all__ = ["__version__"]
