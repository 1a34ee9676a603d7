//! Secrets stay out of `Debug` output: sign keys in request bodies and credentials in the
//! base URL.

use crate::common;
use common::*;

use oneflow_client::api::webhooks::WebhookDraft;
use oneflow_client::{ApiRequest, Client};

/// `ApiRequest` is public and `Debug`; a webhook body carries the sign key.
///
/// Regression (found in review): this test failed before its fix.
#[test]
fn request_debug_hides_the_sign_key() {
    let draft = WebhookDraft::new("https://crm.ourco.example/hook").sign_key("s3cret-sign-key");
    let req = ApiRequest::post("webhooks", ["webhooks"])
        .json(&draft)
        .unwrap();
    let shown = format!("{req:?} {:?}", req.body());
    assert!(!shown.contains("s3cret-sign-key"), "{shown}");
    assert!(shown.contains("callback_url"), "{shown}");
    // The body itself still carries the key (it has to be sent).
    assert_eq!(req.json_body().unwrap()["sign_key"], "s3cret-sign-key");
}

/// The builder's `Debug` shows the base URL before it is validated; credentials in it
/// must not be printed.
///
/// Regression (found in review): this test failed before its fix.
#[test]
fn builder_debug_hides_credentials_in_the_base_url() {
    let builder = Client::builder()
        .base_url("https://integration:hunter2-pw@api.oneflow.com/v1?api_token=tok-in-query")
        .api_token(TOKEN);
    let shown = format!("{builder:?}");
    assert!(!shown.contains("hunter2-pw"), "{shown}");
    assert!(!shown.contains("tok-in-query"), "{shown}");
    assert!(shown.contains("api.oneflow.com"), "{shown}");
}
