//! [`ItemStream`]: what every `.stream()` returns.
//!
//! A leaf module (it imports only the error type), shared in shape with `superoffice-client`.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream};

use crate::error::Result;

/// A stream of items fetched page by page (or chunk by chunk), ending after the first error.
///
/// `Send`, `Unpin` and `'static`: use it with `futures::TryStreamExt` directly, no pinning
/// needed, and move it into a spawned task.
///
/// ```no_run
/// use futures::TryStreamExt;
///
/// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
/// let mut users = client.users().list().stream();
/// while let Some(user) = users.try_next().await? {
///     println!("{}", user.id);
/// }
/// # Ok(()) }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct ItemStream<T> {
    inner: BoxStream<'static, Result<T>>,
}

impl<T> ItemStream<T> {
    pub(crate) fn new(inner: BoxStream<'static, Result<T>>) -> Self {
        ItemStream { inner }
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
        f.write_str("ItemStream")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    /// Compile-time check: the stream can be polled without pinning and moved into tasks.
    const _: fn() = || {
        fn assert_traits<S: Send + Unpin + 'static>() {}
        assert_traits::<ItemStream<crate::models::Contract>>();
        assert_traits::<ItemStream<bytes::Bytes>>();
    };

    #[tokio::test]
    async fn yields_the_inner_items() {
        let mut s = ItemStream::new(futures::stream::iter([Ok(1), Ok(2)]).boxed());
        assert_eq!(format!("{s:?}"), "ItemStream");
        assert_eq!(s.next().await.map(|r| r.unwrap()), Some(1));
        assert_eq!(s.next().await.map(|r| r.unwrap()), Some(2));
        assert!(s.next().await.is_none());
    }
}
