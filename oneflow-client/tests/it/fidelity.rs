//! Issue 7: the client follows what Oneflow documents (not what our sandbox agreed to).
//! Every test here failed before its fix.

use crate::common;

use common::*;
use futures::StreamExt;
use oneflow_client::models::*;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

/// A users page shaped as developer.oneflow.com's "Links" reference documents it: an absent
/// resource is `{"href": null}` (the first page's `previous`, the last page's `next`).
const LAST_PAGE_NULL_HREFS: &str = r#"{
  "_links": {
    "next": {"href": null},
    "previous": {"href": null},
    "self": {"href": "https://api.oneflow.com/v1/users?limit=2&offset=0"}
  },
  "data": [
    {"_links": {"self": {"href": "https://api.oneflow.com/v1/users/1"}}, "active": true,
     "email": "ann@ourco.example", "id": 1, "is_admin": false, "name": "Ann",
     "phone_number": null, "state": "registered", "title": null},
    {"_links": {"self": {"href": "https://api.oneflow.com/v1/users/2"}}, "active": true,
     "email": "bo@ourco.example", "id": 2, "is_admin": true, "name": "Bo",
     "phone_number": null, "state": "registered", "title": null}
  ]
}"#;

#[test]
fn a_page_with_null_hrefs_decodes() {
    let page: oneflow_client::Page<User> = serde_json::from_str(LAST_PAGE_NULL_HREFS).unwrap();
    assert_eq!(page.data.len(), 2);
    assert!(!page.has_next());
    assert_eq!(page.links.next_href(), None);
    assert_eq!(page.links.previous_href(), None);
    assert_eq!(
        page.links.self_link.as_ref().and_then(Link::href),
        Some("https://api.oneflow.com/v1/users?limit=2&offset=0")
    );
}

/// Without a count, a full page whose `next` is `{"href": null}` is the last one: the stream
/// must not ask for another page (the catch-all mock fails the test if it does).
#[tokio::test]
async fn paging_stops_on_a_null_next_href() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/users"))
        .and(query_param("offset", "0"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(LAST_PAGE_NULL_HREFS, "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let users: Vec<_> = client(&server)
        .users()
        .list()
        .limit(2)
        .stream()
        .collect()
        .await;
    assert_eq!(users.len(), 2);
    assert!(users.iter().all(Result::is_ok));
}

/// Create-a-contract reference: contract names may have 130 characters; party and
/// participant names and titles stay ≤ 100.
#[test]
fn contract_name_limit_is_130_and_party_names_stay_100() {
    use oneflow_client::models::draft::*;
    assert_eq!(MAX_CONTRACT_NAME_LEN, 130);
    let party = || {
        CompanyPartyDraft::new("Acme AB").participant(
            ParticipantDraft::new("Ann")
                .email("ann@acme.example")
                .delivery_channel(DeliveryChannel::Email),
        )
    };
    let draft = |name: String| {
        ContractDraft::new(WorkspaceId(1), TemplateId(2))
            .name(name)
            .party(party())
    };
    assert_eq!(draft("n".repeat(130)).validate(), Ok(()));
    assert!(matches!(
        draft("n".repeat(131)).validate(),
        Err(oneflow_client::InvalidInput::TooLong { max: 130, .. })
    ));
    assert!(ContractUpdate::new()
        .name("n".repeat(130))
        .validate()
        .is_ok());
    assert!(ContractUpdate::new()
        .name("n".repeat(131))
        .validate()
        .is_err());
    let long_party = ContractDraft::new(WorkspaceId(1), TemplateId(2)).party(
        CompanyPartyDraft::new("p".repeat(101))
            .participant(ParticipantDraft::new("Ann").email("ann@acme.example")),
    );
    assert!(matches!(
        long_party.validate(),
        Err(oneflow_client::InvalidInput::TooLong { max: 100, .. })
    ));
}

/// The create/update/participant/data-field references mark `x-oneflow-user-email`
/// required: without an acting user the client refuses locally (nothing is sent: the
/// catch-all mock fails the test otherwise) and names the call.
#[tokio::test]
async fn writes_that_need_an_acting_user_are_refused_locally() {
    use oneflow_client::models::draft::*;
    use oneflow_client::{Error, InvalidInput};
    let server = server().await;
    let anonymous = client(&server).as_anonymous();
    let draft = ContractDraft::new(WorkspaceId(1), TemplateId(2));
    let err = anonymous.contracts().create(&draft).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput(InvalidInput::ActingUserRequired {
                call: "contracts/create"
            })
        ),
        "{err:?}"
    );
    let err = anonymous
        .contracts()
        .update(ContractId(9), &ContractUpdate::new().name("n"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("contracts/{id}"), "{err}");
    let err = anonymous
        .contracts()
        .participants(ContractId(9), PartyId(3))
        .add(
            &ParticipantDraft::new("Ann")
                .email("ann@acme.example")
                .delivery_channel(DeliveryChannel::Email),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput(InvalidInput::ActingUserRequired { .. })
    ));
    let err = anonymous
        .contracts()
        .data_fields(ContractId(9))
        .update_all(&[DataFieldUpdate::new(
            DataFieldKey::CustomId("sale".into()),
            "1",
        )])
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput(InvalidInput::ActingUserRequired { .. })
    ));
    // A per-call user satisfies the requirement.
    let request = oneflow_client::ApiRequest::get("ping", ["ping"]).requires_acting_user();
    assert!(request.acting_user_required());
    Mock::given(method("GET"))
        .and(path("/v1/ping"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let _: serde_json::Value = anonymous
        .as_user("ann@ourco.example")
        .execute(request)
        .await
        .unwrap();
}

/// Create-a-participant: a counterparty participant without `delivery_channel` is refused
/// locally (nothing reaches the server).
#[tokio::test]
async fn adding_a_participant_without_a_delivery_channel_is_refused_locally() {
    use oneflow_client::models::draft::ParticipantDraft;
    use oneflow_client::{Error, InvalidInput};
    let server = server().await;
    let err = client(&server)
        .contracts()
        .participants(ContractId(9), PartyId(3))
        .add(&ParticipantDraft::new("Cy").email("cy@acme.example"))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput(InvalidInput::DeliveryChannelRequired { index: 0 })
    ));
}

/// The contract model (developer.oneflow.com data model page "Contract"): the creation time
/// is `_private_ownerside.created_time`; `attachment_file_groups`, `pdf_file_groups` and the
/// linked-contracts array `links` are attributes next to `_links`; unknown attributes stay
/// reachable.
#[test]
fn contract_model_follows_the_documented_attributes() {
    let body = r#"{
      "_links": {"self": {"href": "https://api.oneflow.com/v1/contracts/3012345"}},
      "_private": {"name": "Offer", "workspace_id": 130406},
      "_private_ownerside": {"created_time": "2026-11-20T09:15:02+0000", "template_id": 756510,
                             "template_type_id": 40210},
      "attachment_file_groups": [{"id": 1}],
      "pdf_file_groups": [{"id": 2}, {"id": 3}],
      "links": [{"contract_id": 3012000}],
      "id": 3012345,
      "state": "draft",
      "brand_new_attribute": {"x": 1}
    }"#;
    let c: Contract = serde_json::from_str(body).unwrap();
    assert_eq!(
        c.created_time()
            .map(|t| oneflow_client::models::timestamp::format(&t)),
        Some("2026-11-20T09:15:02+0000".to_owned())
    );
    assert_eq!(c.attachment_file_groups.len(), 1);
    assert_eq!(c.pdf_file_groups.len(), 2);
    assert_eq!(
        c.linked_contracts,
        vec![serde_json::json!({"contract_id": 3012000})]
    );
    assert_eq!(
        c.resource_links.self_link.as_ref().and_then(Link::href),
        Some("https://api.oneflow.com/v1/contracts/3012345")
    );
    assert_eq!(
        c.extra.get("brand_new_attribute"),
        Some(&serde_json::json!({"x": 1}))
    );
    assert!(!c.extra.contains_key("links") && !c.extra.contains_key("_links"));
}

/// Webhook filters come as documented objects with `filter_rules` or, as in Oneflow's own
/// connector, as plain event-type strings; both read.
#[test]
fn webhook_filters_read_in_both_public_forms() {
    let hook: Webhook = serde_json::from_str(
        r#"{"webhook_id": 7, "callback_url": "https://hooks.example/of",
            "filters": ["contract:sign",
                        {"filter_rules": [{"type": "EVENT_TYPE", "values": ["contract:publish"]},
                                          {"type": "WORKSPACE", "values": [130406]}]}]}"#,
    )
    .unwrap();
    assert_eq!(hook.filters.len(), 2);
    let plain = &hook.filters[0].filter_rules;
    assert_eq!(plain.len(), 1);
    assert_eq!(plain[0].rule_type, WebhookFilterRuleType::EventType);
    assert_eq!(plain[0].values, vec![serde_json::json!("contract:sign")]);
    assert_eq!(hook.filters[1].filter_rules.len(), 2);
}

/// Webhook drafts: https callback (http only on loopback) and a non-empty sign key, checked
/// locally; the generated key is strong and different each time.
#[test]
fn webhook_drafts_need_https_and_a_sign_key() {
    use oneflow_client::api::webhooks::WebhookDraft;
    use oneflow_client::InvalidInput;
    use secrecy::ExposeSecret;
    let key = WebhookDraft::random_sign_key();
    assert_eq!(key.expose_secret().len(), 64);
    assert!(key.expose_secret().bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(
        key.expose_secret(),
        WebhookDraft::random_sign_key().expose_secret()
    );
    let ok = WebhookDraft::new("https://crm.ourco.example/hook").sign_key(key.clone());
    assert_eq!(ok.validate(), Ok(()));
    let local = WebhookDraft::new("http://127.0.0.1:8080/hook").sign_key(key.clone());
    assert_eq!(local.validate(), Ok(()));
    let plain = WebhookDraft::new("http://crm.ourco.example/hook").sign_key(key);
    assert!(matches!(
        plain.validate(),
        Err(InvalidInput::Invalid {
            field: "callback_url",
            ..
        })
    ));
    for draft in [
        WebhookDraft::new("https://crm.ourco.example/hook"),
        WebhookDraft::new("https://crm.ourco.example/hook").sign_key(""),
    ] {
        assert_eq!(
            draft.validate(),
            Err(InvalidInput::Missing { field: "sign_key" })
        );
    }
}
