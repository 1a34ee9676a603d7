//! What a template (and a contract made from it) accepts.

use serde::{Deserialize, Serialize};

use super::{DeliveryChannel, SignMethod, TwoStepAuthenticationMethod};

/// One offered option (delivery channel, sign method or 2FA method).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OfferedOption<T> {
    /// The option's value.
    pub name: T,
    /// Whether it is the template's preferred choice.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub preferred: bool,
    /// Participant attributes this option needs (e.g. `email`, `phone_number`).
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub required_participant_attributes: Vec<String>,
}

/// `available_options` on templates and contracts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AvailableOptions {
    /// The template has an "Attachments" section.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub can_receive_attachments: bool,
    /// The template has a "PDF document" section (expanded PDF).
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub can_receive_expanded_pdf: bool,
    /// The template has a product table.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub can_receive_products: bool,
    /// Delivery channels allowed for participants.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub delivery_channels: Vec<OfferedOption<DeliveryChannel>>,
    /// Sign methods allowed.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub sign_methods: Vec<OfferedOption<SignMethod>>,
    /// Two-step authentication methods allowed.
    #[serde(default, deserialize_with = "super::common::null_as_default")]
    pub two_step_authentication_methods: Vec<OfferedOption<TwoStepAuthenticationMethod>>,
}
