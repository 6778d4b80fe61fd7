//! Generated clients (placeholder until the generator lands).
