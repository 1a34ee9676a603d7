//! Parties and participants as returned on a contract.

use serde::{Deserialize, Serialize};

use super::{
    timestamp, DeliveryChannel, DeliveryStatus, Links, ParticipantId, PartyId, PartyType,
    Permissions, SignMethod, SignState, Timestamp, TwoStepAuthenticationMethod,
};

/// Owner-side bookkeeping on a party.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PartyOwnerside {
    /// Creation time.
    #[serde(default, with = "timestamp::option")]
    pub created_time: Option<Timestamp>,
    /// Last update time.
    #[serde(default, with = "timestamp::option")]
    pub updated_time: Option<Timestamp>,
}

/// A party on a contract: a company (with participants) or an individual.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Party {
    /// Party id.
    pub id: PartyId,
    /// `company` or `individual` (the owner side is always a company).
    #[serde(default, rename = "type")]
    pub party_type: Option<PartyType>,
    /// Company name (1–100 characters).
    #[serde(default)]
    pub name: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[serde(default)]
    pub country_code: Option<String>,
    /// Organisation number (≤ 25 characters).
    #[serde(default)]
    pub identification_number: Option<String>,
    /// True for the owner side (your company).
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub my_party: bool,
    /// Participants of a company party.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub participants: Vec<Participant>,
    /// The person of an individual party.
    #[serde(default)]
    pub participant: Option<Participant>,
    /// Owner-side bookkeeping.
    #[serde(default, rename = "_private_ownerside")]
    pub private_ownerside: Option<PartyOwnerside>,
    /// Links.
    #[serde(
        default,
        rename = "_links",
        deserialize_with = "super::common::null_as_default"
    )]
    pub links: Links,
}

impl Party {
    /// All participants of the party (both the company list and an individual's person).
    pub fn all_participants(&self) -> impl Iterator<Item = &Participant> {
        self.participants.iter().chain(self.participant.iter())
    }
}

/// Owner-side bookkeeping on a participant.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ParticipantOwnerside {
    /// Custom id set by an integration.
    #[serde(default)]
    pub custom_id: Option<String>,
    /// Creation time.
    #[serde(default, with = "timestamp::option")]
    pub created_time: Option<Timestamp>,
    /// Last update time.
    #[serde(default, with = "timestamp::option")]
    pub updated_time: Option<Timestamp>,
    /// First time the participant opened the contract.
    #[serde(default, with = "timestamp::option")]
    pub first_visited_time: Option<Timestamp>,
    /// Last time the participant opened the contract.
    #[serde(default, with = "timestamp::option")]
    pub last_visited_time: Option<Timestamp>,
    /// Number of visits.
    #[serde(default)]
    pub visits: Option<i64>,
}

/// A participant (a person) on a contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Participant {
    /// Participant id.
    pub id: ParticipantId,
    /// Full name.
    #[serde(default)]
    pub name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Phone number (E.164).
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Personal identification number.
    #[serde(default)]
    pub identification_number: Option<String>,
    /// Whether the participant signs.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub signatory: bool,
    /// Whether the participant organises the contract (owner side only).
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub organizer: bool,
    /// Whether this is the acting user.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub my_participant: bool,
    /// Delivery channel.
    #[serde(default)]
    pub delivery_channel: Option<DeliveryChannel>,
    /// Delivery status of the invitation.
    #[serde(default)]
    pub delivery_status: Option<DeliveryStatus>,
    /// Sign method.
    #[serde(default)]
    pub sign_method: Option<SignMethod>,
    /// Signing decision.
    #[serde(default)]
    pub sign_state: Option<SignState>,
    /// When the signing decision changed.
    #[serde(default, with = "timestamp::option")]
    pub sign_state_updated_time: Option<Timestamp>,
    /// Two-step authentication method.
    #[serde(default)]
    pub two_step_authentication_method: Option<TwoStepAuthenticationMethod>,
    /// Permissions, e.g. `contract:update`.
    #[serde(
        default,
        rename = "_permissions",
        deserialize_with = "super::common::null_as_default"
    )]
    pub permissions: Permissions,
    /// Owner-side bookkeeping.
    #[serde(default, rename = "_private_ownerside")]
    pub private_ownerside: Option<ParticipantOwnerside>,
    /// The participant's options (`_options`, an object; kept as sent by Oneflow).
    #[serde(
        default,
        rename = "_options",
        deserialize_with = "super::common::null_as_default"
    )]
    pub options: serde_json::Map<String, serde_json::Value>,
    /// Links.
    #[serde(
        default,
        rename = "_links",
        deserialize_with = "super::common::null_as_default"
    )]
    pub links: Links,
}
