//! gitward-sigv4 (being built).
