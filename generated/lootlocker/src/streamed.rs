//! The streamed responses: Stream All Instance Storage To Player, Get Assets Stream and Stream
//! Player Inventory answer with JSON objects joined by commas (not a JSON array), closed by a
//! `{"streamedObjectCount": N}` object. The generated methods return the raw bytes; [`collect`]
//! and [`parse`] turn them into typed items and check the count.

use futures_util::TryStreamExt;
use progenitor_client::{ByteStream, ResponseValue};
use serde::de::DeserializeOwned;

/// Why a streamed body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The connection failed while reading.
    #[error("reading the stream failed: {0}")]
    Read(#[from] reqwest::Error),
    /// The body is not comma-joined JSON objects of the expected type.
    #[error("the stream is not comma-joined JSON objects of the expected type: {0}")]
    Malformed(#[from] serde_json::Error),
    /// The closing `streamedObjectCount` object is missing.
    #[error("the stream has no closing streamedObjectCount object (truncated?)")]
    MissingCount,
    /// The closing count disagrees with the objects received.
    #[error("the stream announced {announced} objects but carried {received}")]
    CountMismatch {
        /// `streamedObjectCount`.
        announced: u64,
        /// Objects actually received.
        received: usize,
    },
}

/// Read a streamed response to the end and parse it with [`parse`].
pub async fn collect<T: DeserializeOwned>(
    response: ResponseValue<ByteStream>,
) -> Result<Vec<T>, StreamError> {
    let bytes: Vec<u8> = response
        .into_inner()
        .into_inner()
        .try_fold(Vec::new(), |mut all, chunk| async move {
            all.extend_from_slice(&chunk);
            Ok(all)
        })
        .await?;
    parse(&bytes)
}

/// Parse comma-joined objects closed by `{"streamedObjectCount": N}` into items of type `T`.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<Vec<T>, StreamError> {
    // The body is a JSON array without its brackets.
    let mut array = Vec::with_capacity(body.len() + 2);
    array.push(b'[');
    array.extend_from_slice(body);
    array.push(b']');
    let mut objects: Vec<serde_json::Value> = serde_json::from_slice(&array)?;
    let announced = objects
        .last()
        .and_then(|last| last.get("streamedObjectCount"))
        .and_then(serde_json::Value::as_u64)
        .ok_or(StreamError::MissingCount)?;
    objects.pop();
    if announced != objects.len() as u64 {
        return Err(StreamError::CountMismatch {
            announced,
            received: objects.len(),
        });
    }
    objects
        .into_iter()
        .map(|o| serde_json::from_value(o).map_err(StreamError::from))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types;

    #[test]
    fn parses_the_spec_example_of_the_instance_storage_stream() {
        #[derive(serde::Deserialize)]
        struct Item {
            instance_id: i64,
            storage: types::AssetInstanceStorageEntry,
        }
        let body = br#"{"instance_id":5012,"storage":{"id":77,"key":"durability","value":"93"}},{"instance_id":5020,"storage":{"id":81,"key":"dye","value":"crimson"}},{"streamedObjectCount":2}"#;
        let items: Vec<Item> = parse(body).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].instance_id, 5020);
        assert_eq!(items[0].storage.key, "durability");
    }

    #[test]
    fn empty_stream_is_just_the_count() {
        let items: Vec<serde_json::Value> = parse(br#"{"streamedObjectCount":0}"#).unwrap();
        assert!(items.is_empty());
    }

    #[test]
    fn truncated_and_miscounted_streams_are_errors() {
        assert!(matches!(
            parse::<serde_json::Value>(br#"{"a":1},{"a":"#),
            Err(StreamError::Malformed(_))
        ));
        assert!(matches!(
            parse::<serde_json::Value>(br#"{"a":1}"#),
            Err(StreamError::MissingCount)
        ));
        assert!(matches!(
            parse::<serde_json::Value>(br#"{"a":1},{"streamedObjectCount":3}"#),
            Err(StreamError::CountMismatch {
                announced: 3,
                received: 1
            })
        ));
        assert!(matches!(
            parse::<serde_json::Value>(b""),
            Err(StreamError::MissingCount)
        ));
    }
}
