//! Reading a paginated list as one `Stream` of items: the generated `into_stream` methods (from
//! the spec's `x-pagination` annotations) say how to fetch one page; this module walks the pages.

use std::future::Future;
use std::pin::Pin;

use futures_util::stream::{self, Stream, StreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Every item of every page of a list, fetched page by page as the stream is read; the first
/// error ends it.
pub type ItemStream<'a, I, E> = Pin<Box<dyn Stream<Item = Result<I, E>> + Send + 'a>>;

/// How the next page is asked for (a style of the spec's `x-pagination-styles`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStyle {
    /// Send the answer's next cursor back until it is null (or repeats).
    Cursor,
    /// Send the number of items read so far as the offset, until the total is reached or a page
    /// is empty.
    Offset,
}

/// One page as a generated fetch function reads it.
#[derive(Debug)]
pub struct Page<I> {
    /// The page's items.
    pub items: Vec<I>,
    /// The cursor of the next page ([`PageStyle::Cursor`]) or the total number of items
    /// ([`PageStyle::Offset`]), if the answer has one.
    pub next: Option<Value>,
}

/// The stream of every item: `fetch(builder, cursor)` sends one page request from a copy of
/// `first` with the cursor (none for the first page) and reads the page.
pub fn paginate<'a, B, I, E, F, Fut>(first: B, style: PageStyle, fetch: F) -> ItemStream<'a, I, E>
where
    B: Clone + Send + 'a,
    I: Send + 'a,
    E: Send + 'a,
    F: Fn(B, Option<Value>) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Page<I>, E>> + Send + 'a,
{
    struct State<B, F> {
        first: B,
        fetch: F,
        cursor: Option<Value>,
        read: u64,
        done: bool,
    }
    let state = State {
        first,
        fetch,
        cursor: None,
        read: 0,
        done: false,
    };
    let pages = stream::unfold(state, move |mut state| async move {
        if state.done {
            return None;
        }
        let sent = state.cursor.clone();
        let page = match (state.fetch)(state.first.clone(), sent.clone()).await {
            Ok(page) => page,
            Err(e) => {
                state.done = true;
                return Some((Err(e), state));
            }
        };
        state.read += page.items.len() as u64;
        let next = page.next.filter(|v| !v.is_null());
        match style {
            PageStyle::Cursor => {
                // A cursor that repeats would ask for the same page forever.
                state.done = page.items.is_empty() || next.is_none() || next == sent;
                state.cursor = next;
            }
            PageStyle::Offset => {
                let total = next.as_ref().and_then(Value::as_u64);
                state.done = page.items.is_empty() || total.is_some_and(|t| state.read >= t);
                state.cursor = Some(Value::from(state.read));
            }
        }
        Some((Ok(page.items), state))
    });
    Box::pin(pages.flat_map(|page| match page {
        Ok(items) => stream::iter(items.into_iter().map(Ok)).left_stream(),
        Err(e) => stream::once(async move { Err(e) }).right_stream(),
    }))
}

/// The value at JSON pointer `pointer` of `page` (serialized), for reading a next cursor or a
/// total whatever its Rust type.
pub fn json_at<P: Serialize>(page: &P, pointer: &str) -> Option<Value> {
    serde_json::to_value(page).ok()?.pointer(pointer).cloned()
}

/// `cursor` as the type the request parameter takes: as it is, or a number as text, or text as
/// a number (APIs answer with one and take the other); an error names the value's kind only.
pub fn cursor_as<T: DeserializeOwned>(cursor: Value) -> Result<T, String> {
    let alternative = match &cursor {
        Value::Number(n) => Some(Value::String(n.to_string())),
        Value::String(s) => s.parse::<i64>().ok().map(Value::from),
        _ => None,
    };
    let kind = match &cursor {
        Value::Number(_) => "number",
        Value::String(_) => "string",
        _ => "non-scalar",
    };
    serde_json::from_value(cursor)
        .ok()
        .or_else(|| alternative.and_then(|v| serde_json::from_value(v).ok()))
        .ok_or_else(|| {
            format!("the next-page cursor (a {kind}) does not fit the request parameter")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::TryStreamExt;

    #[tokio::test]
    async fn cursor_pages_are_followed_until_the_cursor_is_null() {
        let pages = [
            (vec![1, 2], Some(Value::from(10))),
            (vec![3], Some(Value::from("20"))),
            (vec![4], None),
        ];
        let stream = paginate((), PageStyle::Cursor, move |(), cursor| {
            let i = match cursor.as_ref().map(|c| c.to_string()).as_deref() {
                None => 0,
                Some("10") => 1,
                _ => 2,
            };
            let (items, next) = pages[i].clone();
            async move { Ok::<_, String>(Page { items, next }) }
        });
        assert_eq!(
            stream.try_collect::<Vec<_>>().await.unwrap(),
            vec![1, 2, 3, 4]
        );
    }

    #[tokio::test]
    async fn offset_pages_stop_at_the_total_and_errors_end_the_stream() {
        let stream = paginate((), PageStyle::Offset, |(), offset| async move {
            let from = offset.and_then(|o| o.as_u64()).unwrap_or(0);
            Ok::<_, String>(Page {
                items: (from..(from + 2).min(5)).collect(),
                next: Some(Value::from(5)),
            })
        });
        assert_eq!(
            stream.try_collect::<Vec<_>>().await.unwrap(),
            vec![0, 1, 2, 3, 4]
        );
        let failing = paginate((), PageStyle::Cursor, |(), _| async {
            Err::<Page<u8>, _>("boom")
        });
        assert_eq!(failing.try_collect::<Vec<_>>().await, Err("boom"));
    }

    #[test]
    fn cursors_fit_the_parameter_type() {
        assert_eq!(cursor_as::<String>(Value::from(42)).unwrap(), "42");
        assert_eq!(cursor_as::<i64>(Value::from("42")).unwrap(), 42);
        assert!(cursor_as::<i64>(Value::from("abc")).is_err());
    }
}
