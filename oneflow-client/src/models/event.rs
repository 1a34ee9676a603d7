//! Contract events (audit trail).

use serde::{Deserialize, Serialize};

use super::{timestamp, EventId, EventType, Links, PartyId, Timestamp};

/// The party of an event actor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ActorParty {
    /// Party id.
    #[serde(default)]
    pub id: Option<PartyId>,
    /// Party name.
    #[serde(default)]
    pub name: Option<String>,
}

/// Who caused an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Actor {
    /// Actor id (a participant or user id).
    #[serde(default)]
    pub id: Option<i64>,
    /// Actor name.
    #[serde(default)]
    pub name: Option<String>,
    /// Actor's party.
    #[serde(default)]
    pub party: Option<ActorParty>,
}

/// An event on a contract (`GET /contracts/{id}/events`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContractEvent {
    /// Event id.
    pub id: EventId,
    /// Event type, e.g. `contract:sign`.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When it happened.
    #[serde(default, with = "timestamp::option")]
    pub created_time: Option<Timestamp>,
    /// Who caused it (null for system events).
    #[serde(default)]
    pub actor: Option<Actor>,
    /// Changes and subject (kept as JSON; shape depends on the type).
    #[serde(default)]
    pub data: Option<serde_json::Value>,
    /// Links.
    #[serde(
        default,
        rename = "_links",
        deserialize_with = "super::common::null_as_default"
    )]
    pub links: Links,
}
