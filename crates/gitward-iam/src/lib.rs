//! gitward-iam (being built).
