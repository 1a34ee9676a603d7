use crate::store::{InstallationId, StoreError};

/// An error from the [`Integration`](super::Integration) engine.
///
/// Never contains secret values (tokens, sign keys, webhook secrets); the variants say what
/// the admin or the host can do next.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// No installation with this id: register the Oneflow account first
    /// ([`Integration::register_oneflow_account`](super::Integration::register_oneflow_account)).
    #[error("installation {0} does not exist; register the Oneflow account first")]
    UnknownInstallation(InstallationId),
    /// The installation has no connected SuperOffice tenant yet: finish setup first.
    #[error("installation {0} is not connected to SuperOffice yet; finish setup first")]
    NotConnected(InstallationId),
    /// The installation was uninstalled; register the account again to start over.
    #[error("installation {0} was uninstalled; register the Oneflow account again to start over")]
    Uninstalled(InstallationId),
    /// The Oneflow API token was refused by Oneflow (`accounts/me`).
    #[error(
        "Oneflow refused the API token; copy a valid token from the Oneflow account's API settings"
    )]
    InvalidOneflowToken,
    /// The OAuth callback's `state` is unknown, was used already or expired: start setup again.
    #[error("the sign-in is unknown, already used or expired; start setup again")]
    UnknownState,
    /// The person who signed in to SuperOffice is not an administrator of the tenant.
    #[error(
        "the SuperOffice user is not an administrator; sign in as a SuperOffice administrator"
    )]
    NotSuperOfficeAdmin,
    /// The e-mail of the SuperOffice sign-in is not an active Oneflow admin of the account.
    #[error(
        "{email} is not an active administrator of the Oneflow account; \
         sign in with an account that is administrator in both systems"
    )]
    NotOneflowAdmin {
        /// The e-mail from the SuperOffice id_token.
        email: String,
    },
    /// The SuperOffice sign-in used another e-mail than the admin who started setup.
    #[error(
        "setup was started by {expected} but SuperOffice signed in {actual}; \
         sign in to SuperOffice with the same e-mail as in Oneflow"
    )]
    EmailMismatch {
        /// The e-mail setup was started with.
        expected: String,
        /// The e-mail in the id_token (empty when it carries none).
        actual: String,
    },
    /// The installation is bound to another SuperOffice tenant already.
    #[error(
        "this Oneflow account is already connected to SuperOffice tenant {bound}; \
         uninstall before connecting another tenant"
    )]
    TenantAlreadyBound {
        /// The tenant it is bound to.
        bound: String,
    },
    /// The SuperOffice tenant belongs to another installation (another Oneflow account).
    #[error(
        "SuperOffice tenant {tenant} is already connected to Oneflow account {installation}; \
         uninstall it there first"
    )]
    TenantInUse {
        /// The tenant.
        tenant: String,
        /// The installation holding it.
        installation: InstallationId,
    },
    /// A panel sign-in landed in another SuperOffice tenant than the installation's.
    #[error(
        "you signed in to SuperOffice tenant {actual}, but this panel belongs to {expected}; \
         switch account and sign in to {expected}"
    )]
    WrongTenant {
        /// The installation's bound tenant.
        expected: String,
        /// The tenant of the sign-in (empty when the id_token names none).
        actual: String,
    },
    /// A webhook delivery failed verification: answer 401 and do nothing.
    #[error("the webhook delivery failed verification: {reason}")]
    BadSignature {
        /// Why (never the expected signature).
        reason: String,
    },
    /// The contract choices cannot make a contract; every problem names its form field and
    /// says what to change. Nothing was sent.
    #[error("the contract choices need changes: {0}")]
    InvalidChoices(crate::policy::contract_factory::InvalidChoices),
    /// A request budget shared through the store is used up for now; try again after
    /// `retry_after`.
    #[error("the shared request budget {key} is used up; try again in {}s", retry_after.as_secs())]
    BudgetExhausted {
        /// The budget, e.g. `superoffice:Cust12345`.
        key: String,
        /// How long until the next window.
        retry_after: std::time::Duration,
    },
    /// The request cannot work as given; the text says what to change.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The engine's configuration is incomplete or wrong.
    #[error("configuration error: {0}")]
    Config(String),
    /// A call to Oneflow failed.
    #[error("Oneflow request failed")]
    Oneflow(#[from] oneflow_client::Error),
    /// A call to SuperOffice failed.
    #[error("SuperOffice request failed")]
    SuperOffice(#[from] superoffice_client::Error),
    /// The store failed.
    #[error("store error")]
    Store(#[source] StoreError),
}

impl From<StoreError> for EngineError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::TenantAlreadyBound { bound, .. } => Self::TenantAlreadyBound { bound },
            StoreError::TenantInUse {
                tenant,
                installation,
            } => Self::TenantInUse {
                tenant,
                installation,
            },
            other => Self::Store(other),
        }
    }
}

impl From<superoffice_client::AuthError> for EngineError {
    fn from(error: superoffice_client::AuthError) -> Self {
        Self::SuperOffice(error.into())
    }
}

impl From<superoffice_client::api::PanelUrlError> for EngineError {
    fn from(error: superoffice_client::api::PanelUrlError) -> Self {
        Self::Config(format!("panel URL: {error}"))
    }
}

impl EngineError {
    /// Whether trying again later may succeed (network trouble, rate limits, 5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Oneflow(e) => {
                e.is_retryable()
                    || e.retry_after().is_some()
                    || matches!(
                        e,
                        oneflow_client::Error::RateLimited { .. }
                            | oneflow_client::Error::Transport(_)
                    )
            }
            Self::SuperOffice(e) => {
                e.is_retryable()
                    || e.retry_after().is_some()
                    || matches!(e, superoffice_client::Error::Transport(_))
            }
            Self::Store(_) | Self::BudgetExhausted { .. } => true,
            _ => false,
        }
    }

    /// How long the server asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            Self::Oneflow(e) => e.retry_after(),
            Self::SuperOffice(e) => e.retry_after(),
            Self::BudgetExhausted { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}
