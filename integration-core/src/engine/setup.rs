//! Registering an account, connecting SuperOffice, provisioning, and taking it all down.

use futures::TryStreamExt;
use oneflow_client::api::webhooks::WebhookDraft;
use oneflow_client::models::{DataFieldDefinition, EventType, WebhookFilter, WebhookFilterRule};
use secrecy::{ExposeSecret, SecretString};
use superoffice_client::api::{PanelUrl, TemplateVariable};
use superoffice_client::auth::{AuthorizeOptions, PendingAuthorization, PENDING_SIGN_IN_LIFETIME};
use superoffice_client::models::{
    SelectableMdoListItem, VisibleIn, WebPanelEntity, WebPanelId, Webhook, WebhookId, WebhookSecret,
};
use superoffice_client::tenant::flush_url_from_base;
use url::Url;

use super::{random_secret, track_mapping, EngineError, Integration};
use crate::policy::template_filter::{SUPEROFFICE_EXTENSION_TYPE, SUPEROFFICE_TEMPLATE_TYPE_NAME};
use crate::store::{
    Installation, InstallationId, InstallationState, OAuthPurpose, PendingOAuth, SecretKind,
};

/// The Oneflow events the integration subscribes to.
const ONEFLOW_EVENTS: [EventType; 3] = [
    EventType::ContractPublish,
    EventType::ContractSign,
    EventType::ContractDecline,
];
/// The SuperOffice events the integration subscribes to.
const SUPEROFFICE_EVENTS: [&str; 2] = ["sale.changed", "sale.deleted"];

/// What setup did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SetupReport {
    /// The installation.
    pub installation: InstallationId,
    /// The bound tenant.
    pub tenant: String,
    /// The admin (the same e-mail in both systems).
    pub admin_email: String,
    /// The web panel's id.
    pub panel_id: i32,
    /// Whether the panel was created now (false: found by its ProgId and kept).
    pub panel_created: bool,
    /// If the panel does not show, a General Administrator opens this URL.
    pub flush_url: Url,
    /// Link data fields added to the "SuperOffice" template type now.
    pub data_fields_added: Vec<String>,
    /// Link data fields the admin must add by hand (empty when all are there).
    pub data_fields_missing: Vec<String>,
    /// The Oneflow webhook's id.
    pub oneflow_webhook_id: i64,
    /// The SuperOffice webhook's id.
    pub superoffice_webhook_id: i32,
    /// Whether background work runs as the tenant's system user (else on the admin's tokens).
    pub system_user: bool,
}

impl Integration {
    /// Registers a Oneflow account by its API token: checks the token against
    /// `accounts/me`, creates the installation (keyed by the account id) and keeps the token
    /// as a secret. Registering again replaces the token.
    pub async fn register_oneflow_account(
        &self,
        api_token: impl Into<String>,
    ) -> Result<Installation, EngineError> {
        let token = SecretString::from(api_token.into());
        let client = self.build_oneflow(token.clone())?;
        let account = match client.account().me().await {
            Ok(account) => account,
            Err(e) if matches!(e.status().map(|s| s.as_u16()), Some(401 | 403)) => {
                return Err(EngineError::InvalidOneflowToken)
            }
            Err(e) => return Err(e.into()),
        };
        let id = InstallationId::new(account.id.get());
        let store = &self.inner.store;
        let now = self.now();
        let mut installation = store.create_installation(id, now).await?;
        if installation.state == InstallationState::Uninstalled {
            installation = store
                .set_installation_state(id, InstallationState::PendingSetup, now)
                .await?;
        }
        store
            .put_secret(id, &SecretKind::OneflowApiToken, &token, now)
            .await?;
        self.forget_clients(id);
        self.audit(id, "register", "Oneflow account registered", None)
            .await?;
        Ok(installation)
    }

    /// Starts the SuperOffice sign-in of `admin_email` (who must be admin in both systems):
    /// returns the authorize URL to send the browser to. The state is bound to the
    /// installation in the store (with PKCE and a nonce) for 10 minutes.
    pub async fn begin_setup(
        &self,
        installation: InstallationId,
        admin_email: &str,
    ) -> Result<Url, EngineError> {
        self.installation(installation).await?;
        let email = admin_email.trim().to_lowercase();
        if email.is_empty() || !email.contains('@') {
            return Err(EngineError::InvalidInput(
                "the admin's e-mail address is needed to start setup".into(),
            ));
        }
        let request = self
            .inner
            .oidc
            .authorize_url(AuthorizeOptions::new().login_hint(email.clone()))?;
        let stored = Self::pending_for_store(&request.pending, installation, OAuthPurpose::Setup)?;
        self.inner.store.put_oauth_state(&stored).await?;
        self.update_doc(installation, |doc| {
            doc.connection.pending_admin_email = Some(email.clone());
        })
        .await?;
        Ok(request.url)
    }

    /// Completes setup from the OAuth callback (its full URL or just its query string).
    ///
    /// Checks, in order: the state (bound to an installation, unused, not expired), the code
    /// exchange and id_token, a SuperOffice administrator, the same e-mail as the admin who
    /// started setup, an active Oneflow admin with that e-mail; then binds the tenant, stores
    /// the tokens and provisions panel, link fields and both webhooks. Safe to re-run.
    pub async fn complete_setup(&self, callback: &str) -> Result<SetupReport, EngineError> {
        let (pending, query) = self.take_callback_state(callback).await?;
        if pending.purpose != OAuthPurpose::Setup {
            return Err(EngineError::UnknownState);
        }
        self.finish_setup(pending, &query).await
    }

    /// Takes the pending sign-in named by the callback's `state` out of the store; returns it
    /// with the callback's query string.
    pub(super) async fn take_callback_state(
        &self,
        callback: &str,
    ) -> Result<(PendingOAuth, String), EngineError> {
        let query = match Url::parse(callback) {
            Ok(url) => url.query().unwrap_or("").to_owned(),
            Err(_) => callback.trim_start_matches('?').to_owned(),
        };
        let state = url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == "state")
            .map(|(_, v)| v.into_owned())
            .ok_or(EngineError::UnknownState)?;
        let pending = self
            .inner
            .store
            .take_oauth_state(&state, self.now())
            .await?
            .ok_or(EngineError::UnknownState)?;
        Ok((pending, query))
    }

    /// Rebuilds the client's pending sign-in from its stored parts.
    pub(super) fn rebuild_pending(
        pending: &PendingOAuth,
        tenant: Option<&str>,
    ) -> Result<PendingAuthorization, EngineError> {
        serde_json::from_value(serde_json::json!({
            "state": pending.state,
            "pkce_verifier": pending.pkce_verifier.expose_secret(),
            "nonce": pending.nonce,
            "tenant": tenant,
            "created_at": pending.expires_at - PENDING_SIGN_IN_LIFETIME,
        }))
        .map_err(|e| EngineError::Config(format!("pending sign-in: {e}")))
    }

    /// Splits a started login into what the store keeps.
    pub(super) fn pending_for_store(
        request_pending: &PendingAuthorization,
        installation: InstallationId,
        purpose: OAuthPurpose,
    ) -> Result<PendingOAuth, EngineError> {
        // The pending sign-in is opaque; its serialised form carries what we must keep.
        let pending = serde_json::to_value(request_pending)
            .map_err(|e| EngineError::Config(format!("pending sign-in: {e}")))?;
        let field = |name: &str| {
            pending
                .get(name)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .ok_or_else(|| EngineError::Config(format!("pending sign-in lacks {name}")))
        };
        Ok(PendingOAuth::new(
            request_pending.state(),
            installation,
            SecretString::from(field("pkce_verifier")?),
            field("nonce")?,
            request_pending.created_at() + PENDING_SIGN_IN_LIFETIME,
        )
        .purpose(purpose))
    }

    /// Setup after its state was taken.
    pub(super) async fn finish_setup(
        &self,
        pending: PendingOAuth,
        query: &str,
    ) -> Result<SetupReport, EngineError> {
        let store = &self.inner.store;
        let id = pending.installation;
        self.installation(id).await?;
        let rebuilt = Self::rebuild_pending(&pending, None)?;
        let session = self.inner.oidc.exchange_callback(&rebuilt, query).await?;
        let claims = &session.claims;
        if claims.is_administrator != Some(true) {
            return Err(EngineError::NotSuperOfficeAdmin);
        }
        let email = claims
            .email
            .as_deref()
            .or(claims.primary_email.as_deref())
            .unwrap_or("")
            .trim()
            .to_lowercase();
        let (doc, _) = self.doc(id).await?;
        let expected = doc
            .connection
            .pending_admin_email
            .clone()
            .unwrap_or_default();
        if email.is_empty() || email != expected {
            return Err(EngineError::EmailMismatch {
                expected,
                actual: email,
            });
        }
        let oneflow = self.oneflow(id).await?;
        match oneflow.users().find_active_by_email(&email).await? {
            Some(user) if user.is_admin => {}
            _ => return Err(EngineError::NotOneflowAdmin { email }),
        }
        let tenant = session
            .customer_id()
            .ok_or_else(|| EngineError::InvalidInput("the id_token names no tenant".into()))?
            .to_string();
        let now = self.now();
        store.bind_tenant(id, &tenant, now).await?;
        if let Some(refresh) = &session.tokens.refresh_token {
            store
                .put_secret(id, &SecretKind::SuperOfficeRefreshToken, refresh, now)
                .await?;
        }
        if let Some(system_token) = &claims.system_token {
            store
                .put_secret(id, &SecretKind::SuperOfficeSystemToken, system_token, now)
                .await?;
        }
        self.forget_clients(id);
        let so = self
            .superoffice_client_for(id, &tenant, session.tokens.clone())
            .await?;
        crate::engine::lock(&self.inner.superoffice_clients).insert(id, so.clone());
        let associate = claims.associate_id;
        // Background work: the system user when the app has a key, else the admin.
        let serial = claims.serial.clone();
        let (system_user, background_associate) = match self
            .system_user_client(id, &tenant, serial.as_deref())
            .await?
        {
            Some(system) => {
                let principal = system.users().current_principal().await?;
                (true, Some(principal.associate_id.0))
            }
            None => (false, associate),
        };
        let doc = self
            .update_doc(id, |doc| {
                doc.connection.admin_email = Some(email.clone());
                doc.connection.admin_associate_id = associate;
                doc.connection.background_associate_id = background_associate;
                doc.connection.system_user = system_user;
                doc.connection.serial = serial.clone();
                doc.connection.pending_admin_email = None;
                if doc.settings.stage_mapping.stage_mapping_enabled {
                    track_mapping(&mut doc.connection, true, now);
                }
            })
            .await?;

        // The web panel.
        let (panel_id, panel_created) = self.provision_panel(&so).await?;
        // The link data fields on the "SuperOffice" template type.
        let (type_id, added, missing) = self.provision_link_fields(&oneflow).await?;
        // Webhooks: secrets first, so the SuperOffice test ping verifies.
        let oneflow_webhook_id = self
            .provision_oneflow_webhook(id, &oneflow, type_id, doc.connection.oneflow_webhook_id)
            .await?;
        let superoffice_webhook_id = self
            .provision_superoffice_webhook(id, &so, doc.connection.superoffice_webhook_id)
            .await?;
        self.update_doc(id, |doc| {
            doc.connection.panel_id = Some(panel_id);
            doc.connection.oneflow_webhook_id = Some(oneflow_webhook_id);
            doc.connection.superoffice_webhook_id = Some(superoffice_webhook_id);
        })
        .await?;
        let current = self.installation(id).await?;
        if current.state == InstallationState::PendingSetup {
            store
                .set_installation_state(id, InstallationState::Active, self.now())
                .await?;
        }
        let customer = superoffice_client::CustomerId::parse(&tenant)
            .map_err(|e| EngineError::InvalidInput(format!("tenant {tenant}: {e}")))?;
        let report = SetupReport {
            installation: id,
            tenant: tenant.clone(),
            admin_email: email,
            panel_id,
            panel_created,
            flush_url: flush_url_from_base(&so.api_base(), &customer),
            data_fields_added: added,
            data_fields_missing: missing,
            oneflow_webhook_id,
            superoffice_webhook_id,
            system_user,
        };
        self.audit(
            id,
            "setup",
            format!(
                "connected to {tenant}; panel {panel_id}{}; Oneflow webhook {oneflow_webhook_id}; \
                 SuperOffice webhook {superoffice_webhook_id}; link fields added: {}; missing: {}",
                if panel_created { " created" } else { " kept" },
                list(&report.data_fields_added),
                list(&report.data_fields_missing),
            ),
            None,
        )
        .await?;
        Ok(report)
    }

    async fn provision_panel(
        &self,
        so: &superoffice_client::Client,
    ) -> Result<(i32, bool), EngineError> {
        let config = &self.inner.config;
        let url = PanelUrl::builder(&config.panel_base())?
            .variable("sale", TemplateVariable::SaleId)
            .variable("ctx", TemplateVariable::ContextId)
            .variable("user", TemplateVariable::UserAssociateId)
            .build()?;
        let (panel, created) = match so
            .web_panels()
            .get_by_prog_id(&config.panel_prog_id)
            .await?
        {
            Some(mut existing) => {
                let wanted = (
                    Some(VisibleIn::SaleArchive),
                    Some(url.as_str().to_owned()),
                    Some(config.panel_name.clone()),
                );
                let actual = (
                    existing.visible_in.clone(),
                    existing.url.clone(),
                    existing.name.clone(),
                );
                if wanted != actual || existing.deleted {
                    existing.visible_in = wanted.0;
                    existing.url = wanted.1;
                    existing.name = wanted.2;
                    existing.deleted = false;
                    (so.web_panels().update(&existing).await?, false)
                } else {
                    (existing, false)
                }
            }
            None => {
                let mut panel = WebPanelEntity::new(
                    config.panel_name.as_str(),
                    url.as_str(),
                    VisibleIn::SaleArchive,
                    config.panel_prog_id.as_str(),
                );
                panel.tooltip = Some("Oneflow contracts for this Sale".into());
                (so.web_panels().create(&panel).await?, true)
            }
        };
        let id = panel.web_panel_id;
        match &config.panel_user_groups {
            None => {
                so.web_panels().show_to_all_user_groups(id).await?;
            }
            Some(groups) => {
                self.set_panel_groups(so, id, |group| groups.contains(&group.id))
                    .await?;
            }
        }
        Ok((id.0, created))
    }

    async fn set_panel_groups(
        &self,
        so: &superoffice_client::Client,
        id: WebPanelId,
        visible: impl Fn(&SelectableMdoListItem) -> bool,
    ) -> Result<(), EngineError> {
        let mut groups = so.web_panels().user_groups(id).await?;
        for group in &mut groups {
            group.selected = visible(group);
        }
        so.web_panels().set_user_groups(id, &groups).await?;
        Ok(())
    }

    /// Finds the "SuperOffice" template type and adds the missing link fields (the type's
    /// data fields are replaced as a whole: read, modify, write). Returns the type id, the
    /// fields added and those that could not be added.
    async fn provision_link_fields(
        &self,
        oneflow: &oneflow_client::Client,
    ) -> Result<
        (
            Option<oneflow_client::models::TemplateTypeId>,
            Vec<String>,
            Vec<String>,
        ),
        EngineError,
    > {
        let fields = &self.inner.config.link_fields;
        let wanted = [
            (fields.tenant.as_str(), "SuperOffice tenant"),
            (fields.sale_id.as_str(), "SuperOffice Sale id"),
            (fields.request_key.as_str(), "SuperOffice request key"),
        ];
        let types: Vec<_> = oneflow
            .template_types()
            .list()
            .stream()
            .try_collect()
            .await?;
        let Some(ty) = types.into_iter().find(|t| {
            t.extension_type
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(SUPEROFFICE_EXTENSION_TYPE))
                || t.name.as_deref().is_some_and(|n| {
                    n.trim()
                        .eq_ignore_ascii_case(SUPEROFFICE_TEMPLATE_TYPE_NAME)
                })
        }) else {
            return Ok((
                None,
                Vec::new(),
                wanted.iter().map(|(id, _)| (*id).to_owned()).collect(),
            ));
        };
        let existing = oneflow.template_types().data_fields(ty.id).await?;
        let missing: Vec<(&str, &str)> = wanted
            .iter()
            .filter(|(custom_id, _)| {
                !existing
                    .iter()
                    .any(|f| f.custom_id.as_deref() == Some(*custom_id))
            })
            .copied()
            .collect();
        if missing.is_empty() {
            return Ok((Some(ty.id), Vec::new(), Vec::new()));
        }
        let mut all: Vec<DataFieldDefinition> = existing
            .iter()
            .filter_map(|f| {
                let custom_id = f.custom_id.clone()?;
                let mut def =
                    DataFieldDefinition::new(custom_id, f.name.clone().unwrap_or_default());
                def.id = Some(f.id);
                def.description = f.description.clone();
                def.placeholder = f.placeholder.clone();
                def.value = f.value.clone();
                Some(def)
            })
            .collect();
        for (custom_id, name) in &missing {
            all.push(DataFieldDefinition::new(*custom_id, *name));
        }
        let names: Vec<String> = missing.iter().map(|(id, _)| (*id).to_owned()).collect();
        match oneflow
            .template_types()
            .replace_data_fields(ty.id, &all)
            .await
        {
            Ok(_) => Ok((Some(ty.id), names, Vec::new())),
            // Not allowed (the token's user is no admin): report what the admin must add.
            Err(e) if matches!(e.status().map(|s| s.as_u16()), Some(403)) => {
                Ok((Some(ty.id), Vec::new(), names))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn provision_oneflow_webhook(
        &self,
        id: InstallationId,
        oneflow: &oneflow_client::Client,
        template_type: Option<oneflow_client::models::TemplateTypeId>,
        known: Option<i64>,
    ) -> Result<i64, EngineError> {
        let url = self.inner.config.webhook_url("oneflow", id);
        let store = &self.inner.store;
        let stored_key = store.secret(id, &SecretKind::OneflowWebhookSignKey).await?;
        let hooks = oneflow.webhooks().list().await?;
        let existing = hooks.iter().find(|h| {
            h.callback_url.as_deref() == Some(url.as_str())
                || known.is_some_and(|k| h.webhook_id.get() == k)
        });
        let key = match (&stored_key, existing) {
            (Some(key), Some(_)) => key.clone(),
            _ => random_secret(),
        };
        let mut draft =
            WebhookDraft::new(url.clone())
                .sign_key(key.clone())
                .filter(WebhookFilter::new(vec![WebhookFilterRule::event_types(
                    ONEFLOW_EVENTS,
                )]));
        if let Some(ty) = template_type {
            draft = draft.template_group_id(ty);
        }
        store
            .put_secret(id, &SecretKind::OneflowWebhookSignKey, &key, self.now())
            .await?;
        let hook = match existing {
            Some(hook) if stored_key.is_some() => hook.clone(),
            Some(hook) => oneflow.webhooks().update(hook.webhook_id, &draft).await?,
            None => oneflow.webhooks().create(&draft).await?,
        };
        Ok(hook.webhook_id.get())
    }

    async fn provision_superoffice_webhook(
        &self,
        id: InstallationId,
        so: &superoffice_client::Client,
        known: Option<i32>,
    ) -> Result<i32, EngineError> {
        let url = self.inner.config.webhook_url("superoffice", id);
        let store = &self.inner.store;
        let stored = store
            .secret(id, &SecretKind::SuperOfficeWebhookSecret)
            .await?;
        let hooks = so.webhooks().list().send().await?;
        let existing = hooks.iter().find(|h| {
            h.target_url.as_deref() == Some(url.as_str())
                || known.is_some_and(|k| h.webhook_id.0 == k)
        });
        if let (Some(hook), Some(_)) = (existing, &stored) {
            return Ok(hook.webhook_id.0);
        }
        if let Some(hook) = existing {
            // We no longer know its secret: replace it.
            so.webhooks().delete(hook.webhook_id).await?;
        }
        let secret = random_secret();
        store
            .put_secret(
                id,
                &SecretKind::SuperOfficeWebhookSecret,
                &secret,
                self.now(),
            )
            .await?;
        let hook = Webhook::new(
            format!("oneflow-{id}"),
            url,
            SUPEROFFICE_EVENTS,
            WebhookSecret::new(secret.expose_secret()),
        );
        let created = so.webhooks().create(&hook).await?;
        Ok(created.webhook_id.0)
    }

    /// Flushes the tenant's caches (what [`SetupReport::flush_url`] does in a browser), with
    /// the admin's sign-in: use it when the provisioned panel does not show yet. SuperOffice
    /// only flushes for a General Administrator.
    pub async fn flush_caches(&self, installation: InstallationId) -> Result<(), EngineError> {
        let so = self.superoffice(installation).await?;
        so.flush_caches().await?;
        Ok(())
    }

    /// Enables an installation: webhooks arriving from now on are applied.
    pub async fn enable(&self, installation: InstallationId) -> Result<Installation, EngineError> {
        let current = self.installation(installation).await?;
        if current.tenant.is_none() {
            return Err(EngineError::NotConnected(installation));
        }
        let updated = self
            .inner
            .store
            .set_installation_state(installation, InstallationState::Active, self.now())
            .await?;
        self.audit(installation, "enable", "integration enabled", None)
            .await?;
        Ok(updated)
    }

    /// Disables an installation: deliveries are still acknowledged and recorded, never
    /// applied (also not after enabling again).
    pub async fn disable(&self, installation: InstallationId) -> Result<Installation, EngineError> {
        self.installation(installation).await?;
        let updated = self
            .inner
            .store
            .set_installation_state(installation, InstallationState::Disabled, self.now())
            .await?;
        self.audit(installation, "disable", "integration disabled", None)
            .await?;
        Ok(updated)
    }

    /// Hides the web panel from these user groups (the others keep seeing it).
    pub async fn hide_panel_from(
        &self,
        installation: InstallationId,
        groups: &[i32],
    ) -> Result<(), EngineError> {
        let (doc, _) = self.doc(installation).await?;
        let panel = doc
            .connection
            .panel_id
            .ok_or(EngineError::NotConnected(installation))?;
        let so = self.superoffice(installation).await?;
        let current = so.web_panels().user_groups(WebPanelId(panel)).await?;
        let hidden: Vec<i32> = groups.to_vec();
        let visible: Vec<i32> = current
            .iter()
            .filter(|g| g.selected && !hidden.contains(&g.id))
            .map(|g| g.id)
            .collect();
        self.set_panel_groups(&so, WebPanelId(panel), |g| visible.contains(&g.id))
            .await?;
        self.audit(
            installation,
            "panel",
            format!("panel hidden from user groups {}", list(&hidden)),
            None,
        )
        .await?;
        Ok(())
    }

    /// Removes the integration: deletes the web panel and both webhooks, revokes the
    /// SuperOffice tokens, forgets every secret, unbinds the tenant and marks the installation
    /// uninstalled.
    pub async fn uninstall(&self, installation: InstallationId) -> Result<(), EngineError> {
        let current = self.installation(installation).await?;
        let (doc, _) = self.doc(installation).await?;
        if current.tenant.is_some() {
            let so = self.superoffice(installation).await?;
            if let Some(panel) = doc.connection.panel_id {
                match so.web_panels().delete_permanently(WebPanelId(panel)).await {
                    Err(e) if !e.is_not_found() => return Err(e.into()),
                    _ => {}
                }
            }
            if let Some(hook) = doc.connection.superoffice_webhook_id {
                match so.webhooks().delete(WebhookId(hook)).await {
                    Err(e) if !e.is_not_found() => return Err(e.into()),
                    _ => {}
                }
            }
            if let Some(refresh) = self
                .inner
                .store
                .secret(installation, &SecretKind::SuperOfficeRefreshToken)
                .await?
            {
                self.inner.oidc.revoke_refresh_token(&refresh).await?;
            }
        }
        if let Some(hook) = doc.connection.oneflow_webhook_id {
            let oneflow = self.oneflow(installation).await?;
            match oneflow
                .webhooks()
                .delete(oneflow_client::models::WebhookId::from(hook))
                .await
            {
                Err(e) if !e.is_not_found() => return Err(e.into()),
                _ => {}
            }
        }
        let store = &self.inner.store;
        store.forget_secrets(installation).await?;
        self.forget_clients(installation);
        if current.tenant.is_some() {
            store.unbind_tenant(installation, self.now()).await?;
        }
        self.update_doc(installation, |doc| {
            doc.connection = Default::default();
        })
        .await?;
        store
            .set_installation_state(installation, InstallationState::Uninstalled, self.now())
            .await?;
        self.audit(
            installation,
            "uninstall",
            "panel and webhooks removed, tokens revoked, secrets forgotten",
            None,
        )
        .await?;
        Ok(())
    }
}

fn list<T: std::fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "none".into();
    }
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
