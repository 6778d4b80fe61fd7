//! Timestamps as servers really send them.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time as a server sent it: the raw value is kept as received (string or number)
/// and serialized back unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct Timestamp {
    raw: serde_json::Value,
}

impl Timestamp {
    /// The value exactly as received.
    pub fn raw(&self) -> &serde_json::Value {
        &self.raw
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self {
            raw: serde_json::Value::deserialize(deserializer)?,
        })
    }
}
