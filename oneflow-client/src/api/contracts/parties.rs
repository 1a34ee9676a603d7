//! Parties and participants of a contract.

use crate::client::Client;
use crate::error::{InvalidInput, Result};
use crate::models::draft::{
    ParticipantDraft, PartyDraft, PartyUpdate, MAX_IDENTIFICATION_NUMBER_LEN, MAX_NAME_LEN,
};
use crate::models::{ContractId, Participant, ParticipantId, Party, PartyId};
use crate::request::ApiRequest;

/// Party endpoints of one contract; from [`ContractsHandler::parties`](super::ContractsHandler::parties).
#[derive(Debug, Clone)]
#[must_use]
pub struct PartiesHandler {
    client: Client,
    contract: ContractId,
}

impl PartiesHandler {
    pub(crate) fn new(client: Client, contract: ContractId) -> Self {
        PartiesHandler { client, contract }
    }

    /// All parties of the contract.
    pub async fn list(&self) -> Result<Vec<Party>> {
        let c = self.contract;
        self.client
            .collect_all(ApiRequest::get(
                "contracts/{id}/parties",
                ["contracts", &c.to_string(), "parties"],
            ))
            .await
    }

    /// One party with its participants (`GET /contracts/{id}/parties/{party_id}`, the
    /// "Get a party by ID" endpoint the update-a-participant tutorial points to).
    pub async fn get(&self, party: PartyId) -> Result<Party> {
        let c = self.contract;
        self.client
            .execute(ApiRequest::get(
                "contracts/{id}/parties/{party_id}",
                ["contracts", &c.to_string(), "parties", &party.to_string()],
            ))
            .await
    }

    /// Adds a counterparty (`POST /contracts/{id}/parties`; validated locally, never retried).
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use oneflow_client::models::draft::{CompanyPartyDraft, ParticipantDraft};
    /// use oneflow_client::models::{ContractId, DeliveryChannel};
    /// let party = CompanyPartyDraft::new("Acme AB")
    ///     .participant(ParticipantDraft::new("Ann").email("ann@acme.example").delivery_channel(DeliveryChannel::Email));
    /// client.contracts().parties(ContractId(101)).add(&party.into()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn add(&self, party: &PartyDraft) -> Result<Party> {
        party.validate()?;
        let c = self.contract;
        let req = ApiRequest::post(
            "contracts/{id}/parties",
            ["contracts", &c.to_string(), "parties"],
        )
        .json(party)?;
        self.client.execute(req).await
    }

    /// Updates name, country or organisation number of a party.
    pub async fn update(&self, party: PartyId, update: &PartyUpdate) -> Result<Party> {
        update.validate()?;
        let c = self.contract;
        let req = ApiRequest::put(
            "contracts/{id}/parties/{party_id}",
            ["contracts", &c.to_string(), "parties", &party.to_string()],
        )
        .json(update)?;
        self.client.execute(req).await
    }

    /// Removes a party (200 even if it does not exist).
    pub async fn remove(&self, party: PartyId) -> Result<()> {
        let c = self.contract;
        let req = ApiRequest::delete(
            "contracts/{id}/parties/{party_id}",
            ["contracts", &c.to_string(), "parties", &party.to_string()],
        );
        self.client.execute_empty(req).await
    }
}

/// Participant endpoints of one company party; from
/// [`ContractsHandler::participants`](super::ContractsHandler::participants).
#[derive(Debug, Clone)]
#[must_use]
pub struct ParticipantsHandler {
    client: Client,
    contract: ContractId,
    party: PartyId,
}

fn check_patch(p: &ParticipantDraft) -> Result<(), InvalidInput> {
    let checks = [
        ("participant name", p.name.as_deref(), MAX_NAME_LEN),
        ("participant title", p.title.as_deref(), MAX_NAME_LEN),
        (
            "participant identification number",
            p.identification_number.as_deref(),
            MAX_IDENTIFICATION_NUMBER_LEN,
        ),
    ];
    for (field, value, max) in checks {
        if let Some(v) = value {
            let length = v.chars().count();
            if length > max {
                return Err(InvalidInput::TooLong { field, length, max });
            }
        }
    }
    Ok(())
}

impl ParticipantsHandler {
    pub(crate) fn new(client: Client, contract: ContractId, party: PartyId) -> Self {
        ParticipantsHandler {
            client,
            contract,
            party,
        }
    }

    /// `contracts/{id}/parties/{party_id}/participants[/{participant_id}]` as segments.
    fn segments(&self, participant: Option<ParticipantId>) -> Vec<String> {
        let mut segments = vec![
            "contracts".to_owned(),
            self.contract.to_string(),
            "parties".to_owned(),
            self.party.to_string(),
            "participants".to_owned(),
        ];
        segments.extend(participant.map(|p| p.to_string()));
        segments
    }

    /// Adds a participant (validated locally, never retried).
    pub async fn add(&self, participant: &ParticipantDraft) -> Result<Participant> {
        participant.validate(0, false)?;
        let req = ApiRequest::post(
            "contracts/{id}/parties/{party_id}/participants",
            self.segments(None),
        )
        .json(participant)?
        .requires_acting_user();
        self.client.execute(req).await
    }

    /// Updates a participant; only the fields set in `changes` are sent.
    pub async fn update(
        &self,
        participant: ParticipantId,
        changes: &ParticipantDraft,
    ) -> Result<Participant> {
        check_patch(changes)?;
        let req = ApiRequest::put(
            "contracts/{id}/parties/{party_id}/participants/{participant_id}",
            self.segments(Some(participant)),
        )
        .json(changes)?
        .requires_acting_user();
        self.client.execute(req).await
    }

    /// Removes a participant.
    pub async fn remove(&self, participant: ParticipantId) -> Result<()> {
        let req = ApiRequest::delete(
            "contracts/{id}/parties/{party_id}/participants/{participant_id}",
            self.segments(Some(participant)),
        );
        self.client.execute_empty(req).await
    }
}
