//! gitward-git (being built).
