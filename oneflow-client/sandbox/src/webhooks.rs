//! Webhook delivery: matching events to hooks, the "Current" payload, signatures, retries.

use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};
use sha1::{Digest, Sha1};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tracing::Instrument;

use super::state::{fmt_time, Emitted, Time, Webhook, World};

/// How the sandbox delivers webhook notifications.
///
/// The default follows Oneflow: 10 attempts in total with gaps of 1, 5, 10, 30, 60, 300, 600,
/// 1800 and 3600 seconds, a 10 s request timeout, no duplicates, no reordering. Tests compress
/// the schedule with [`DeliveryConfig::immediate`] or [`retry_gaps`](Self::retry_gaps).
#[derive(Debug, Clone)]
#[non_exhaustive]
#[must_use]
pub struct DeliveryConfig {
    /// Gap before attempt 2, 3, …; the last gap repeats if there are fewer gaps than retries.
    pub retry_gaps: Vec<Duration>,
    /// Total attempts per notification, including the first (Oneflow: 10).
    pub max_attempts: u32,
    /// Per-attempt HTTP timeout; a timeout counts as a failed attempt.
    pub timeout: Duration,
    /// Send every notification twice (same `callback_id`), to exercise idempotency.
    pub duplicate: bool,
    /// Deliver the notifications produced by one action in reverse order.
    pub reorder: bool,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            retry_gaps: Self::oneflow_gaps(),
            max_attempts: 10,
            timeout: Duration::from_secs(10),
            duplicate: false,
            reorder: false,
        }
    }
}

impl DeliveryConfig {
    /// Oneflow's documented retry gaps: 1, 5, 10, 30, 60, 300, 600, 1800, 3600 seconds.
    pub fn oneflow_gaps() -> Vec<Duration> {
        [1, 5, 10, 30, 60, 300, 600, 1800, 3600]
            .into_iter()
            .map(Duration::from_secs)
            .collect()
    }

    /// Oneflow's attempt count, but retries without any wait (for tests).
    pub fn immediate() -> Self {
        Self {
            retry_gaps: vec![Duration::ZERO],
            ..Self::default()
        }
    }

    /// Replace the retry gaps.
    pub fn retry_gaps(mut self, gaps: Vec<Duration>) -> Self {
        self.retry_gaps = gaps;
        self
    }

    /// Replace the total number of attempts (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Replace the per-attempt timeout.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Switch duplicate delivery on or off.
    pub fn duplicate(mut self, on: bool) -> Self {
        self.duplicate = on;
        self
    }

    /// Switch reordering on or off.
    pub fn reorder(mut self, on: bool) -> Self {
        self.reorder = on;
        self
    }

    fn gap_before(&self, attempt: u32) -> Duration {
        // attempt >= 2; gap index attempt - 2
        let index = attempt.saturating_sub(2) as usize;
        self.retry_gaps
            .get(index)
            .or_else(|| self.retry_gaps.last())
            .copied()
            .unwrap_or(Duration::ZERO)
    }
}

/// What happened to one HTTP attempt of a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryOutcome {
    /// The receiver answered exactly `200`.
    Delivered,
    /// The receiver answered another status (201 and 204 count as failures, as at Oneflow).
    Rejected {
        /// The HTTP status received.
        status: u16,
    },
    /// No HTTP answer (connection refused, timeout, …).
    Failed {
        /// A short description (never contains secrets).
        reason: String,
    },
}

impl DeliveryOutcome {
    /// Whether the attempt counts as a successful delivery.
    pub fn is_success(&self) -> bool {
        matches!(self, Self::Delivered)
    }
}

/// One HTTP attempt of one webhook notification.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeliveryRecord {
    /// The webhook the notification was for.
    pub webhook_id: i64,
    /// The URL it was posted to.
    pub callback_url: String,
    /// Unique per notification; identical on every retry and duplicate.
    pub callback_id: String,
    /// The contract the events belong to.
    pub contract_id: i64,
    /// 1-based attempt number of this copy.
    pub attempt: u32,
    /// `true` for the second copy sent by the duplicate switch.
    pub duplicate: bool,
    /// Ids of the events in the payload.
    pub event_ids: Vec<i64>,
    /// Types of the events in the payload (e.g. `contract:sign`).
    pub event_types: Vec<String>,
    /// The exact JSON body that was posted.
    pub body: String,
    /// The result.
    pub outcome: DeliveryOutcome,
    /// `true` when this failed attempt was the last one (the notification is dropped).
    pub gave_up: bool,
}

/// A notification for one webhook: one contract, its events, a callback id.
#[derive(Clone)]
pub(crate) struct Notification {
    pub webhook_id: i64,
    pub url: String,
    pub sign_key: Option<String>,
    pub contract_id: i64,
    pub callback_id: String,
    pub events: Vec<(i64, String, Time)>,
}

impl Notification {
    fn body(&self) -> String {
        // No sign key: Oneflow's behaviour is undocumented; the sandbox signs with "".
        let key = self.sign_key.as_deref().unwrap_or("");
        let events: Vec<Value> = self
            .events
            .iter()
            .map(|(id, kind, created)| {
                json!({ "created_time": fmt_time(created), "id": id, "type": kind })
            })
            .collect();
        json!({
            "contract": { "id": self.contract_id },
            "callback_id": self.callback_id,
            "events": events,
            "signature": signature(&self.callback_id, key),
        })
        .to_string()
    }
}

/// `hex(sha1(callback_id + sign_key))`, Oneflow's webhook signature.
pub(crate) fn signature(callback_id: &str, sign_key: &str) -> String {
    let mut hasher = Sha1::new();
    hasher.update(callback_id.as_bytes());
    hasher.update(sign_key.as_bytes());
    hex::encode(hasher.finalize())
}

/// A fresh 40-hex-digit callback id.
pub(crate) fn callback_id(nonce: u64, seq: u64) -> String {
    let mut hasher = Sha1::new();
    hasher.update(format!("oneflow-sandbox:{nonce}:{seq}").as_bytes());
    hex::encode(hasher.finalize())
}

fn rule_matches(rule: &Value, event: &Emitted) -> bool {
    let values = rule.get("values").and_then(Value::as_array);
    let Some(values) = values else { return false };
    match rule.get("type").and_then(Value::as_str) {
        Some("EVENT_TYPE") => values
            .iter()
            .any(|v| v.as_str() == Some(event.kind.as_str())),
        Some("WORKSPACE") => values.iter().any(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                == Some(event.workspace_id)
        }),
        _ => false,
    }
}

/// Template-type scope plus filters: any filter matches when all of its rules match.
pub(crate) fn hook_matches(hook: &Webhook, event: &Emitted) -> bool {
    if let Some(group) = hook.template_group_id {
        if event.template_type_id != Some(group) {
            return false;
        }
    }
    match hook.filters.as_array() {
        None => true,
        Some(filters) if filters.is_empty() => true,
        Some(filters) => filters.iter().any(|f| {
            f.get("filter_rules")
                .and_then(Value::as_array)
                .is_some_and(|rules| rules.iter().all(|r| rule_matches(r, event)))
        }),
    }
}

/// Turn the events emitted by one action into notifications (one per event and hook).
pub(crate) fn notifications(world: &mut World, nonce: u64, seq: &mut u64) -> Vec<Notification> {
    let emitted = std::mem::take(&mut world.emitted);
    let mut out = Vec::new();
    for event in &emitted {
        for hook in world.webhooks.values() {
            if !hook_matches(hook, event) {
                continue;
            }
            *seq += 1;
            out.push(Notification {
                webhook_id: hook.id,
                url: hook.callback_url.clone(),
                sign_key: hook.sign_key.clone(),
                contract_id: event.contract_id,
                callback_id: callback_id(nonce, *seq),
                events: vec![(event.event_id, event.kind.clone(), event.created)],
            });
        }
    }
    out
}

/// The delivery log plus a version counter tests can await.
pub(crate) struct DeliveryLog {
    records: Mutex<std::collections::VecDeque<DeliveryRecord>>,
    capacity: usize,
    version: watch::Sender<u64>,
}

impl DeliveryLog {
    /// A log keeping at most `capacity` records (the oldest is dropped when full).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            records: Mutex::new(std::collections::VecDeque::new()),
            capacity: capacity.max(1),
            version: watch::Sender::new(0),
        }
    }

    fn push(&self, record: DeliveryRecord) {
        let mut records = lock(&self.records);
        while records.len() >= self.capacity {
            records.pop_front();
        }
        records.push_back(record);
        drop(records);
        self.version.send_modify(|v| *v += 1);
    }

    pub(crate) fn snapshot(&self) -> Vec<DeliveryRecord> {
        lock(&self.records).iter().cloned().collect()
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Sends notifications; owned by the worker task.
pub(crate) struct Deliverer {
    pub log: DeliveryLog,
    pub config: Mutex<DeliveryConfig>,
    http: reqwest::Client,
}

impl Deliverer {
    pub(crate) fn new(config: DeliveryConfig, http: reqwest::Client, log_capacity: usize) -> Self {
        Self {
            log: DeliveryLog::new(log_capacity),
            config: Mutex::new(config),
            http,
        }
    }

    /// One HTTP attempt; returns whether it succeeded.
    async fn attempt(
        &self,
        n: &Notification,
        attempt: u32,
        duplicate: bool,
        cfg: &DeliveryConfig,
    ) -> bool {
        let body = n.body();
        let span = tracing::info_span!(
            "oneflow_sandbox.webhook",
            callback_id = %n.callback_id,
            webhook_id = n.webhook_id,
            attempt,
        );
        let result = self
            .http
            .post(&n.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .timeout(cfg.timeout)
            .body(body.clone())
            .send()
            .instrument(span.clone())
            .await;
        let outcome = match result {
            Ok(response) => {
                let status = response.status().as_u16();
                // Drain the body so the connection can be reused; its content is ignored.
                let _ = response.bytes().await;
                if status == 200 {
                    DeliveryOutcome::Delivered
                } else {
                    DeliveryOutcome::Rejected { status }
                }
            }
            Err(err) => DeliveryOutcome::Failed {
                reason: if err.is_timeout() {
                    "timed out".to_owned()
                } else if err.is_connect() {
                    "connection failed".to_owned()
                } else {
                    "request failed".to_owned()
                },
            },
        };
        let success = outcome.is_success();
        span.in_scope(|| tracing::debug!(success, "webhook attempt finished"));
        self.log.push(DeliveryRecord {
            webhook_id: n.webhook_id,
            callback_url: n.url.clone(),
            callback_id: n.callback_id.clone(),
            contract_id: n.contract_id,
            attempt,
            duplicate,
            event_ids: n.events.iter().map(|e| e.0).collect(),
            event_types: n.events.iter().map(|e| e.1.clone()).collect(),
            body,
            outcome,
            gave_up: !success && attempt >= cfg.max_attempts,
        });
        success
    }

    async fn retry_chain(&self, n: Notification, duplicate: bool, cfg: DeliveryConfig) {
        for attempt in 2..=cfg.max_attempts {
            tokio::time::sleep(cfg.gap_before(attempt)).await;
            if self.attempt(&n, attempt, duplicate, &cfg).await {
                return;
            }
        }
    }
}

/// The worker: first attempts in order, failed notifications retried concurrently.
pub(crate) async fn run_worker(
    deliverer: std::sync::Arc<Deliverer>,
    mut inbox: mpsc::UnboundedReceiver<Vec<Notification>>,
) {
    let mut retries = JoinSet::new();
    loop {
        tokio::select! {
            batch = inbox.recv() => {
                let Some(mut batch) = batch else { break };
                let cfg = lock(&deliverer.config).clone();
                if cfg.reorder {
                    batch.reverse();
                }
                for n in batch {
                    let copies = if cfg.duplicate { 2 } else { 1 };
                    for copy in 0..copies {
                        let duplicate = copy > 0;
                        if !deliverer.attempt(&n, 1, duplicate, &cfg).await && cfg.max_attempts > 1 {
                            let d = deliverer.clone();
                            let (n, cfg) = (n.clone(), cfg.clone());
                            retries.spawn(async move { d.retry_chain(n, duplicate, cfg).await });
                        }
                    }
                }
            }
            Some(_) = retries.join_next(), if !retries.is_empty() => {}
        }
    }
    // Inbox closed (sandbox dropped): let running retries finish only while the task lives.
    while retries.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn hook(group: Option<i64>, filters: Value) -> Webhook {
        Webhook {
            id: 1,
            callback_url: "http://127.0.0.1:1/hook".to_owned(),
            sign_key: None,
            template_group_id: group,
            filters,
            configuration: json!({}),
        }
    }

    fn event(kind: &str, workspace_id: i64, template_type_id: Option<i64>) -> Emitted {
        Emitted {
            contract_id: 7001,
            workspace_id,
            template_type_id,
            event_id: 50001,
            kind: kind.to_owned(),
            created: Utc::now(),
        }
    }

    #[test]
    fn signature_is_sha1_hex_of_callback_id_and_key() {
        // sha1("abc") is a published test vector.
        assert_eq!(
            signature("a", "bc"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(callback_id(1, 1).len(), 40);
        assert_ne!(callback_id(1, 1), callback_id(1, 2));
    }

    #[test]
    fn hooks_match_on_group_and_any_filter_whose_rules_all_match() {
        let sign = event("contract:sign", 3001, Some(4001));
        assert!(hook_matches(&hook(None, Value::Null), &sign));
        assert!(hook_matches(&hook(Some(4001), json!([])), &sign));
        assert!(!hook_matches(&hook(Some(4002), Value::Null), &sign));
        let filters = json!([
            { "filter_rules": [
                { "type": "EVENT_TYPE", "values": ["contract:publish"] },
                { "type": "WORKSPACE", "values": [3001] }
            ] },
            { "filter_rules": [{ "type": "WORKSPACE", "values": ["3002"] }] }
        ]);
        let h = hook(None, filters);
        assert!(!hook_matches(&h, &sign));
        assert!(hook_matches(&h, &event("contract:publish", 3001, None)));
        assert!(hook_matches(&h, &event("contract:sign", 3002, None)));
    }

    #[test]
    fn retry_gaps_follow_the_schedule_and_repeat_the_last() {
        let cfg = DeliveryConfig::default();
        assert_eq!(cfg.gap_before(2), Duration::from_secs(1));
        assert_eq!(cfg.gap_before(10), Duration::from_secs(3600));
        let short = DeliveryConfig::immediate().retry_gaps(vec![Duration::from_millis(3)]);
        assert_eq!(short.gap_before(7), Duration::from_millis(3));
        assert_eq!(DeliveryConfig::default().max_attempts(0).max_attempts, 1);
    }
}
