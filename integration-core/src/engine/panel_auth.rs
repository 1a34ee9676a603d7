//! Signing users in to the web panel through SuperOffice (OpenID Connect).
//!
//! The panel runs in SuperOffice's frame, where URL parameters (`sale`, `ctx`, `user`) are
//! hints that anyone can forge. Identity comes from a SuperOffice sign-in into the
//! installation's bound tenant: [`Integration::begin_panel_sign_in`] builds the
//! tenant-specific authorize URL and keeps its state (purpose [`OAuthPurpose::Panel`]), and
//! the one OAuth callback either completes it with
//! [`Integration::complete_panel_sign_in`] or dispatches on the purpose with
//! [`Integration::complete_sign_in`].

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use superoffice_client::auth::{AuthorizeOptions, Prompt};
use superoffice_client::CustomerId;
use url::Url;

use super::{EngineError, Integration, SetupReport};
use crate::store::{InstallationId, OAuthPurpose, PendingOAuth};

/// What the panel knows before sign-in; nothing here is trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct PanelSignInHints {
    /// Pre-fills the SuperID user name (`login_hint`).
    pub login_hint: Option<String>,
    /// "Switch account": show SuperOffice's account chooser again (`prompt=select_account`).
    pub switch_account: bool,
}

impl PanelSignInHints {
    /// No hints.
    pub fn new() -> Self {
        Self::default()
    }

    /// Pre-fills the user name.
    pub fn login_hint(mut self, hint: impl Into<String>) -> Self {
        self.login_hint = Some(hint.into());
        self
    }

    /// Shows the account chooser again.
    pub fn switch_account(mut self, switch: bool) -> Self {
        self.switch_account = switch;
        self
    }
}

/// A user signed in to the panel: checked by SuperOffice's id_token for the installation's
/// bound tenant. `Debug` redacts the access token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PanelUser {
    /// The installation.
    pub installation: InstallationId,
    /// The tenant (`Cust12345`), the installation's bound one.
    pub tenant: String,
    /// The user's associate id in the tenant.
    pub associate_id: i32,
    /// The user's e-mail (lower case; empty when the id_token carries none).
    pub email: String,
    /// Whether the id_token says the user is a SuperOffice administrator.
    pub is_administrator: bool,
    /// The user's SuperOffice access token (act as the user; check admin rights with it).
    pub access_token: SecretString,
    /// When the access token expires.
    pub expires_at: DateTime<Utc>,
}

/// What a completed OAuth callback was for.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SignInOutcome {
    /// An administrator finished setup.
    Setup(SetupReport),
    /// A user signed in to the panel.
    Panel(PanelUser),
}

impl Integration {
    /// Starts a panel user's SuperOffice sign-in for `installation`: returns the
    /// tenant-specific authorize URL (straight into the bound tenant, with SuperOffice's
    /// account chooser when [`PanelSignInHints::switch_account`] is set). The state is kept in
    /// the store with purpose [`OAuthPurpose::Panel`] for 10 minutes.
    ///
    /// [`EngineError::NotConnected`] until setup bound a tenant.
    pub async fn begin_panel_sign_in(
        &self,
        installation: InstallationId,
        hints: PanelSignInHints,
    ) -> Result<Url, EngineError> {
        let current = self.installation(installation).await?;
        let tenant = current
            .tenant
            .ok_or(EngineError::NotConnected(installation))?;
        let customer = CustomerId::parse(&tenant)
            .map_err(|e| EngineError::InvalidInput(format!("tenant {tenant}: {e}")))?;
        let mut options = AuthorizeOptions::new().tenant(customer);
        if let Some(hint) = hints.login_hint.filter(|h| !h.trim().is_empty()) {
            options = options.login_hint(hint);
        }
        if hints.switch_account {
            options = options.prompt(Prompt::SelectAccount);
        }
        let request = self.inner.oidc.authorize_url(options)?;
        let stored: PendingOAuth =
            Self::pending_for_store(&request.pending, installation, OAuthPurpose::Panel)?;
        self.inner.store.put_oauth_state(&stored).await?;
        Ok(request.url)
    }

    /// Completes a panel sign-in from the OAuth callback (its full URL or its query string):
    /// the state must be a panel sign-in's (unused, not expired), the code exchange and
    /// id_token must check out, and the id_token's tenant must be the installation's bound
    /// tenant ([`EngineError::WrongTenant`] otherwise).
    pub async fn complete_panel_sign_in(&self, callback: &str) -> Result<PanelUser, EngineError> {
        let (pending, query) = self.take_callback_state(callback).await?;
        if pending.purpose != OAuthPurpose::Panel {
            return Err(EngineError::UnknownState);
        }
        self.finish_panel_sign_in(pending, &query).await
    }

    /// Completes whichever sign-in the callback's state belongs to: setup
    /// ([`complete_setup`](Self::complete_setup)) or the panel
    /// ([`complete_panel_sign_in`](Self::complete_panel_sign_in)). One redirect URI serves
    /// both.
    pub async fn complete_sign_in(&self, callback: &str) -> Result<SignInOutcome, EngineError> {
        let (pending, query) = self.take_callback_state(callback).await?;
        match pending.purpose {
            OAuthPurpose::Setup => Ok(SignInOutcome::Setup(
                self.finish_setup(pending, &query).await?,
            )),
            OAuthPurpose::Panel => Ok(SignInOutcome::Panel(
                self.finish_panel_sign_in(pending, &query).await?,
            )),
        }
    }

    async fn finish_panel_sign_in(
        &self,
        pending: PendingOAuth,
        query: &str,
    ) -> Result<PanelUser, EngineError> {
        let id = pending.installation;
        let current = self.installation(id).await?;
        let bound = current.tenant.ok_or(EngineError::NotConnected(id))?;
        let rebuilt = Self::rebuild_pending(&pending, Some(&bound))?;
        let session = self.inner.oidc.exchange_callback(&rebuilt, query).await?;
        let claims = &session.claims;
        let actual = claims
            .customer_id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default();
        if !actual.eq_ignore_ascii_case(&bound) {
            return Err(EngineError::WrongTenant {
                expected: bound,
                actual,
            });
        }
        let associate_id = claims.associate_id.ok_or_else(|| {
            EngineError::InvalidInput("the id_token names no associate; sign in as a user".into())
        })?;
        let email = claims
            .email
            .as_deref()
            .or(claims.primary_email.as_deref())
            .unwrap_or("")
            .trim()
            .to_lowercase();
        Ok(PanelUser {
            installation: id,
            tenant: bound,
            associate_id,
            email,
            is_administrator: claims.is_administrator == Some(true),
            access_token: session.tokens.access_token.clone(),
            expires_at: session.tokens.expires_at,
        })
    }
}
