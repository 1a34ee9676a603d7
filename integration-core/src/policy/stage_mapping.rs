//! When a contract changes state, should its SuperOffice Sale close, and how?
//!
//! [`StageMappingPolicy`] is a pure, synchronous function from a [`StageInput`] (the contract
//! whose state changed, the Sale as it is now, the other contracts linked to that Sale and the
//! installation's [`StageMappingSettings`]) to a [`Decision`]. The engine gathers the input,
//! asks the policy, and applies an [`Decision::Update`] with a guarded JSON Patch; a
//! [`Decision::NoChange`] always says why in a [`NoChangeReason`], which the audit log shows.
//!
//! # The default rules ([`DefaultStageMapping`])
//!
//! Checked in this order; the first rule that stops the mapping names the reason:
//!
//! 1. Stage mapping switched off → [`NoChangeReason::MappingDisabled`].
//! 2. **Forward only.** A Sale that is already `Sold` or `Lost` (closed by hand or by an earlier
//!    contract) is never touched → [`NoChangeReason::SaleAlreadyClosed`]. A Sale whose status
//!    we cannot read ([`SaleStatus::Unknown`]) is left alone → [`NoChangeReason::SaleStatusUnknown`].
//! 3. Only two contract states map: `Signed` → Sale `Sold` (won reason, probability 100, won
//!    stage if configured) and `Declined` → Sale `Lost` (lost reason, probability 0, lost stage
//!    if configured). Every other state → [`NoChangeReason::StateNotMapped`]. Nothing ever
//!    reopens a Sale.
//! 4. **Stalled Sales.** A signature closes a `Stalled` Sale as `Sold` (the customer signed, the
//!    deal is won whatever its pipeline state). A decline leaves a `Stalled` Sale stalled
//!    ([`NoChangeReason::SaleStalled`]): someone parked that Sale on purpose and decides its fate.
//! 5. **Several contracts on one Sale**, by [`MultiContractRule`]:
//!    - [`MultiContractRule::LatestContract`] (default): only the most recently created contract
//!      (ties broken by the higher id) moves the Sale → otherwise [`NoChangeReason::NotTheLatestContract`].
//!    - [`MultiContractRule::AllMustSign`]: a signature closes the Sale as won only once every
//!      linked contract is signed → [`NoChangeReason::OtherContractsPending`] while some are
//!      still open, [`NoChangeReason::NotAllSigned`] when some ended without a signature.
//!    - [`MultiContractRule::AnySigned`]: the first signature closes the Sale as won.
//! 6. Under every rule, a decline closes the Sale as lost only when no other linked contract is
//!    still open (draft, pending, overdue) or signed → otherwise
//!    [`NoChangeReason::OtherContractStillPendingOrSigned`].
//!
//! # Example
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use integration_core::policy::stage_mapping::*;
//!
//! let signed_at = Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap();
//! let input = StageInput {
//!     contract: TriggeringContract {
//!         id: 4711,
//!         state: ContractState::Signed,
//!         state_changed_at: signed_at,
//!         created_at: signed_at - chrono::Duration::days(3),
//!     },
//!     sale: SaleSnapshot { status: SaleStatus::Open, stage_id: Some(3), probability: Some(50) },
//!     other_contracts: vec![],
//!     settings: StageMappingSettings { won_reason_id: Some(7), ..StageMappingSettings::default() },
//! };
//! let decision = DefaultStageMapping.decide(&input);
//! match &decision {
//!     Decision::Update(update) => {
//!         assert_eq!(update.status, ClosedStatus::Sold);
//!         assert_eq!(update.reason_id, Some(7));
//!         assert_eq!(update.probability, 100);
//!     }
//!     Decision::NoChange(reason) => panic!("unexpected: {reason}"),
//! }
//! println!("{decision}"); // "close the Sale as Sold (reason 7, probability 100%)"
//! ```

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Decides what a contract's state change does to its Sale. Pure and synchronous: no I/O, no
/// clock; everything it needs is in the [`StageInput`].
///
/// Replace it to change the rules; [`DefaultStageMapping`] documents the defaults.
pub trait StageMappingPolicy: Send + Sync + fmt::Debug {
    /// The decision for one contract state change.
    fn decide(&self, input: &StageInput) -> Decision;
}

/// The state of a Oneflow contract, as far as stage mapping cares.
///
/// The engine maps the client's contract state onto this enum; states this crate does not
/// know go to [`ContractState::Other`] with the raw value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContractState {
    /// Not sent yet.
    Draft,
    /// Sent, waiting for signatures.
    Pending,
    /// Past its signing deadline without all signatures.
    Overdue,
    /// Signed by every signatory.
    Signed,
    /// Declined by a participant.
    Declined,
    /// Withdrawn or cancelled by the sender.
    Cancelled,
    /// A state this crate does not know (kept verbatim).
    Other(String),
}

impl ContractState {
    /// Still in progress: draft, pending or overdue (an overdue contract can get a new deadline).
    pub fn is_open(&self) -> bool {
        matches!(self, Self::Draft | Self::Pending | Self::Overdue)
    }
}

impl fmt::Display for ContractState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Draft => f.write_str("draft"),
            Self::Pending => f.write_str("pending"),
            Self::Overdue => f.write_str("overdue"),
            Self::Signed => f.write_str("signed"),
            Self::Declined => f.write_str("declined"),
            Self::Cancelled => f.write_str("cancelled"),
            Self::Other(raw) => write!(f, "in an unrecognised state (\"{raw}\")"),
        }
    }
}

/// The status of a SuperOffice Sale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SaleStatus {
    /// In progress.
    Open,
    /// Closed as won.
    Sold,
    /// Closed as lost.
    Lost,
    /// Put on hold.
    Stalled,
    /// SuperOffice's own `Unknown` value, or one this crate cannot read.
    Unknown,
}

impl fmt::Display for SaleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Open => "Open",
            Self::Sold => "Sold",
            Self::Lost => "Lost",
            Self::Stalled => "Stalled",
            Self::Unknown => "Unknown",
        })
    }
}

/// How several contracts linked to one Sale decide it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MultiContractRule {
    /// Only the most recently created contract moves the Sale (the default).
    #[default]
    LatestContract,
    /// The Sale is won only once every linked contract is signed.
    AllMustSign,
    /// The first signed contract wins the Sale.
    AnySigned,
}

/// Stage-mapping settings of one installation (changed only by a SuperOffice admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StageMappingSettings {
    /// The toggle: `false` means contracts never touch Sales.
    pub stage_mapping_enabled: bool,
    /// How several contracts on one Sale decide it.
    pub multi_contract_rule: MultiContractRule,
    /// SuperOffice reason id written when a Sale is won (`None`: leave the reason empty).
    pub won_reason_id: Option<i32>,
    /// SuperOffice reason id written when a Sale is lost (`None`: leave the reason empty).
    pub lost_reason_id: Option<i32>,
    /// Sale stage (`Rating`) id to move a won Sale to, if any.
    pub won_stage_id: Option<i32>,
    /// Sale stage (`Rating`) id to move a lost Sale to, if any.
    pub lost_stage_id: Option<i32>,
}

impl Default for StageMappingSettings {
    /// Mapping on, [`MultiContractRule::LatestContract`], no reasons and no stages configured.
    fn default() -> Self {
        Self {
            stage_mapping_enabled: true,
            multi_contract_rule: MultiContractRule::LatestContract,
            won_reason_id: None,
            lost_reason_id: None,
            won_stage_id: None,
            lost_stage_id: None,
        }
    }
}

/// The contract whose state change triggered the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggeringContract {
    /// Oneflow contract id.
    pub id: i64,
    /// Its state now (re-read from Oneflow, not taken from the webhook payload).
    pub state: ContractState,
    /// When it entered that state; becomes the Sale's `completed` date.
    pub state_changed_at: DateTime<Utc>,
    /// When the contract was created (orders contracts for [`MultiContractRule::LatestContract`]).
    pub created_at: DateTime<Utc>,
}

/// Another contract linked to the same Sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedContract {
    /// Oneflow contract id.
    pub id: i64,
    /// Its current state.
    pub state: ContractState,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// The Sale as SuperOffice holds it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleSnapshot {
    /// Current status.
    pub status: SaleStatus,
    /// Current stage (`Rating`) id, if any.
    pub stage_id: Option<i32>,
    /// Current probability in percent, if any.
    pub probability: Option<i32>,
}

/// Everything the policy looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageInput {
    /// The contract whose state changed.
    pub contract: TriggeringContract,
    /// The Sale it is linked to.
    pub sale: SaleSnapshot,
    /// The other contracts linked to the Sale (an entry with the triggering contract's id is
    /// ignored).
    pub other_contracts: Vec<LinkedContract>,
    /// The installation's settings.
    pub settings: StageMappingSettings,
}

/// The status a Sale is closed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedStatus {
    /// Won.
    Sold,
    /// Lost.
    Lost,
}

impl fmt::Display for ClosedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sold => "Sold",
            Self::Lost => "Lost",
        })
    }
}

/// The change to write to the Sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleUpdate {
    /// New status.
    pub status: ClosedStatus,
    /// Reason id to write (`None`: leave the reason as it is).
    pub reason_id: Option<i32>,
    /// New probability: 100 when won, 0 when lost.
    pub probability: u8,
    /// Stage id to move to (`None`: keep the current stage).
    pub stage_id: Option<i32>,
    /// The Sale's completed date: when the contract was signed or declined.
    pub completed: DateTime<Utc>,
}

impl fmt::Display for SaleUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "close the Sale as {} (", self.status)?;
        if let Some(reason) = self.reason_id {
            write!(f, "reason {reason}, ")?;
        }
        write!(f, "probability {}%", self.probability)?;
        if let Some(stage) = self.stage_id {
            write!(f, ", stage {stage}")?;
        }
        f.write_str(")")
    }
}

/// Why a contract state change leaves the Sale as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
#[non_exhaustive]
pub enum NoChangeReason {
    /// Stage mapping is switched off for this installation.
    MappingDisabled,
    /// The Sale is already closed (by hand or by an earlier contract); mapping never overrides it.
    SaleAlreadyClosed {
        /// Its status.
        status: SaleStatus,
    },
    /// SuperOffice reports the Sale's status as unknown; nothing is written blindly.
    SaleStatusUnknown,
    /// The contract's state does not close a Sale (only signed and declined do).
    StateNotMapped {
        /// The contract's state.
        state: ContractState,
    },
    /// A declined contract leaves a stalled Sale stalled.
    SaleStalled,
    /// Under [`MultiContractRule::LatestContract`], a newer contract on the Sale decides it.
    NotTheLatestContract {
        /// The newest contract linked to the Sale.
        latest_contract_id: i64,
    },
    /// Under [`MultiContractRule::AllMustSign`], other contracts are still open.
    OtherContractsPending {
        /// The open contracts.
        contract_ids: Vec<i64>,
    },
    /// Under [`MultiContractRule::AllMustSign`], other contracts ended without a signature.
    NotAllSigned {
        /// The contracts that will never be signed.
        contract_ids: Vec<i64>,
    },
    /// A decline closes the Sale as lost only when no other contract is open or signed.
    OtherContractStillPendingOrSigned {
        /// The open or signed contracts.
        contract_ids: Vec<i64>,
    },
}

fn write_ids(f: &mut fmt::Formatter<'_>, ids: &[i64]) -> fmt::Result {
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{id}")?;
    }
    Ok(())
}

impl fmt::Display for NoChangeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MappingDisabled => f.write_str("stage mapping is switched off"),
            Self::SaleAlreadyClosed { status } => write!(
                f,
                "the Sale is already closed as {status}; stage mapping never overrides a closed Sale"
            ),
            Self::SaleStatusUnknown => {
                f.write_str("the Sale's status is unknown, so it is left as it is")
            }
            Self::StateNotMapped { state } => {
                write!(f, "the contract is {state}, which does not close a Sale")
            }
            Self::SaleStalled => f.write_str("a declined contract leaves a stalled Sale stalled"),
            Self::NotTheLatestContract { latest_contract_id } => write!(
                f,
                "a newer contract ({latest_contract_id}) on the Sale decides it"
            ),
            Self::OtherContractsPending { contract_ids } => {
                f.write_str("all contracts must be signed and these are still open: ")?;
                write_ids(f, contract_ids)
            }
            Self::NotAllSigned { contract_ids } => {
                f.write_str("all contracts must be signed and these never will be: ")?;
                write_ids(f, contract_ids)
            }
            Self::OtherContractStillPendingOrSigned { contract_ids } => {
                f.write_str("the Sale stays open while other contracts are open or signed: ")?;
                write_ids(f, contract_ids)
            }
        }
    }
}

/// What the policy decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Write this change to the Sale.
    Update(SaleUpdate),
    /// Leave the Sale as it is, for this reason.
    NoChange(NoChangeReason),
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Update(update) => update.fmt(f),
            Self::NoChange(reason) => write!(f, "no change: {reason}"),
        }
    }
}

/// The documented default rules (see the [module documentation](self)).
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultStageMapping;

impl DefaultStageMapping {
    fn won(input: &StageInput) -> Decision {
        Decision::Update(SaleUpdate {
            status: ClosedStatus::Sold,
            reason_id: input.settings.won_reason_id,
            probability: 100,
            stage_id: input.settings.won_stage_id,
            completed: input.contract.state_changed_at,
        })
    }

    fn lost(input: &StageInput) -> Decision {
        Decision::Update(SaleUpdate {
            status: ClosedStatus::Lost,
            reason_id: input.settings.lost_reason_id,
            probability: 0,
            stage_id: input.settings.lost_stage_id,
            completed: input.contract.state_changed_at,
        })
    }
}

impl StageMappingPolicy for DefaultStageMapping {
    fn decide(&self, input: &StageInput) -> Decision {
        use NoChangeReason as R;
        let no_change = Decision::NoChange;

        if !input.settings.stage_mapping_enabled {
            return no_change(R::MappingDisabled);
        }
        match input.sale.status {
            status @ (SaleStatus::Sold | SaleStatus::Lost) => {
                return no_change(R::SaleAlreadyClosed { status })
            }
            SaleStatus::Unknown => return no_change(R::SaleStatusUnknown),
            SaleStatus::Open | SaleStatus::Stalled => {}
        }
        let signed = match &input.contract.state {
            ContractState::Signed => true,
            ContractState::Declined => false,
            state => {
                return no_change(R::StateNotMapped {
                    state: state.clone(),
                })
            }
        };
        if !signed && input.sale.status == SaleStatus::Stalled {
            return no_change(R::SaleStalled);
        }

        let me = &input.contract;
        let others: Vec<&LinkedContract> = input
            .other_contracts
            .iter()
            .filter(|other| other.id != me.id)
            .collect();

        if input.settings.multi_contract_rule == MultiContractRule::LatestContract {
            let newest = others
                .iter()
                .filter(|other| (other.created_at, other.id) > (me.created_at, me.id))
                .max_by_key(|other| (other.created_at, other.id));
            if let Some(newest) = newest {
                return no_change(R::NotTheLatestContract {
                    latest_contract_id: newest.id,
                });
            }
        }

        if signed {
            if input.settings.multi_contract_rule == MultiContractRule::AllMustSign {
                let open: Vec<i64> = others
                    .iter()
                    .filter(|other| other.state.is_open())
                    .map(|other| other.id)
                    .collect();
                if !open.is_empty() {
                    return no_change(R::OtherContractsPending { contract_ids: open });
                }
                let never: Vec<i64> = others
                    .iter()
                    .filter(|other| other.state != ContractState::Signed)
                    .map(|other| other.id)
                    .collect();
                if !never.is_empty() {
                    return no_change(R::NotAllSigned {
                        contract_ids: never,
                    });
                }
            }
            return Self::won(input);
        }

        let blocking: Vec<i64> = others
            .iter()
            .filter(|other| other.state.is_open() || other.state == ContractState::Signed)
            .map(|other| other.id)
            .collect();
        if !blocking.is_empty() {
            return no_change(R::OtherContractStillPendingOrSigned {
                contract_ids: blocking,
            });
        }
        Self::lost(input)
    }
}

#[cfg(test)]
mod tests;
