//! Issue 7, part 2 (client side): documented list filters, the create/update fields `value`,
//! `folder_id` and `tags`, participant `organizer` and `_options`, product groups and
//! single-party reads. Request shapes are checked against wiremock.

use crate::common;

use common::*;
use oneflow_client::api::contracts::TimeRange;
use oneflow_client::models::draft::*;
use oneflow_client::models::*;
use oneflow_client::{Error, InvalidInput};
use serde_json::json;
use wiremock::matchers::{body_json, body_partial_json, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

const CONTRACT: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/contract.json"
));

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
        .respond_with(json(
            200,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/contracts_page.json"
            )),
        ))
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
        .respond_with(json(
            200,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/contracts_page.json"
            )),
        ))
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

#[test]
fn participants_keep_their_options_object() {
    // Shape per the create-a-participant reference (`_options`: object); its keys are not
    // shown publicly, so the content here is illustrative.
    let p: Participant = serde_json::from_value(json!({
        "id": 5, "name": "Ann", "organizer": false, "signatory": true,
        "_options": {"invite": true}
    }))
    .unwrap();
    assert_eq!(p.options.get("invite"), Some(&json!(true)));
    let none: Participant = serde_json::from_value(json!({"id": 6, "_options": null})).unwrap();
    assert!(none.options.is_empty());
}

#[tokio::test]
async fn product_groups_are_listed_and_products_added_updated_and_removed() {
    let server = server().await;
    // Field names from the product and product-group data model and docs "product".
    Mock::given(method("GET"))
        .and(path("/v1/contracts/101/product_groups"))
        .respond_with(json(
            200,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/product_groups_page.json"
            )),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/contracts/101/product_groups/61/products"))
        .and(body_json(json!({
            "custom_id": "so-product-2", "name": "Support",
            "price_1": {"base_amount": {"amount": "5000.00"}},
            "quantity": {"type": "quantity", "amount": 2}
        })))
        .respond_with(json(200, CONTRACT))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/contracts/101/product_groups/61/products/7101"))
        .and(body_json(json!({"description": "24 months"})))
        .respond_with(json(200, CONTRACT))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/contracts/101/product_groups/61/products/7101"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let products = client(&server).contracts().products(ContractId(101));
    let groups = products.groups().await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].id, Some(ProductGroupId(61)));
    let licence = &groups[0].products[0];
    assert_eq!(licence.id, Some(ProductId(7101)));
    assert_eq!(licence.counterparty_lock, Some(true));
    assert_eq!(
        licence
            .price_1
            .as_ref()
            .unwrap()
            .discount_percent
            .as_deref(),
        Some("10.000")
    );
    assert_eq!(
        groups[0].configuration.as_ref().unwrap()["price_precision"],
        2
    );

    let support = Product::named("Support")
        .custom_id("so-product-2")
        .price(Price::base("5000.00"))
        .quantity(Quantity::count(2));
    let answer = products.add(ProductGroupId(61), &support).await.unwrap();
    assert_eq!(answer["id"], 3012345, "the raw answer is returned as sent");
    let mut patch = Product::default();
    patch.description = Some("24 months".to_owned());
    products
        .update(ProductGroupId(61), ProductId(7101), &patch)
        .await
        .unwrap();
    products
        .remove(ProductGroupId(61), ProductId(7101))
        .await
        .unwrap();
}

#[tokio::test]
async fn products_oneflow_would_refuse_are_refused_locally() {
    let server = server().await;
    Mock::given(method("POST"))
        .respond_with(json(200, CONTRACT))
        .expect(0)
        .mount(&server)
        .await;
    let products = client(&server).contracts().products(ContractId(101));
    let mut choice = Quantity::count(2);
    choice.quantity_type = "single_choice".to_owned();
    let err = products
        .add(ProductGroupId(61), &Product::named("X").quantity(choice))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput(InvalidInput::Invalid {
                field: "product quantity",
                ..
            })
        ),
        "{err:?}"
    );
    let mut price = Price::base("10.00");
    price.discount_amount = Some(Amount::new("1.00"));
    price.discount_percent = Some("5.000".to_owned());
    let err = products
        .add(ProductGroupId(61), &Product::named("Y").price(price))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput(InvalidInput::Invalid {
                field: "product price",
                ..
            })
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn one_party_is_read_by_id() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/101/parties/20001"))
        .respond_with(json(
            200,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/party.json"
            )),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let party = client(&server)
        .contracts()
        .parties(ContractId(101))
        .get(PartyId(20001))
        .await
        .unwrap();
    assert!(!party.participants.is_empty());
}

#[tokio::test]
async fn access_links_are_made_per_participant_and_never_shown_in_debug() {
    let server = server().await;
    // docs "create-an-access-link-to-a-contract": POST without body, answers
    // `{"access_link": "…"}`.
    Mock::given(method("POST"))
        .and(path("/v1/contracts/101/participants/30002/access_link"))
        .respond_with(json(
            200,
            r#"{"access_link": "https://app.oneflow.com/contracts/101?token=s3cr3t-t0ken"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let link = client(&server)
        .contracts()
        .access_link(ContractId(101), ParticipantId(30002))
        .await
        .unwrap();
    assert!(link.expose_url().ends_with("token=s3cr3t-t0ken"));
    let shown = format!("{link:?}");
    assert!(!shown.contains("s3cr3t"), "{shown}");
    let requests = server.received_requests().await.unwrap();
    assert!(requests[0].body.is_empty());
}

#[test]
fn invite_sets_the_documented_option() {
    let p = ParticipantDraft::new("Ann").invite(false);
    assert_eq!(
        serde_json::to_value(&p).unwrap()["_options"],
        json!({"invite": false})
    );
}
