//! Parties and participants of a contract: reads, writes, options, access links and invites.

use crate::common;
use common::*;

use oneflow_client::models::draft::*;
use oneflow_client::models::*;
use oneflow_client::{Error, InvalidInput};
use serde_json::json;
use wiremock::matchers::{body_json, body_partial_json, method, path};
use wiremock::{Mock, ResponseTemplate};

#[tokio::test]
async fn parties_and_participants() {
    let server = server().await;
    let party = fixture!("party.json");
    let participant = fixture!("participant.json");
    Mock::given(method("POST"))
        .and(path("/v1/contracts/3012345/parties"))
        .and(body_partial_json(json!({
            "type": "company", "name": "Beta ApS", "country_code": "DK",
            "participants": [{"name": "Bo Viewer", "email": "bo@beta.example", "signatory": false,
                              "two_step_authentication_method": "email", "_permissions": {"contract:update": false}}]
        })))
        .respond_with(json(200, party))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/contracts/3012345/parties/5504"))
        .and(body_json(json!({"name": "Beta ApS (DK)"})))
        .respond_with(json(200, party))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/contracts/3012345/parties/5504"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/contracts/3012345/parties/5504/participants"))
        .and(body_json(
            json!({"name": "Carl Signer", "phone_number": "+46709998877", "title": "CFO",
                              "delivery_channel": "sms", "sign_method": "sms", "signatory": true,
                              "_permissions": {"contract:update": true}}),
        ))
        .respond_with(json(200, participant))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v1/contracts/3012345/parties/5504/participants/7705"))
        .and(body_json(json!({"title": "CEO"})))
        .respond_with(json(200, participant))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v1/contracts/3012345/parties/5504/participants/7705"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let contracts = client(&server).contracts();
    let parties = contracts.parties(ContractId(3012345));
    let added = parties
        .add(
            &CompanyPartyDraft::new("Beta ApS")
                .country_code("DK")
                .participant(
                    ParticipantDraft::new("Bo Viewer")
                        .email("bo@beta.example")
                        .delivery_channel(DeliveryChannel::Email)
                        .two_step_authentication(TwoStepAuthenticationMethod::Email)
                        .role(ParticipantRole::Viewer),
                )
                .into(),
        )
        .await
        .unwrap();
    assert_eq!(added.id, PartyId(5504));
    assert_eq!(
        added.participants[0].two_step_authentication_method,
        Some(TwoStepAuthenticationMethod::Email)
    );
    parties
        .update(PartyId(5504), &PartyUpdate::new().name("Beta ApS (DK)"))
        .await
        .unwrap();
    parties.remove(PartyId(5504)).await.unwrap();

    let people = contracts.participants(ContractId(3012345), PartyId(5504));
    let carl = people
        .add(
            &ParticipantDraft::new("Carl Signer")
                .phone_number("+46709998877")
                .title("CFO")
                .delivery_channel(DeliveryChannel::Sms)
                .sign_method(SignMethod::Sms)
                .role(ParticipantRole::Signatory),
        )
        .await
        .unwrap();
    assert_eq!(carl.id, ParticipantId(7705));
    assert_eq!(carl.delivery_status, Some(DeliveryStatus::NotSent));
    people
        .update(carl.id, &ParticipantDraft::default().title("CEO"))
        .await
        .unwrap();
    people.remove(carl.id).await.unwrap();

    // Missing phone for SMS delivery is caught locally (no request: the catch-all expects 0).
    let err = people
        .add(&ParticipantDraft::new("No Phone").delivery_channel(DeliveryChannel::Sms))
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidInput(InvalidInput::PhoneRequired { index: 0 })
    ));
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
async fn one_party_is_read_by_id() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/v1/contracts/101/parties/20001"))
        .respond_with(json(200, fixture!("party.json")))
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

/// Create-a-participant: a counterparty participant without `delivery_channel` is refused
/// locally (nothing reaches the server).
///
/// Regression (issue 7, the documented behaviour): this test failed before its fix.
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
