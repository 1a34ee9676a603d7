//! Contract endpoints: request shape and response decoding, list filters, data fields and
//! events. Parties and participants are in `parties`, products in `products`.

mod parties;
mod products;

use crate::common;
use common::*;

use futures::TryStreamExt;
use oneflow_client::api::contracts::TimeRange;
use oneflow_client::models::draft::*;
use oneflow_client::models::*;
use oneflow_client::{Error, InvalidInput};
use serde_json::json;
use wiremock::matchers::{
    body_json, body_partial_json, header, method, path, query_param, query_param_is_missing,
};
use wiremock::{Mock, ResponseTemplate};

fn draft() -> ContractDraft {
    ContractDraft::new(WorkspaceId(130406), TemplateId(756510))
        .name("Acme AB – Licence 2026")
        .data_field("superoffice_sale_id", "4711")
        .party(
            CompanyPartyDraft::new("Acme AB")
                .country_code("SE")
                .identification_number("556000-1234")
                .participant(
                    ParticipantDraft::new("Ann Buyer")
                        .email("ann@acme.example")
                        .title("CEO")
                        .delivery_channel(DeliveryChannel::Email)
                        .sign_method(SignMethod::StandardEsign)
                        .role(ParticipantRole::Signatory)
                        .custom_id("so-person-88"),
                ),
        )
        .party(IndividualPartyDraft::new(
            ParticipantDraft::new("Ivan Private")
                .phone_number("+4791234567")
                .delivery_channel(DeliveryChannel::Sms)
                .sign_method(SignMethod::NorwegianBankid),
        ))
        .my_party(
            MyPartyDraft::new()
                .participant(ParticipantDraft::user("seller@ourco.example"))
                .creator_inherits_settings_from_template(true),
        )
        .product_group(ProductGroup::new(
            ProductGroupId(61),
            vec![Product::named("Platform licence")
                .custom_id("so-product-1")
                .price(Price::base("100000.00"))
                .quantity(Quantity::count(1))],
        ))
}

#[tokio::test]
async fn create_sends_the_documented_body_and_decodes_the_contract() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/v1/contracts/create"))
        .and(header("x-oneflow-api-token", TOKEN))
        .and(header("x-oneflow-user-email", "seller@ourco.example"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({
            "workspace_id": 130406,
            "template_id": 756510,
            "name": "Acme AB – Licence 2026",
            "data_fields": [{"custom_id": "superoffice_sale_id", "value": "4711"}],
            "parties": [
                {"type": "company", "name": "Acme AB", "country_code": "SE", "identification_number": "556000-1234",
                 "participants": [{"name": "Ann Buyer", "email": "ann@acme.example", "title": "CEO", "signatory": true,
                                   "delivery_channel": "email", "sign_method": "standard_esign",
                                   "_permissions": {"contract:update": true},
                                   "_private_ownerside": {"custom_id": "so-person-88"}}]},
                {"type": "individual",
                 "participant": {"name": "Ivan Private", "phone_number": "+4791234567", "delivery_channel": "sms",
                                 "sign_method": "norwegian_bankid"}}
            ],
            "my_party": {"participants": [{"email": "seller@ourco.example"}],
                         "creator_inherit_settings_from_template": true},
            "product_groups": [{"id": 61, "products": [{"custom_id": "so-product-1", "name": "Platform licence",
                "price_1": {"base_amount": {"amount": "100000.00"}}, "quantity": {"type": "quantity", "amount": 1}}]}]
        })))
        .respond_with(json(200, CONTRACT))
        .expect(1)
        .mount(&server)
        .await;

    let contract = client(&server)
        .as_user("seller@ourco.example")
        .contracts()
        .create(&draft())
        .await
        .unwrap();
    assert_eq!(contract.id, ContractId(3012345));
    assert_eq!(contract.state, ContractState::Draft);
    assert_eq!(contract.name(), Some("Acme AB – Licence 2026"));
    assert_eq!(contract.workspace_id(), Some(WorkspaceId(130406)));
    assert_eq!(contract.template_id(), Some(TemplateId(756510)));
    assert_eq!(
        contract.private_ownerside.template_type_id,
        Some(TemplateTypeId(40210))
    );
    assert_eq!(
        contract.private.value.as_ref().map(|v| v.amount.as_str()),
        Some("125000.00")
    );
    assert_eq!(
        contract.data_field_value("superoffice_sale_id"),
        Some("4711")
    );
    assert_eq!(
        contract
            .data_field("superoffice_sale_owner")
            .and_then(|f| f.source.clone()),
        Some(DataFieldSource::System)
    );
    assert!(contract.available_options.can_receive_expanded_pdf);
    assert_eq!(
        contract.available_options.delivery_channels[2].name,
        DeliveryChannel::Other("carrier_pigeon".into())
    );
    let me = contract.my_party().unwrap();
    assert_eq!(
        me.participants[0].email.as_deref(),
        Some("seller@ourco.example")
    );
    assert!(me.participants[0].organizer);
    let others: Vec<_> = contract.counterparties().collect();
    assert_eq!(others.len(), 2);
    assert_eq!(others[1].party_type, Some(PartyType::Individual));
    let ivan = others[1].participant.as_ref().unwrap();
    assert_eq!(ivan.sign_method, Some(SignMethod::NorwegianBankid));
    assert_eq!(ivan.delivery_channel, Some(DeliveryChannel::Sms));
    assert_eq!(
        others[0].participants[0]
            .private_ownerside
            .as_ref()
            .unwrap()
            .custom_id
            .as_deref(),
        Some("so-person-88")
    );
    assert_eq!(
        contract.product_groups[0].products[0]
            .price_1
            .as_ref()
            .unwrap()
            .amount
            .as_ref()
            .unwrap()
            .amount,
        "100000.00"
    );
    assert_eq!(
        contract.lifecycle_settings.as_ref().unwrap().lifecycle_type,
        Some(LifecycleType::SinglePeriod)
    );
    assert_eq!(
        contract.lifecycle_state.as_ref().unwrap().lifecycle_state,
        Some(LifecycleStateKind::Awaiting)
    );
    assert_eq!(
        contract
            .state_updated_time
            .map(|t| oneflow_client::models::timestamp::format(&t))
            .as_deref(),
        Some("2026-11-20T09:15:02+0000")
    );
}

#[tokio::test]
async fn invalid_draft_is_refused_before_sending() {
    let server = server().await;
    Mock::given(method("POST"))
        .respond_with(json(200, CONTRACT))
        .expect(0)
        .mount(&server)
        .await;
    let client = client(&server);

    let long_value = draft().data_field("notes", "x".repeat(1025));
    let err = client.contracts().create(&long_value).await.unwrap_err();
    assert!(matches!(
        err.invalid_input(),
        Some(InvalidInput::TooLong {
            field: "data field value",
            length: 1025,
            max: 1024
        })
    ));

    let no_email =
        ContractDraft::new(WorkspaceId(1), TemplateId(2))
            .party(CompanyPartyDraft::new("Acme").participant(
                ParticipantDraft::new("Ann").delivery_channel(DeliveryChannel::Email),
            ));
    let err = client.contracts().create(&no_email).await.unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput(InvalidInput::EmailRequired { index: 0 })
    ));
    assert!(err.to_string().contains("e-mail"));
}

#[tokio::test]
async fn get_update_delete_publish() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345"))
        .and(header("x-oneflow-api-token", TOKEN))
        .and(header("x-oneflow-user-email", EMAIL))
        .respond_with(json(200, CONTRACT))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/contracts/3012345"))
        .and(body_json(json!({
            "_private": {"name": "Renamed", "value": {"amount": "99.50", "currency": "EUR"},
                         "signing_period_expiration": {"type": "fixed_date", "expire_date": "2027-01-31"}},
            "sign_order": [{"participant_id": 7702, "order": 1}, {"participant_id": 7703, "order": 2}]
        })))
        .respond_with(json(200, CONTRACT))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/contracts/3012345"))
        .and(header("x-oneflow-user-email", EMAIL))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/contracts/3012345/publish"))
        .and(body_json(
            json!({"subject": "Your contract", "message": "Please sign."}),
        ))
        .respond_with(json(
            200,
            &CONTRACT.replace("\"state\": \"draft\"", "\"state\": \"pending\""),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let contracts = client(&server).contracts();
    let id = ContractId(3012345);
    assert_eq!(contracts.get(id).await.unwrap().id, id);
    let update = ContractUpdate::new()
        .name("Renamed")
        .value(Money::new("99.50", "EUR"))
        .signing_period(SigningPeriod::FixedDate {
            date: chrono::NaiveDate::from_ymd_opt(2027, 1, 31).unwrap(),
        })
        .sign_order(vec![
            SignOrderEntry::new(ParticipantId(7702), 1),
            SignOrderEntry::new(ParticipantId(7703), 2),
        ]);
    contracts.update(id, &update).await.unwrap();
    contracts.delete(id).await.unwrap();
    let published = contracts
        .publish(id, &PublishMessage::new("Your contract", "Please sign."))
        .await
        .unwrap();
    assert_eq!(published.state, ContractState::Pending);
}

#[tokio::test]
async fn list_with_data_field_match_and_state() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts"))
        .and(query_param(
            "filter[data_field_match]",
            "superoffice_sale_id:4711",
        ))
        // developer.oneflow.com docs "filtering": `filter[states]=signed,pending`.
        .and(query_param("filter[states]", "pending,signed"))
        .and(query_param_is_missing("filter[state]"))
        .and(query_param_is_missing("filter[workspace_ids]"))
        .and(query_param("sort", "state_updated_time"))
        .and(query_param("limit", "50"))
        .and(query_param("offset", "0"))
        .respond_with(json(200, fixture!("contracts_page.json")))
        .expect(1)
        .mount(&server)
        .await;

    let page = client(&server)
        .contracts()
        .list()
        .data_field_match("superoffice_sale_id", "4711")
        .state(ContractState::Pending)
        .state(ContractState::Signed)
        .sort("state_updated_time")
        .limit(50)
        .send()
        .await
        .unwrap();
    assert_eq!(page.count, 2);
    assert!(!page.has_next());
    assert_eq!(page.data[1].state, ContractState::Signed);
    assert!(page.data[1].data_fields.is_empty());
    assert_eq!(page.data[0].private.value, None);
}

#[tokio::test]
async fn data_field_match_value_is_url_escaped_and_validated() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts"))
        .and(query_param(
            "filter[data_field_match]",
            "external_ref:A&B=1 2",
        ))
        .respond_with(json(200, fixture!("contracts_page.json")))
        .expect(1)
        .mount(&server)
        .await;
    let contracts = client(&server).contracts();
    let items: Vec<Contract> = contracts
        .list()
        .data_field_match("external_ref", "A&B=1 2")
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 2);
    let req = contracts
        .list()
        .data_field_match("external_ref", "A&B=1 2")
        .to_request()
        .unwrap();
    assert_eq!(
        req.query_value("filter[data_field_match]"),
        Some("external_ref:A&B=1 2")
    );

    let err = contracts
        .list()
        .data_field_match("superoffice_sale_id", "")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput(InvalidInput::Missing {
            field: "data_field_match value"
        })
    ));
}

#[tokio::test]
async fn data_fields_list_bulk_and_single_updates() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/data_fields"))
        .respond_with(json(200, fixture!("data_fields_page.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/contracts/3012345/data_fields"))
        .and(body_json(json!({"data_fields": [
            {"id": 901, "value": "4712"},
            {"_private_ownerside": {"custom_id": "superoffice_sale_owner"}, "value": null}
        ]})))
        .respond_with(json(200, fixture!("data_fields_page.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/contracts/3012345/data_fields/901"))
        .and(body_json(json!({"value": "4712"})))
        .respond_with(json(200, fixture!("data_field.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(
            "/v1/contracts/3012345/data_fields/c::superoffice_sale_id",
        ))
        .and(body_json(json!({"value": "4712"})))
        .respond_with(json(200, fixture!("data_field.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/contracts/3012345/data_fields/c::sale%20id%2Fx"))
        .and(body_json(json!({"value": null})))
        .respond_with(json(200, fixture!("data_field.json")))
        .expect(1)
        .mount(&server)
        .await;

    let fields = client(&server).contracts().data_fields(ContractId(3012345));
    let all = fields.list().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].custom_id(), Some("superoffice_sale_id"));
    fields
        .update_all(&[
            DataFieldUpdate::new(DataFieldId(901), "4712"),
            DataFieldUpdate::clear("superoffice_sale_owner"),
        ])
        .await
        .unwrap();
    let one = fields.update(DataFieldId(901), Some("4712")).await.unwrap();
    assert_eq!(one.value.as_deref(), Some("4712"));
    fields
        .update("superoffice_sale_id", Some("4712"))
        .await
        .unwrap();
    fields.update("sale id/x", None).await.unwrap();
    let err = fields
        .update("superoffice_sale_id", Some(&"y".repeat(1025)))
        .await
        .unwrap_err();
    assert!(matches!(
        err.invalid_input(),
        Some(InvalidInput::TooLong { .. })
    ));
}

#[tokio::test]
async fn events_list_and_get() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/events"))
        .and(query_param("limit", "100"))
        .and(query_param("offset", "0"))
        .respond_with(json(200, fixture!("events_page.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/3012345/events/2340"))
        .and(query_param_is_missing("limit"))
        .respond_with(json(200, fixture!("event.json")))
        .expect(1)
        .mount(&server)
        .await;

    let events = client(&server).contracts().events(ContractId(3012345));
    let all: Vec<ContractEvent> = events.list().stream().try_collect().await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].event_type, EventType::ContractPublish);
    assert_eq!(
        all[1].actor.as_ref().unwrap().party.as_ref().unwrap().id,
        Some(PartyId(5502))
    );
    assert_eq!(
        all[2].event_type,
        EventType::Other("contract:teleported".into())
    );
    assert!(all[2].actor.is_none());
    let one = events.get(EventId(2340)).await.unwrap();
    assert_eq!(one.event_type, EventType::DataFieldUpdate);
    assert_eq!(one.data.as_ref().unwrap()["changes"][0]["to"], "4711");
}

#[tokio::test]
async fn published_time_range_uses_the_documented_pipe_form() {
    use chrono::TimeZone;
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts"))
        // docs "filtering": `?filter[published_time]=|2021-07-19T11:32:40%2B00:00`.
        .and(query_param(
            "filter[published_time]",
            "|2021-07-19T11:32:40+0000",
        ))
        .respond_with(json(200, fixture!("contracts_page.json")))
        .expect(1)
        .mount(&server)
        .await;
    let upper = chrono::Utc
        .with_ymd_and_hms(2021, 7, 19, 11, 32, 40)
        .unwrap();
    let page = client(&server)
        .contracts()
        .list()
        .published_time(TimeRange::until(upper))
        .send()
        .await
        .unwrap();
    assert_eq!(page.count, 2);
}

#[tokio::test]
async fn filters_that_would_return_everything_are_refused_locally() {
    let server = server().await;
    Mock::given(method("GET"))
        .respond_with(json(200, fixture!("contracts_page.json")))
        .expect(0)
        .mount(&server)
        .await;
    let contracts = client(&server).contracts();
    let empty_states = contracts.list().states([]).send().await.unwrap_err();
    assert!(
        matches!(
            empty_states,
            Error::InvalidInput(InvalidInput::Invalid {
                field: "states filter",
                ..
            })
        ),
        "{empty_states:?}"
    );
    let open_range = contracts
        .list()
        .published_time(TimeRange {
            from: None,
            to: None,
        })
        .to_request();
    assert!(open_range.is_err());
    let twice = contracts
        .list()
        .state(ContractState::Signed)
        .filter("states", "pending")
        .to_request();
    assert!(twice.is_err(), "the same filter may not be sent twice");
    let req = contracts
        .list()
        .states([ContractState::Signed, ContractState::Signed])
        .to_request()
        .unwrap();
    assert_eq!(req.query_value("filter[states]"), Some("signed"));
}

#[tokio::test]
async fn create_sends_value_folder_tags_and_participant_extras() {
    let server = server().await;
    let mut options = serde_json::Map::new();
    options.insert("invite".to_owned(), json!(false));
    Mock::given(method("POST"))
        .and(path("/v1/contracts/create"))
        // Names and shapes from the create-a-contract reference; `value` as in the
        // create-a-contract-with-a-contract-value tutorial (`{"amount": "500.10"}`).
        .and(body_partial_json(json!({
            "value": {"amount": "500.10"},
            "folder_id": 77,
            "tags": [{"id": 3}, {"id": 5}],
            "parties": [{"participants": [{"name": "Ann Buyer", "_options": {"invite": false}}]}],
            "my_party": {"participants": [{"email": "seller@ourco.example", "organizer": true}]}
        })))
        .respond_with(json(200, CONTRACT))
        .expect(1)
        .mount(&server)
        .await;
    let draft = ContractDraft::new(WorkspaceId(130406), TemplateId(756510))
        .value(Money::amount("500.10"))
        .folder(FolderId(77))
        .tag(TagId(3))
        .tag(TagId(5))
        .party(
            CompanyPartyDraft::new("Acme AB").participant(
                ParticipantDraft::new("Ann Buyer")
                    .email("ann@acme.example")
                    .delivery_channel(DeliveryChannel::Email)
                    .options(options),
            ),
        )
        .my_party(
            MyPartyDraft::new()
                .participant(ParticipantDraft::user("seller@ourco.example").organizer(true)),
        );
    client(&server).contracts().create(&draft).await.unwrap();
    let body = serde_json::to_value(&draft).unwrap();
    assert!(
        body.get("_private").is_none(),
        "value is top-level on create"
    );
}

#[tokio::test]
async fn bad_values_and_counterparty_organizers_are_refused_locally() {
    let server = server().await;
    Mock::given(method("POST"))
        .respond_with(json(200, CONTRACT))
        .expect(0)
        .mount(&server)
        .await;
    let contracts = client(&server).contracts();
    for amount in ["5.123", "1,5", "", "-3", "12."] {
        let draft = ContractDraft::new(WorkspaceId(1), TemplateId(2)).value(Money::amount(amount));
        let err = contracts.create(&draft).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput(InvalidInput::Invalid {
                    field: "contract value amount",
                    ..
                })
            ),
            "{amount}: {err:?}"
        );
    }
    let draft = ContractDraft::new(WorkspaceId(1), TemplateId(2)).party(
        CompanyPartyDraft::new("Acme AB").participant(
            ParticipantDraft::new("Ann")
                .email("ann@acme.example")
                .delivery_channel(DeliveryChannel::Email)
                .organizer(true),
        ),
    );
    let err = contracts.create(&draft).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput(InvalidInput::Invalid {
                field: "participant organizer",
                ..
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn update_keeps_the_listed_tags() {
    let server = server().await;
    Mock::given(method("PUT"))
        .and(path("/v1/contracts/101"))
        // update-a-contract-by-id reference: `tags`, the tag ids to be left in the contract.
        .and(body_json(json!({"_private": {}, "tags": [{"id": 3}]})))
        .respond_with(json(200, CONTRACT))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .contracts()
        .update(
            ContractId(101),
            &ContractUpdate::new().keep_tags([TagId(3)]),
        )
        .await
        .unwrap();
    let err = ContractUpdate::new()
        .value(Money::new("1.234", "SEK"))
        .validate()
        .unwrap_err();
    assert!(matches!(err, InvalidInput::Invalid { .. }));
}

/// Create-a-contract reference: contract names may have 130 characters; party and
/// participant names and titles stay ≤ 100.
///
/// Regression (issue 7, the documented behaviour): this test failed before its fix.
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
///
/// Regression (issue 7, the documented behaviour): this test failed before its fix.
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

/// A blank custom id is refused for a single update (`c::` path segment) and must be
/// refused the same way in a bulk update, before anything is sent.
///
/// Regression (found in review): this test failed before its fix.
#[tokio::test]
async fn bulk_data_field_update_refuses_a_blank_custom_id_locally() {
    use oneflow_client::models::draft::DataFieldUpdate;
    let server = server().await; // the catch-all fails the test on any request
    let err = client(&server)
        .contracts()
        .data_fields(ContractId(3012345))
        .update_all(&[DataFieldUpdate::new(" ", "4711")])
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidInput(InvalidInput::Missing { .. })),
        "{err:?}"
    );
}
