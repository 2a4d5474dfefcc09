//! Lookups on every signed request (the access key and its principal, the role an
//! AssumeRole names and its tags), kept while IAM does not change.
//!
//! Every change to IAM state moves [`crate::IamService::generation`]; an entry is used only
//! while the generation it was read at is still the current one, so a deleted or
//! deactivated key, a deleted user or an edited role is seen by the very next request.
//! Misses ("no such key") are never kept. The last-used records, which are written without
//! moving the generation, drop their entry instead.

use crate::model::{AccessKey, Role, Tag};
use crate::principal::Principal;
use gitward_core::Secret;
use std::collections::HashMap;
use std::sync::Mutex;

/// Past this many entries a map starts over (so unknown keys cannot grow it without bound).
const LIMIT: usize = 10_000;

/// A generation-checked map.
#[derive(Debug)]
struct Gen<V> {
    map: Mutex<HashMap<String, (u64, V)>>,
}

impl<V> Default for Gen<V> {
    fn default() -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> Gen<V> {
    fn get(&self, key: &str, generation: u64) -> Option<V> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(g, _)| *g == generation)
            .map(|(_, v)| v.clone())
    }

    fn put(&self, key: String, generation: u64, value: V) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= LIMIT {
            map.clear();
        }
        map.insert(key, (generation, value));
    }

    fn forget(&self, key: &str) {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }
}

/// An access key with its principal and secret, as `lookup_access_key` returns it.
pub(crate) type KeyEntry = (Principal, AccessKey, Secret);

/// The cached lookups of one [`crate::IamService`].
#[derive(Default)]
pub(crate) struct LookupCache {
    keys: Gen<KeyEntry>,
    roles: Gen<Role>,
    role_tags: Gen<Vec<Tag>>,
}

impl std::fmt::Debug for LookupCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Entries hold secrets: never shown.
        f.debug_struct("LookupCache").finish_non_exhaustive()
    }
}

/// The key of a role's tags: account and the case-folded name (role names are unique
/// case-insensitively).
pub(crate) fn role_key(account: &str, name: &str) -> String {
    format!("{account}/{}", name.to_lowercase())
}

impl LookupCache {
    pub(crate) fn key(&self, id: &str, generation: u64) -> Option<KeyEntry> {
        self.keys.get(id, generation)
    }

    pub(crate) fn put_key(&self, id: &str, generation: u64, entry: KeyEntry) {
        self.keys.put(id.to_owned(), generation, entry);
    }

    pub(crate) fn forget_key(&self, id: &str) {
        self.keys.forget(id);
    }

    pub(crate) fn role(&self, arn: &str, generation: u64) -> Option<Role> {
        self.roles.get(arn, generation)
    }

    pub(crate) fn put_role(&self, arn: &str, generation: u64, role: Role) {
        self.roles.put(arn.to_owned(), generation, role);
    }

    pub(crate) fn forget_role(&self, arn: &str) {
        self.roles.forget(arn);
    }

    pub(crate) fn role_tags(&self, key: &str, generation: u64) -> Option<Vec<Tag>> {
        self.role_tags.get(key, generation)
    }

    pub(crate) fn put_role_tags(&self, key: String, generation: u64, tags: Vec<Tag>) {
        self.role_tags.put(key, generation, tags);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_live_for_their_generation_only() {
        let g: Gen<u32> = Gen::default();
        g.put("a".into(), 3, 7);
        assert_eq!(g.get("a", 3), Some(7));
        assert_eq!(g.get("a", 4), None);
        assert_eq!(g.get("b", 3), None);
        g.forget("a");
        assert_eq!(g.get("a", 3), None);
    }

    #[test]
    fn the_map_is_bounded() {
        let g: Gen<u32> = Gen::default();
        for i in 0..=LIMIT {
            g.put(i.to_string(), 1, 1);
        }
        assert!(g.map.lock().expect("lock").len() <= LIMIT);
        assert_eq!(g.get(&LIMIT.to_string(), 1), Some(1));
    }

    #[test]
    fn role_keys_fold_case() {
        assert_eq!(
            role_key("123456789012", "Deploy"),
            role_key("123456789012", "deploy")
        );
    }
}
