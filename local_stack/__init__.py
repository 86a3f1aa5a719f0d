"""Start and stop the whole assistant on this machine: used by `make run` and by the integration tests."""
