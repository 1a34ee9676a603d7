//! Model decoding: timestamps, unknown enum values, nulls and the documented contract
//! attributes.

use crate::common;
use common::*;

use oneflow_client::models::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Stamped {
    #[serde(with = "oneflow_client::models::timestamp")]
    at: Timestamp,
    #[serde(default, with = "oneflow_client::models::timestamp::option")]
    maybe: Option<Timestamp>,
}

#[test]
fn timestamps_both_ways() {
    let s: Stamped = serde_json::from_str(
        r#"{"at": "2020-06-30T07:15:23+0000", "maybe": "2020-06-30T09:15:23+02:00"}"#,
    )
    .unwrap();
    assert_eq!(s.at, s.maybe.unwrap());
    let out = serde_json::to_value(&s).unwrap();
    assert_eq!(out["at"], "2020-06-30T07:15:23+0000");
    assert_eq!(out["maybe"], "2020-06-30T07:15:23+0000");
    let s: Stamped =
        serde_json::from_str(r#"{"at": "2020-06-30T07:15:23Z", "maybe": null}"#).unwrap();
    assert!(s.maybe.is_none());
    assert!(serde_json::from_str::<Stamped>(r#"{"at": "30 June 2020"}"#).is_err());

    // A decoded contract re-serializes in Oneflow's format.
    let c: Contract = serde_json::from_str(CONTRACT).unwrap();
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["state_updated_time"], "2026-11-20T09:15:02+0000");
    assert_eq!(
        v["_private_ownerside"]["created_time"],
        "2026-11-20T09:15:02+0000"
    );
}

#[test]
fn unknown_enum_values_decode() {
    let mut v: serde_json::Value = serde_json::from_str(CONTRACT).unwrap();
    v["state"] = "archived".into();
    v["lifecycle_state"]["lifecycle_state"] = "hibernating".into();
    v["parties"][1]["type"] = "government".into();
    let p = &mut v["parties"][1]["participants"][0];
    p["delivery_channel"] = "fax".into();
    p["delivery_status"] = "lost".into();
    p["sign_method"] = "estonian_mobile_id".into();
    p["sign_state"] = "pondering".into();
    p["two_step_authentication_method"] = "totp".into();
    let c: Contract = serde_json::from_value(v).unwrap();
    assert_eq!(c.state, ContractState::Other("archived".into()));
    assert!(c.state.is_other());
    assert_eq!(
        c.lifecycle_state.unwrap().lifecycle_state,
        Some(LifecycleStateKind::Other("hibernating".into()))
    );
    let party = &c.parties[1];
    assert_eq!(
        party.party_type,
        Some(PartyType::Other("government".into()))
    );
    let p = &party.participants[0];
    assert_eq!(
        p.delivery_channel,
        Some(DeliveryChannel::Other("fax".into()))
    );
    assert_eq!(
        p.delivery_status,
        Some(DeliveryStatus::Other("lost".into()))
    );
    assert_eq!(
        p.sign_method,
        Some(SignMethod::Other("estonian_mobile_id".into()))
    );
    assert_eq!(p.sign_state, Some(SignState::Other("pondering".into())));
    assert_eq!(
        p.two_step_authentication_method,
        Some(TwoStepAuthenticationMethod::Other("totp".into()))
    );
    let f: ContractFile = serde_json::from_str(r#"{"id": 9, "type": "signature_page"}"#).unwrap();
    assert_eq!(f.file_type, Some(FileType::Other("signature_page".into())));
}

/// The contract model (developer.oneflow.com data model page "Contract"): the creation time
/// is `_private_ownerside.created_time`; `attachment_file_groups`, `pdf_file_groups` and the
/// linked-contracts array `links` are attributes next to `_links`; unknown attributes stay
/// reachable.
///
/// Regression (issue 7, the documented behaviour): this test failed before its fix.
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

/// Oneflow may send `null` where a list, object or flag is expected (the models promise
/// "`Option` for anything omitted or null"); `null` must decode like an absent field instead
/// of failing the whole contract or page.
///
/// Regression (found in review): this test failed before its fix.
#[test]
fn nulls_decode_like_absent_fields() {
    let mut v: serde_json::Value = serde_json::from_str(CONTRACT).unwrap();
    for key in [
        "_permissions",
        "available_options",
        "data_fields",
        "product_groups",
        "tags",
        "_links",
    ] {
        v[key] = serde_json::Value::Null;
    }
    v["parties"][1]["participants"][0]["signatory"] = serde_json::Value::Null;
    v["parties"][1]["participants"][0]["_permissions"] = serde_json::Value::Null;
    v["parties"][1]["my_party"] = serde_json::Value::Null;
    v["parties"][2]["participants"] = serde_json::Value::Null;
    let contract: Contract = serde_json::from_value(v).unwrap();
    assert!(contract.data_fields.is_empty());
    assert!(!contract.available_options.can_receive_attachments);
    assert!(!contract.parties[1].participants[0].signatory);
    assert!(contract.parties[2].participants.is_empty());
    assert!(contract.parties[2].participant.is_some());

    let page = serde_json::json!({"count": null, "data": null, "_links": null});
    let page: oneflow_client::Page<Contract> = serde_json::from_value(page).unwrap();
    assert!(page.data.is_empty());
    let user: User = serde_json::from_value(
        serde_json::json!({"id": 1, "active": null, "is_admin": null, "_links": null}),
    )
    .unwrap();
    assert!(!user.active);
}
