//! Pages and streams over Oneflow's offset pagination.
//!
//! List endpoints take `limit` (1–100) and `offset` (0–19 900) and answer with
//! `{"count": …, "data": […], "_links": {…}}`. List builders offer `.send()` for one page and
//! `.stream()` for all items. Oneflow cannot page past offset 19 900; when more items match,
//! the stream ends with [`Error::OffsetCeilingReached`] instead of silently stopping.

use futures::stream::{self, StreamExt};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::client::{decode, Client};
use crate::error::{Error, InvalidInput, Result, MAX_OFFSET};
use crate::models::{null_as_default, Links};
use crate::request::ApiRequest;
use crate::stream::ItemStream;

/// Largest page Oneflow serves.
pub const MAX_PAGE_SIZE: u32 = 100;

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
#[non_exhaustive]
pub struct Page<T> {
    /// Total number of matching items (independent of limit/offset).
    #[serde(default, deserialize_with = "null_as_default")]
    pub count: u64,
    /// The items on this page.
    #[serde(default = "Vec::new", deserialize_with = "null_as_default")]
    pub data: Vec<T>,
    /// Links to this, the next and the previous page.
    #[serde(default, rename = "_links", deserialize_with = "null_as_default")]
    pub links: Links,
}

impl<T> Page<T> {
    /// Whether Oneflow links a next page (a `next` link with a non-null `href`).
    pub fn has_next(&self) -> bool {
        self.links.next_href().is_some()
    }
}

/// Paging parameters shared by list builders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Paging {
    pub(crate) limit: Option<u32>,
    pub(crate) offset: u32,
}

impl Paging {
    pub(crate) fn check(&self) -> Result<()> {
        if let Some(l) = self.limit {
            if l == 0 || l > MAX_PAGE_SIZE {
                return Err(InvalidInput::PageSize(l).into());
            }
        }
        if self.offset > MAX_OFFSET {
            return Err(InvalidInput::Offset(self.offset).into());
        }
        Ok(())
    }

    pub(crate) fn apply(&self, request: ApiRequest) -> ApiRequest {
        let request = request.set_query("limit", self.limit.unwrap_or(MAX_PAGE_SIZE).to_string());
        request.set_query("offset", self.offset.to_string())
    }
}

/// Decodes a page; a bare JSON array is accepted as a complete, single page.
pub(crate) fn decode_page<T: DeserializeOwned>(
    status: reqwest::StatusCode,
    body: &[u8],
) -> Result<Page<T>> {
    let trimmed = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| body[i]);
    if trimmed == Some(b'[') {
        let data: Vec<T> = decode(status, body)?;
        Ok(Page {
            count: data.len() as u64,
            data,
            links: Links::default(),
        })
    } else {
        decode(status, body)
    }
}

impl Client {
    /// Fetches one page.
    pub(crate) async fn fetch_page<T: DeserializeOwned>(
        &self,
        request: ApiRequest,
        paging: Paging,
    ) -> Result<Page<T>> {
        paging.check()?;
        let (status, body) = self.execute_bytes(&paging.apply(request)).await?;
        decode_page(status, &body)
    }

    /// Fetches one page and a fingerprint of its raw body (to notice a repeated page).
    async fn fetch_page_fingerprinted<T: DeserializeOwned>(
        &self,
        request: ApiRequest,
        paging: Paging,
    ) -> Result<(u64, Page<T>)> {
        use std::hash::{Hash, Hasher};
        paging.check()?;
        let (status, body) = self.execute_bytes(&paging.apply(request)).await?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut hasher);
        Ok((hasher.finish(), decode_page(status, &body)?))
    }

    /// Streams all items from `paging.offset` on.
    pub(crate) fn stream_items<T>(&self, request: ApiRequest, paging: Paging) -> ItemStream<T>
    where
        T: DeserializeOwned + Send + 'static,
    {
        struct State {
            client: Client,
            request: ApiRequest,
            paging: Paging,
            /// Items at the start of the next page that were already yielded (the last
            /// page is fetched at the ceiling and may overlap the one before).
            skip: usize,
            /// Fingerprint of the previous page's body: a server that ignores `offset`
            /// answers every page the same, and the stream must not repeat its items.
            previous: Option<u64>,
            done: bool,
        }
        let state = State {
            client: self.clone(),
            request,
            paging,
            skip: 0,
            previous: None,
            done: false,
        };
        let items = stream::unfold(state, |mut st| async move {
            if st.done {
                return None;
            }
            let page: Result<(u64, Page<T>)> = st
                .client
                .fetch_page_fingerprinted(st.request.clone(), st.paging)
                .await;
            let page = match page {
                Ok((fingerprint, _)) if st.previous == Some(fingerprint) => {
                    st.done = true;
                    let offset = st.paging.offset;
                    return Some((vec![Err(Error::RepeatedPage { offset })], st));
                }
                Ok((fingerprint, p)) => {
                    st.previous = Some(fingerprint);
                    Ok(p)
                }
                Err(e) => Err(e),
            };
            let page = match page {
                Ok(p) => p,
                Err(e) => {
                    st.done = true;
                    return Some((vec![Err(e)], st));
                }
            };
            let n = page.data.len() as u64;
            let page_size = u64::from(st.paging.limit.unwrap_or(MAX_PAGE_SIZE));
            let next = u64::from(st.paging.offset) + n;
            // A count of 0 next to items means the server did not report one.
            let count_known = page.count > 0 || n == 0;
            // The links reference documents the last page's `next` as `{"href": null}`;
            // past the offset ceiling the count decides (typed ceiling error below).
            let links_end = page.links.next_is_null();
            let finished = n == 0
                || if count_known {
                    next >= page.count || (links_end && next <= u64::from(MAX_OFFSET))
                } else {
                    n < page_size || links_end
                };
            let skip = std::mem::take(&mut st.skip);
            let mut items: Vec<Result<T>> = page.data.into_iter().skip(skip).map(Ok).collect();
            if finished {
                st.done = true;
            } else if next > u64::from(MAX_OFFSET) && st.paging.offset < MAX_OFFSET {
                // The next offset is past the ceiling, but the ceiling itself is still
                // allowed: fetch there and drop what was already yielded.
                st.skip = (next - u64::from(MAX_OFFSET)) as usize;
                st.paging.offset = MAX_OFFSET;
            } else if next > u64::from(MAX_OFFSET) {
                items.push(Err(Error::OffsetCeilingReached {
                    total: page.count,
                    max_offset: MAX_OFFSET,
                }));
                st.done = true;
            } else {
                st.paging.offset = next as u32;
            }
            Some((items, st))
        })
        .flat_map(stream::iter)
        .boxed();
        ItemStream::new(items)
    }

    /// Collects every item of a (possibly paginated) child collection.
    pub(crate) async fn collect_all<T>(&self, request: ApiRequest) -> Result<Vec<T>>
    where
        T: DeserializeOwned + Send + 'static,
    {
        let mut out = Vec::new();
        let mut items = self.stream_items::<T>(request, Paging::default());
        while let Some(item) = items.next().await {
            out.push(item?);
        }
        Ok(out)
    }
}

/// Implements `limit`, `offset`, `to_request`, `send` and `stream` for a list builder with
/// fields `client: Client` and `paging: Paging` and a method
/// `fn base_request(&self) -> Result<ApiRequest>`.
macro_rules! list_methods {
    ($builder:ident, $item:ty) => {
        impl $builder {
            /// Page size, 1–100 (default 100). Checked locally.
            pub fn limit(mut self, limit: u32) -> Self {
                self.paging.limit = Some(limit);
                self
            }

            /// Start offset, at most 19 900 (Oneflow's ceiling). Checked locally.
            pub fn offset(mut self, offset: u32) -> Self {
                self.paging.offset = offset;
                self
            }

            /// The request `send()` would make, for inspection.
            pub fn to_request(&self) -> $crate::Result<$crate::ApiRequest> {
                self.paging.check()?;
                Ok(self.paging.apply(self.base_request()?))
            }

            /// Fetches one page.
            pub async fn send(self) -> $crate::Result<$crate::Page<$item>> {
                let request = self.base_request()?;
                self.client.fetch_page(request, self.paging).await
            }

            /// Streams all items, page by page (page size = `limit`, default 100). Ends with
            /// [`Error::OffsetCeilingReached`](crate::Error::OffsetCeilingReached) if more
            /// items match than Oneflow lets a client page through.
            pub fn stream(self) -> $crate::ItemStream<$item> {
                let checked = self.paging.check().and_then(|()| self.base_request());
                match checked {
                    Ok(request) => self.client.stream_items(request, self.paging),
                    Err(e) => $crate::ItemStream::new(futures::StreamExt::boxed(
                        futures::stream::once(async move { Err(e) }),
                    )),
                }
            }
        }
    };
}

pub(crate) use list_methods;
