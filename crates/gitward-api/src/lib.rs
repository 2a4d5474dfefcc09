//! gitward-api (being built).
