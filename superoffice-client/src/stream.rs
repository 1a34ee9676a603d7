//! [`ItemStream`]: what every `.stream()` returns.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt as _};

use crate::error::Result;

/// The items of a paged list, fetched page by page while it is polled.
///
/// `Send + Unpin + 'static`: use it with `futures::TryStreamExt` (`try_next`,
/// `try_collect`, …) directly, without pinning, and move it into spawned tasks. A failed page
/// ends the stream with that error.
#[must_use = "streams do nothing unless polled"]
pub struct ItemStream<T> {
    inner: BoxStream<'static, Result<T>>,
}

impl<T> ItemStream<T> {
    /// Wraps any `Send` stream of results.
    pub(crate) fn new(stream: impl Stream<Item = Result<T>> + Send + 'static) -> Self {
        ItemStream {
            inner: stream.boxed(),
        }
    }
}

impl<T> Stream for ItemStream<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> fmt::Debug for ItemStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemStream").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt as _;

    fn assert_send_unpin_static<S: Send + Unpin + 'static>(_: &S) {}

    #[tokio::test]
    async fn yields_the_items_without_pinning() {
        let mut items = ItemStream::new(futures::stream::iter([Ok(1), Ok(2)]));
        assert_send_unpin_static(&items);
        assert_eq!(items.try_next().await.unwrap(), Some(1));
        assert_eq!(items.try_next().await.unwrap(), Some(2));
        assert_eq!(items.try_next().await.unwrap(), None);
        assert_eq!(format!("{items:?}"), "ItemStream { .. }");
    }
}
