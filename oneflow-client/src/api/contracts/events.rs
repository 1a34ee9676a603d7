//! Contract events.

use crate::client::Client;
use crate::error::Result;
use crate::models::{ContractEvent, ContractId, EventId};
use crate::pagination::{list_methods, Paging};
use crate::request::ApiRequest;

/// Event endpoints of one contract; from [`ContractsHandler::events`](super::ContractsHandler::events).
#[derive(Debug, Clone)]
#[must_use]
pub struct EventsHandler {
    client: Client,
    contract: ContractId,
}

impl EventsHandler {
    pub(crate) fn new(client: Client, contract: ContractId) -> Self {
        EventsHandler { client, contract }
    }

    /// Lists the contract's events (paginated).
    pub fn list(&self) -> ListEvents {
        ListEvents {
            client: self.client.clone(),
            paging: Paging::default(),
            contract: self.contract,
        }
    }

    /// One event (webhooks carry only ids and types; details are here).
    pub async fn get(&self, event: EventId) -> Result<ContractEvent> {
        let c = self.contract;
        self.client
            .execute(ApiRequest::get(
                "contracts/{id}/events/{event_id}",
                ["contracts", &c.to_string(), "events", &event.to_string()],
            ))
            .await
    }
}

/// Builder for `GET /contracts/{id}/events`.
#[derive(Debug, Clone)]
#[must_use]
pub struct ListEvents {
    client: Client,
    paging: Paging,
    contract: ContractId,
}

impl ListEvents {
    fn base_request(&self) -> Result<ApiRequest> {
        Ok(ApiRequest::get(
            "contracts/{id}/events",
            ["contracts", &self.contract.to_string(), "events"],
        ))
    }
}

list_methods!(ListEvents, ContractEvent);
