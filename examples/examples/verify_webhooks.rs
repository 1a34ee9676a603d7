//! Recipe: verify webhook deliveries of both vendors from the raw bytes.
//!
//! ```sh
//! cargo run -p examples --example verify_webhooks
//! ```
//!
//! The two vendors sign differently:
//!
//! * **Oneflow** puts the signature in the body: `signature = hex(sha1(callback_id +
//!   sign_key))`. It covers only the `callback_id`, so a verified delivery is a trigger:
//!   dedupe on `callback_id` and read the contract again before acting.
//! * **SuperOffice** sends `X-SuperOffice-Signature = base64(HMAC-SHA256(secret, raw body))`,
//!   which covers the body; dedupe on `EventId` and read the entity again all the same.
//!
//! Verify the bytes as they arrived, before parsing anything. This recipe registers a webhook
//! in each sandbox that points at a small receiver on loopback, makes each system send a real
//! delivery (a Oneflow contract is published, a SuperOffice Sale's amount changes), verifies them, and
//! then shows the typed refusals for a wrong key, a tampered body and a missing header. It
//! needs the sandboxes (a real service could not reach a loopback receiver); in a host, call
//! the two `verify` functions in the webhook endpoints exactly as `check_*` below do.

use std::time::Duration;

use examples::recipes::{publish_sample_contract, Delivery, Inbox, RecipeError, Sandboxes};
use oneflow_client::api::webhooks::WebhookDraft;
use secrecy::ExposeSecret;
use superoffice_client::models::{JsonPatch, SaleId, Webhook, WebhookSecret};
use superoffice_client::webhook::{EVENT_HEADER, SIGNATURE_HEADER};
use superoffice_sandbox::default_seed as so_seed;

/// How long to wait for a delivery.
const WAIT: Duration = Duration::from_secs(20);

/// A Oneflow delivery: the signature is in the body, so only the bytes and the sign key count.
pub(crate) fn check_oneflow(
    raw_body: &[u8],
    sign_key: &str,
) -> Result<oneflow_client::webhook::WebhookPayload, oneflow_client::webhook::WebhookError> {
    oneflow_client::webhook::verify(raw_body, sign_key)
}

/// A SuperOffice delivery: the signature is in the `X-SuperOffice-Signature` header.
pub(crate) fn check_superoffice(
    delivery: &Delivery,
    secret: &str,
) -> Result<superoffice_client::webhook::WebhookPayload, superoffice_client::webhook::WebhookError>
{
    let signature = delivery
        .headers
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default(); // missing → `WebhookError::MissingSignature`
    superoffice_client::webhook::verify(&delivery.body, secret, signature)
}

/// The verdicts on the genuine deliveries and on altered copies of them.
#[derive(Debug)]
pub(crate) struct Verdicts {
    /// The genuine Oneflow delivery.
    pub(crate) oneflow:
        Result<oneflow_client::webhook::WebhookPayload, oneflow_client::webhook::WebhookError>,
    /// The same bytes checked with another sign key.
    pub(crate) oneflow_wrong_key: oneflow_client::webhook::WebhookError,
    /// The same delivery with its `callback_id` changed (the signature no longer fits).
    pub(crate) oneflow_tampered: oneflow_client::webhook::WebhookError,
    /// The genuine SuperOffice delivery.
    pub(crate) superoffice: Result<
        superoffice_client::webhook::WebhookPayload,
        superoffice_client::webhook::WebhookError,
    >,
    /// The same bytes checked with another secret.
    pub(crate) superoffice_wrong_secret: superoffice_client::webhook::WebhookError,
    /// One byte of the body changed.
    pub(crate) superoffice_tampered: superoffice_client::webhook::WebhookError,
    /// The signature header removed.
    pub(crate) superoffice_unsigned: superoffice_client::webhook::WebhookError,
}

/// Registers a webhook in each sandbox, triggers one delivery each and judges them.
pub(crate) async fn run(sandboxes: &Sandboxes) -> Result<Verdicts, RecipeError> {
    let inbox = Inbox::start().await?;

    // Oneflow: an admin registers the webhook with a random sign key (keep it secret; it is
    // needed to verify). Publishing a contract makes Oneflow notify us.
    let admin = sandboxes.oneflow_client(so_seed::ADMIN_EMAIL)?;
    let sign_key = WebhookDraft::random_sign_key();
    admin
        .webhooks()
        .create(&WebhookDraft::new(inbox.url()).sign_key(sign_key.clone()))
        .await?;
    let contract =
        publish_sample_contract(&sandboxes.oneflow_client(so_seed::SELLER_EMAIL)?).await?;
    let from_oneflow = inbox
        .next_matching("Oneflow delivery", WAIT, |d| {
            // Oneflow's body has a `callback_id`; SuperOffice's has an `EventId`.
            d.body.windows(11).any(|w| w == b"callback_id")
        })
        .await?;

    // SuperOffice: the webhook has a secret; SuperOffice pings the target first (a signed
    // `test` event, answered with 200 by the inbox). Changing a Sale sends `sale.changed`.
    let secret = "a long random secret for this recipe";
    let superoffice = sandboxes.superoffice_client(so_seed::ADMIN_EMAIL)?;
    superoffice
        .webhooks()
        .create(&Webhook::new(
            "recipe",
            inbox.url(),
            ["sale.changed"],
            WebhookSecret::new(secret),
        ))
        .await?;
    let bigger_offer = JsonPatch::new().replace("Amount", 125_000.0);
    superoffice
        .sales()
        .patch(SaleId(so_seed::OPEN_SALE_ID), &bigger_offer)
        .await?;
    let from_superoffice = inbox
        .next_matching("SuperOffice sale.changed delivery", WAIT, |d| {
            // The event name is also in a header (unauthenticated: only for routing).
            d.headers
                .get(EVENT_HEADER)
                .is_some_and(|event| event == "sale.changed")
        })
        .await?;

    // Altered copies.
    let key = sign_key.expose_secret();
    let tampered_oneflow = String::from_utf8_lossy(&from_oneflow.body)
        .replacen("\"callback_id\":\"", "\"callback_id\":\"x", 1)
        .into_bytes();
    let mut tampered_superoffice = from_superoffice.clone();
    let mut body = from_superoffice.body.to_vec();
    if let Some(last) = body.iter_mut().rev().find(|b| b.is_ascii_digit()) {
        *last = if *last == b'9' { b'8' } else { *last + 1 };
    }
    tampered_superoffice.body = body.into();
    let mut unsigned = from_superoffice.clone();
    unsigned.headers.remove(SIGNATURE_HEADER);

    let verdicts = Verdicts {
        oneflow: check_oneflow(&from_oneflow.body, key),
        oneflow_wrong_key: refused(check_oneflow(&from_oneflow.body, "not the key"))?,
        oneflow_tampered: refused(check_oneflow(&tampered_oneflow, key))?,
        superoffice: check_superoffice(&from_superoffice, secret),
        superoffice_wrong_secret: refused(check_superoffice(&from_superoffice, "not it"))?,
        superoffice_tampered: refused(check_superoffice(&tampered_superoffice, secret))?,
        superoffice_unsigned: refused(check_superoffice(&unsigned, secret))?,
    };
    if let Ok(payload) = &verdicts.oneflow {
        if payload.contract.id != contract {
            return Err(RecipeError::Precondition(format!(
                "the delivery is about contract {}, not {contract}",
                payload.contract.id
            )));
        }
    }
    Ok(verdicts)
}

/// The error of a check that must fail.
fn refused<T, E>(result: Result<T, E>) -> Result<E, RecipeError> {
    match result {
        Err(error) => Ok(error),
        Ok(_) => Err(RecipeError::Precondition(
            "an altered delivery passed verification".into(),
        )),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandboxes = Sandboxes::start().await?;
    let v = run(&sandboxes).await?;
    match &v.oneflow {
        Ok(p) => println!(
            "Oneflow delivery: verified; contract {}, callback_id {}, events {:?}",
            p.contract.id,
            p.callback_id,
            p.events
                .iter()
                .map(|e| e.event_type.as_str())
                .collect::<Vec<_>>()
        ),
        Err(e) => println!("Oneflow delivery: REFUSED: {e}"),
    }
    println!(
        "  with another sign key:   {} ({:?})",
        v.oneflow_wrong_key, v.oneflow_wrong_key
    );
    println!(
        "  callback_id altered:     {} ({:?})",
        v.oneflow_tampered, v.oneflow_tampered
    );
    match &v.superoffice {
        Ok(p) => println!(
            "SuperOffice delivery: verified; {:?} on {:?} {:?}, event id {:?}",
            p.event.as_deref().unwrap_or_default(),
            p.entity.as_deref().unwrap_or_default(),
            p.primary_key,
            p.event_id.as_deref().unwrap_or_default()
        ),
        Err(e) => println!("SuperOffice delivery: REFUSED: {e}"),
    }
    println!(
        "  with another secret:     {} ({:?})",
        v.superoffice_wrong_secret, v.superoffice_wrong_secret
    );
    println!(
        "  one body byte changed:   {} ({:?})",
        v.superoffice_tampered, v.superoffice_tampered
    );
    println!(
        "  signature header gone:   {} ({:?})",
        v.superoffice_unsigned, v.superoffice_unsigned
    );
    sandboxes.shutdown().await;
    Ok(())
}
