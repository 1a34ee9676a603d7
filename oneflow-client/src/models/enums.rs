//! Enumerations sent by the server. Every enum keeps values it does not know in an
//! `Other(String)` variant, so a value Oneflow adds later never breaks decoding.
//!
//! Each enum has the same surface (shared with `superoffice-client`): `as_str()`,
//! `from_wire(&str)`, `KNOWN` (every named variant), `is_other()`, `Display`, `From<&str>`
//! and serde both ways as the wire string.

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version of the crate does not know (kept verbatim).
            Other(String),
        }

        impl $name {
            /// The wire value.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Other(s) => s.as_str(),
                }
            }

            /// Parses a wire value; unseen values become `Other`.
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $($wire => $name::$variant,)*
                    other => $name::Other(other.to_owned()),
                }
            }

            /// Every value this version of the crate knows, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant,)*];

            /// Whether this is a value the crate does not know (`Other`).
            pub fn is_other(&self) -> bool {
                matches!(self, $name::Other(_))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::from_wire(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
                Ok(Self::from_wire(&s))
            }
        }
    };
}

string_enum! {
    /// Signing state of a contract (`state`).
    ContractState {
        /// Not yet sent for signing.
        Draft = "draft",
        /// Sent, awaiting signatures.
        Pending = "pending",
        /// The signing period expired (formerly "expired").
        Overdue = "overdue",
        /// Signed by everyone.
        Signed = "signed",
        /// Declined by a participant.
        Declined = "declined",
    }
}

string_enum! {
    /// How a participant receives the contract (`delivery_channel`).
    DeliveryChannel {
        /// By e-mail.
        Email = "email",
        /// By text message.
        Sms = "sms",
        /// Signs on the same device as the sender.
        SameDevice = "same_device",
        /// Not delivered.
        None = "none",
        /// By e-mail and text message.
        EmailAndSms = "email_and_sms",
    }
}

string_enum! {
    /// Delivery status of the invitation to a participant (`delivery_status`).
    DeliveryStatus {
        /// Not sent yet.
        NotSent = "not_sent",
        /// Being delivered.
        Pending = "pending",
        /// Delivery failed.
        Failure = "failure",
        /// Bounced.
        Bounce = "bounce",
        /// Delivered.
        Success = "success",
        /// Opened by the participant.
        Opened = "opened",
    }
}

string_enum! {
    /// How a participant signs (`sign_method`).
    SignMethod {
        /// Click-to-sign e-signature.
        StandardEsign = "standard_esign",
        /// SMS verification.
        Sms = "sms",
        /// Swedish BankID.
        SwedishBankid = "swedish_bankid",
        /// Norwegian BankID.
        NorwegianBankid = "norwegian_bankid",
        /// Danish NemID.
        DanishNemid = "danish_nemid",
        /// Finnish BankID.
        FinnishBankid = "finnish_bankid",
        /// Handwritten signature.
        HandwrittenSignature = "handwritten_signature",
        /// Generic eID.
        EidSign = "eid_sign",
    }
}

string_enum! {
    /// A participant's signing decision (`sign_state`).
    SignState {
        /// Not decided yet.
        Undecided = "undecided",
        /// Signed.
        Signed = "signed",
        /// Declined.
        Declined = "declined",
    }
}

string_enum! {
    /// Two-step authentication before a participant can open the contract.
    TwoStepAuthenticationMethod {
        /// Code by e-mail.
        Email = "email",
        /// Code by SMS.
        Sms = "sms",
        /// No second step.
        None = "none",
    }
}

string_enum! {
    /// Lifecycle state of a contract (`lifecycle_state.lifecycle_state`).
    LifecycleStateKind {
        /// Signed, not started yet.
        Awaiting = "awaiting",
        /// Running.
        Active = "active",
        /// Ended.
        Ended = "ended",
    }
}

string_enum! {
    /// Lifecycle settings type (`lifecycle_settings.type`).
    LifecycleType {
        /// No duration.
        NoDuration = "no_duration",
        /// One period.
        SinglePeriod = "single_period",
        /// Recurring periods.
        Recurring = "recurring",
        /// An initial period followed by recurring ones.
        RecurringTwoPeriods = "recurring_two_periods",
    }
}

string_enum! {
    /// Kind of party (`type`).
    PartyType {
        /// A company, with participants.
        Company = "company",
        /// A private person (formerly "consumer").
        Individual = "individual",
    }
}

string_enum! {
    /// Kind of contract file (`type`).
    FileType {
        /// The whole contract as PDF (always id 1).
        Contract = "contract",
        /// The verification document (legacy, id 2).
        Verification = "verification",
        /// An uploaded expanded PDF.
        Pdf = "pdf",
        /// An attachment.
        Attachment = "attachment",
    }
}

string_enum! {
    /// State of a user account (`state`).
    UserState {
        /// Registered user.
        Registered = "registered",
    }
}

string_enum! {
    /// Source of a data field (`source`).
    DataFieldSource {
        /// Set by users.
        User = "user",
        /// Owned by an extension; updates are silently ignored.
        System = "system",
    }
}

string_enum! {
    /// Rule type in a webhook filter.
    WebhookFilterRuleType {
        /// Values are event types (`contract:sign`, …).
        EventType = "EVENT_TYPE",
        /// Values are workspace ids.
        Workspace = "WORKSPACE",
    }
}

string_enum! {
    /// Type of a contract event or webhook event (`subject[:attribute]:verb`).
    EventType {
        /// Contract created. Not in Oneflow's webhook-type list (seen only in third-party
        /// code); kept so such a value still reads, but do not filter on it.
        ContractCreate = "contract:create",
        /// Content changed after sending.
        ContractContentUpdate = "contract:content_update",
        /// Declined.
        ContractDecline = "contract:decline",
        /// Deleted.
        ContractDelete = "contract:delete",
        /// Published (draft → pending).
        ContractPublish = "contract:publish",
        /// Signed by all (→ signed).
        ContractSign = "contract:sign",
        /// Signatures were reset after edits.
        ContractSignatureReset = "contract:signature_reset",
        /// Signing period expired (→ overdue).
        ContractSigningPeriodExpire = "contract:signing_period_expire",
        /// Signing period revived.
        ContractSigningPeriodRevive = "contract:signing_period_revive",
        /// Lifecycle started.
        ContractLifecycleStart = "contract:lifecycle_state:start",
        /// New lifecycle period.
        ContractLifecycleNewPeriod = "contract:lifecycle_state:new_period",
        /// Lifecycle canceled.
        ContractLifecycleCancel = "contract:lifecycle_state:cancel",
        /// Lifecycle ended.
        ContractLifecycleEnd = "contract:lifecycle_state:end",
        /// Lifecycle terminated.
        ContractLifecycleTerminate = "contract:lifecycle_state:terminate",
        /// Participant added.
        ParticipantCreate = "participant:create",
        /// Participant removed.
        ParticipantDelete = "participant:delete",
        /// Participant opened the contract for the first time.
        ParticipantFirstVisit = "participant:first_visit",
        /// Participant signed.
        ParticipantSign = "participant:sign",
        /// Participant declined.
        ParticipantDecline = "participant:decline",
        /// A data field changed.
        DataFieldUpdate = "data_field:update",
        /// Party removed.
        PartyDelete = "party:delete",
        /// Product added.
        ProductCreate = "product:create",
        /// Product changed.
        ProductUpdate = "product:update",
        /// Product removed.
        ProductDelete = "product:delete",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_values() {
        let s: ContractState = serde_json::from_str("\"signed\"").unwrap();
        assert_eq!(s, ContractState::Signed);
        let s: ContractState = serde_json::from_str("\"archived\"").unwrap();
        assert_eq!(s, ContractState::Other("archived".into()));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"archived\"");
        let e: EventType = serde_json::from_str("\"contract:lifecycle_state:end\"").unwrap();
        assert_eq!(e, EventType::ContractLifecycleEnd);
    }

    /// For every server enum: an unseen wire value decodes into `Other` and encodes back
    /// unchanged, and every `KNOWN` value round-trips through its wire string.
    macro_rules! check_enum {
        ($($name:ident),* $(,)?) => {$({
            let unseen: $name = serde_json::from_str("\"added_by_oneflow_later\"").unwrap();
            assert_eq!(unseen, $name::Other("added_by_oneflow_later".into()), stringify!($name));
            assert!(unseen.is_other());
            assert_eq!(serde_json::to_string(&unseen).unwrap(), "\"added_by_oneflow_later\"");
            assert!(!$name::KNOWN.is_empty(), stringify!($name));
            for known in $name::KNOWN {
                assert!(!known.is_other());
                assert_eq!(&$name::from_wire(known.as_str()), known);
                assert_eq!(&$name::from(known.to_string().as_str()), known);
                let json = serde_json::to_string(known).unwrap();
                assert_eq!(&serde_json::from_str::<$name>(&json).unwrap(), known);
            }
        })*};
    }

    #[test]
    fn every_enum_keeps_unseen_values() {
        check_enum!(
            ContractState,
            DeliveryChannel,
            DeliveryStatus,
            SignMethod,
            SignState,
            TwoStepAuthenticationMethod,
            LifecycleStateKind,
            LifecycleType,
            PartyType,
            FileType,
            UserState,
            DataFieldSource,
            WebhookFilterRuleType,
            EventType,
        );
    }

    #[test]
    fn known_lists_every_named_variant() {
        assert_eq!(
            ContractState::KNOWN,
            &[
                ContractState::Draft,
                ContractState::Pending,
                ContractState::Overdue,
                ContractState::Signed,
                ContractState::Declined,
            ]
        );
    }
}
