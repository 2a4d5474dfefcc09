//! The error every store trait returns, whatever the backend.

/// A storage failure as the domain crates see it.
///
/// "Not found" is not an error here: store getters return `Option`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row with the same unique key already exists.
    #[error("an entity with this key already exists")]
    Conflict,
    /// The backend failed; the text is for logs, never for clients.
    #[error("storage backend failure: {0}")]
    Backend(String),
}
