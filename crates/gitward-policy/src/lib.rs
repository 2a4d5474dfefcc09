//! gitward-policy (being built).
