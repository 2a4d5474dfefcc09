//! gitward-store (being built).
