//! Contracts: create, get, list, update, delete, publish, and their parties,
//! participants, data fields and events.

mod data_fields;
mod events;
mod list;
mod parties;
mod products;

pub use data_fields::DataFieldsHandler;
pub use events::{EventsHandler, ListEvents};
pub use list::{ListContracts, TimeRange};
pub use parties::{ParticipantsHandler, PartiesHandler};
pub use products::ProductsHandler;

use crate::client::Client;
use crate::error::Result;
use crate::models::draft::{ContractDraft, ContractUpdate, PublishMessage};
use crate::models::{AccessLink, Contract, ContractId, ParticipantId, PartyId};
use crate::pagination::Paging;
use crate::request::ApiRequest;

/// Contract endpoints; from [`Client::contracts`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ContractsHandler {
    client: Client,
}

impl Client {
    /// Contract endpoints.
    pub fn contracts(&self) -> ContractsHandler {
        ContractsHandler {
            client: self.clone(),
        }
    }
}

pub(crate) fn create_request(draft: &ContractDraft) -> Result<ApiRequest> {
    draft.validate()?;
    Ok(
        ApiRequest::post("contracts/create", ["contracts", "create"])
            .json(draft)?
            .requires_acting_user(),
    )
}

pub(crate) fn update_request(id: ContractId, update: &ContractUpdate) -> Result<ApiRequest> {
    update.validate()?;
    Ok(
        ApiRequest::put("contracts/{id}", ["contracts", &id.to_string()])
            .json(update)?
            .requires_acting_user(),
    )
}

pub(crate) fn publish_request(id: ContractId, message: &PublishMessage) -> Result<ApiRequest> {
    ApiRequest::post(
        "contracts/{id}/publish",
        ["contracts", &id.to_string(), "publish"],
    )
    .json(message)
}

impl ContractsHandler {
    /// Creates a draft contract from a template (`POST /contracts/create`). The draft is
    /// validated locally first; the call is never retried automatically.
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use oneflow_client::models::draft::{CompanyPartyDraft, ContractDraft, ParticipantDraft, ParticipantRole};
    /// use oneflow_client::models::{DeliveryChannel, TemplateId, WorkspaceId};
    ///
    /// let draft = ContractDraft::new(WorkspaceId(130406), TemplateId(756510))
    ///     .name("Acme AB – licence")
    ///     .data_field("superoffice_sale_id", "4711")
    ///     .party(CompanyPartyDraft::new("Acme AB").participant(
    ///         ParticipantDraft::new("Ann Buyer")
    ///             .email("ann@acme.example")
    ///             .delivery_channel(DeliveryChannel::Email)
    ///             .role(ParticipantRole::Signatory),
    ///     ));
    /// let contract = client.as_user("seller@ourco.example").contracts().create(&draft).await?;
    /// println!("created contract {} in state {}", contract.id, contract.state);
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, draft: &ContractDraft) -> Result<Contract> {
        self.client.execute(create_request(draft)?).await
    }

    /// One contract (`GET /contracts/{id}`).
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use oneflow_client::models::ContractId;
    /// let contract = client.contracts().get(ContractId(101)).await?;
    /// println!("{:?} is {}", contract.name(), contract.state);
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, id: ContractId) -> Result<Contract> {
        self.client
            .execute(ApiRequest::get(
                "contracts/{id}",
                ["contracts", &id.to_string()],
            ))
            .await
    }

    /// Lists contracts (paginated, filterable).
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use futures::TryStreamExt;
    /// let linked: Vec<_> = client
    ///     .contracts()
    ///     .list()
    ///     .data_field_match("superoffice_sale_id", "4711")
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # let _ = linked; Ok(()) }
    /// ```
    pub fn list(&self) -> ListContracts {
        ListContracts::new(self.client.clone(), Paging::default())
    }

    /// Updates name, value, signing period or sign order (`PUT /contracts/{id}`).
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use oneflow_client::models::{draft::ContractUpdate, ContractId, Money};
    /// let update = ContractUpdate::new().name("Acme AB – licence 2027").value(Money::new("25000.00", "SEK"));
    /// client.contracts().update(ContractId(101), &update).await?;
    /// # Ok(()) }
    /// ```
    pub async fn update(&self, id: ContractId, update: &ContractUpdate) -> Result<Contract> {
        self.client.execute(update_request(id, update)?).await
    }

    /// Deletes a contract permanently (`DELETE /contracts/{id}`). Oneflow answers 200 even
    /// if the contract does not exist.
    pub async fn delete(&self, id: ContractId) -> Result<()> {
        self.client
            .execute_empty(ApiRequest::delete(
                "contracts/{id}",
                ["contracts", &id.to_string()],
            ))
            .await
    }

    /// Sends a draft contract for signing (`POST /contracts/{id}/publish`); every
    /// participant gets the invitation. Never retried automatically.
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use oneflow_client::models::{draft::PublishMessage, ContractId};
    /// let msg = PublishMessage::new("Your contract", "Please review and sign.");
    /// let contract = client.contracts().publish(ContractId(101), &msg).await?;
    /// # let _ = contract; Ok(()) }
    /// ```
    pub async fn publish(&self, id: ContractId, message: &PublishMessage) -> Result<Contract> {
        self.client.execute(publish_request(id, message)?).await
    }

    /// Parties of a contract.
    pub fn parties(&self, contract: ContractId) -> PartiesHandler {
        PartiesHandler::new(self.client.clone(), contract)
    }

    /// Participants of a company party.
    pub fn participants(&self, contract: ContractId, party: PartyId) -> ParticipantsHandler {
        ParticipantsHandler::new(self.client.clone(), contract, party)
    }

    /// Data fields of a contract.
    pub fn data_fields(&self, contract: ContractId) -> DataFieldsHandler {
        DataFieldsHandler::new(self.client.clone(), contract)
    }

    /// Events (audit trail) of a contract.
    pub fn events(&self, contract: ContractId) -> EventsHandler {
        EventsHandler::new(self.client.clone(), contract)
    }

    /// A link that opens the contract as one participant, without the invitation
    /// (`POST /contracts/{id}/participants/{participant_id}/access_link`, docs
    /// "create-an-access-link-to-a-contract"; Oneflow keeps it valid for 6 hours). Never
    /// retried: each call makes a new link.
    pub async fn access_link(
        &self,
        contract: ContractId,
        participant: ParticipantId,
    ) -> Result<AccessLink> {
        self.client
            .execute(ApiRequest::post(
                "contracts/{id}/participants/{participant_id}/access_link",
                [
                    "contracts",
                    &contract.to_string(),
                    "participants",
                    &participant.to_string(),
                    "access_link",
                ],
            ))
            .await
    }

    /// Product tables and products of a contract.
    pub fn products(&self, contract: ContractId) -> ProductsHandler {
        ProductsHandler::new(self.client.clone(), contract)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::draft::DataFieldKey;
    use crate::models::{DataFieldId, TemplateId, WorkspaceId};
    use crate::request::RequestBody;

    #[test]
    fn creating_requests_are_non_idempotent_posts() {
        let req = create_request(&ContractDraft::new(WorkspaceId(1), TemplateId(2))).unwrap();
        assert_eq!(req.method(), &reqwest::Method::POST);
        assert_eq!(req.path(), "contracts/create");
        assert!(!req.is_idempotent());
        assert_eq!(req.json_body().unwrap()["template_id"], 2);

        let req = publish_request(ContractId(9), &PublishMessage::new("s", "m")).unwrap();
        assert_eq!(
            (req.path_template(), req.path()),
            ("contracts/{id}/publish", "contracts/9/publish")
        );
        assert!(!req.is_idempotent());
    }

    #[test]
    fn updates_are_idempotent_puts() {
        let req = update_request(ContractId(9), &ContractUpdate::new().name("n")).unwrap();
        assert_eq!(req.method(), &reqwest::Method::PUT);
        assert!(req.is_idempotent());
        assert_eq!(req.json_body().unwrap()["_private"]["name"], "n");
        assert!(
            update_request(ContractId(9), &ContractUpdate::new().name("n".repeat(131))).is_err()
        );
    }

    #[test]
    fn data_field_paths() {
        let by_id = data_fields::update_one_request(
            ContractId(1),
            &DataFieldKey::Id(DataFieldId(5)),
            Some("v"),
        )
        .unwrap();
        assert_eq!(by_id.path(), "contracts/1/data_fields/5");
        assert_eq!(
            by_id.path_template(),
            "contracts/{id}/data_fields/{data_field}"
        );
        let by_custom = data_fields::update_one_request(
            ContractId(1),
            &DataFieldKey::CustomId("sale id/1".into()),
            None,
        )
        .unwrap();
        assert_eq!(by_custom.path(), "contracts/1/data_fields/c::sale%20id%2F1");
        assert!(matches!(by_custom.body(), RequestBody::Json(v) if v["value"].is_null()));
        assert!(data_fields::update_one_request(
            ContractId(1),
            &DataFieldKey::CustomId(" ".into()),
            None
        )
        .is_err());
    }

    #[test]
    fn list_builders_expose_their_request() {
        let client = crate::Client::builder()
            .api_token("0123456789012345678901234567890123456789")
            .build()
            .unwrap();
        let req = client
            .contracts()
            .list()
            .state(crate::models::ContractState::Draft)
            .limit(10)
            .offset(20)
            .to_request()
            .unwrap();
        assert_eq!(req.query_value("filter[states]"), Some("draft"));
        assert_eq!(req.query_value("limit"), Some("10"));
        assert_eq!(req.query_value("offset"), Some("20"));
        assert!(client.contracts().list().limit(101).to_request().is_err());
    }
}
