//! Test helpers shared by the integration tests (see `tests/tests/`).
