//! What the recipes in `examples/examples/` share: where the two services come from.
//!
//! Each recipe is one file (`cargo run -p examples --example <name>`) with a `run` function
//! that `examples/tests/recipes.rs` calls as well. By default a recipe starts both sandboxes in
//! this process ([`Sandboxes::start`]), so it runs offline; [`Services::from_env`] points it
//! at real services instead:
//!
//! | Variable | Meaning |
//! |---|---|
//! | `ONEFLOW_API_TOKEN` | the Oneflow account's API token (secret) |
//! | `ONEFLOW_USER_EMAIL` | the Oneflow user the recipe acts as (`x-oneflow-user-email`) |
//! | `ONEFLOW_BASE_URL` | optional, default `https://api.oneflow.com/v1/` |
//! | `SUPEROFFICE_API_BASE` | the tenant's `webapi_url`, e.g. `https://sod2.superoffice.com/Cust12345/api/` |
//! | `SUPEROFFICE_ACCESS_TOKEN` | a user's access token for that tenant (secret) |
//!
//! Set all of them or none: a partial set is refused with [`RecipeError::MissingVariable`]
//! rather than silently mixing a real service with a sandbox.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use oneflow_client::api::files::FileUpload;
use oneflow_client::models::draft::{
    CompanyPartyDraft, ContractDraft, ParticipantDraft, ParticipantRole, PublishMessage,
};
use oneflow_client::models::{ContractId, DeliveryChannel};
use oneflow_sandbox::{OneflowSandbox, SeedUser};
use superoffice_client::credentials::StaticToken;
use superoffice_client::Credential;
use superoffice_sandbox::{default_seed as so_seed, SuperOfficeSandbox};
use tokio::sync::{mpsc, Mutex};

/// Why a recipe could not run. Each variant says what to change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecipeError {
    /// Some of the real-service variables are set, but not this one.
    #[error("{name} is not set; set all of ONEFLOW_API_TOKEN, ONEFLOW_USER_EMAIL, SUPEROFFICE_API_BASE and SUPEROFFICE_ACCESS_TOKEN, or none to use the sandboxes")]
    MissingVariable {
        /// The variable to set.
        name: &'static str,
    },
    /// A Oneflow client setting is wrong (e.g. `ONEFLOW_BASE_URL` is not https).
    #[error("Oneflow client configuration: {0}")]
    OneflowConfig(#[from] oneflow_client::ConfigError),
    /// A SuperOffice client setting is wrong (e.g. `SUPEROFFICE_API_BASE` names no tenant).
    #[error("SuperOffice client configuration: {0}")]
    SuperOfficeConfig(#[from] superoffice_client::ConfigError),
    /// Oneflow refused or failed a call.
    #[error("Oneflow: {0}")]
    Oneflow(#[from] oneflow_client::Error),
    /// SuperOffice refused or failed a call.
    #[error("SuperOffice: {0}")]
    SuperOffice(#[from] superoffice_client::Error),
    /// The Oneflow sandbox could not start or refused a control call.
    #[error("Oneflow sandbox: {0}")]
    OneflowSandbox(#[from] oneflow_sandbox::SandboxError),
    /// The SuperOffice sandbox could not start or refused a control call.
    #[error("SuperOffice sandbox: {0}")]
    SuperOfficeSandbox(#[from] superoffice_sandbox::SandboxError),
    /// A local listener (the webhook inbox) could not start.
    #[error("local listener: {0}")]
    Io(#[from] std::io::Error),
    /// The data does not allow the recipe (e.g. a Sale without a company); the text says what
    /// is missing.
    #[error("{0}")]
    Precondition(String),
    /// Nothing arrived in time.
    #[error("no {what} arrived within {waited:?}")]
    Timeout {
        /// What was expected.
        what: &'static str,
        /// How long the recipe waited.
        waited: Duration,
    },
}

/// Both sandboxes, in this process, on loopback.
///
/// The Oneflow account knows the SuperOffice tenant's people by e-mail (as a real
/// installation would): Ada Admin (`admin@nordic.example`, admin) and Sam Seller
/// (`seller@nordic.example`), besides the Oneflow sandbox's default seed (workspaces "Sales"
/// and "Legal", the "SuperOffice" template type and its templates).
#[derive(Debug)]
pub struct Sandboxes {
    /// The Oneflow sandbox.
    pub oneflow: OneflowSandbox,
    /// The SuperOffice sandbox (tenant [`so_seed::MAIN_TENANT`]).
    pub superoffice: SuperOfficeSandbox,
}

impl Sandboxes {
    /// Starts both sandboxes.
    pub async fn start() -> Result<Self, RecipeError> {
        let superoffice = SuperOfficeSandbox::start().await?;
        let oneflow = OneflowSandbox::builder()
            .account_name("Nordic Trading AS")
            .user(SeedUser::new("Ada Admin", so_seed::ADMIN_EMAIL).admin(true))
            .user(SeedUser::new("Sam Seller", so_seed::SELLER_EMAIL))
            .start()
            .await?;
        Ok(Sandboxes {
            oneflow,
            superoffice,
        })
    }

    /// A Oneflow client on the sandbox account, acting as `user_email`.
    pub fn oneflow_client(&self, user_email: &str) -> Result<oneflow_client::Client, RecipeError> {
        Ok(oneflow_client::Client::builder()
            .base_url(self.oneflow.base_url().as_str())
            .api_token(self.oneflow.api_token().to_owned())
            .user_email(user_email)
            .build()?)
    }

    /// A SuperOffice client for the main tenant, signed in as `email` (a token issued by the
    /// sandbox; a real host gets one through OIDC sign-in).
    pub fn superoffice_client(
        &self,
        email: &str,
    ) -> Result<superoffice_client::Client, RecipeError> {
        let token = self.superoffice.issue_access_token(email)?;
        Ok(superoffice_client::Client::builder()
            .api_base(self.superoffice.api_base(so_seed::MAIN_TENANT)?)
            .token_provider(Arc::new(StaticToken::new(Credential::bearer(token))))
            .build()?)
    }

    /// The seller's [`Services`] on these sandboxes (Sam Seller in both systems).
    pub fn services(&self) -> Result<Services, RecipeError> {
        Ok(Services {
            oneflow: self.oneflow_client(so_seed::SELLER_EMAIL)?,
            superoffice: self.superoffice_client(so_seed::SELLER_EMAIL)?,
            user_email: so_seed::SELLER_EMAIL.to_owned(),
        })
    }

    /// Stops both servers.
    pub async fn shutdown(self) {
        self.oneflow.shutdown().await;
        self.superoffice.shutdown().await;
    }
}

/// A Oneflow client and a SuperOffice client for the same person.
#[derive(Debug, Clone)]
pub struct Services {
    /// Oneflow, acting as [`user_email`](Self::user_email).
    pub oneflow: oneflow_client::Client,
    /// SuperOffice, one tenant, signed in as that person.
    pub superoffice: superoffice_client::Client,
    /// The person's e-mail (the acting Oneflow user).
    pub user_email: String,
}

/// The names of the real-service variables, in the order they are checked.
pub const SERVICE_VARIABLES: [&str; 4] = [
    "ONEFLOW_API_TOKEN",
    "ONEFLOW_USER_EMAIL",
    "SUPEROFFICE_API_BASE",
    "SUPEROFFICE_ACCESS_TOKEN",
];

impl Services {
    /// Clients for real services from the environment (see the [module docs](self)), or
    /// `None` when none of the variables is set.
    pub fn from_env() -> Result<Option<Services>, RecipeError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Like [`from_env`](Self::from_env) with another source of variables (tests).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Services>, RecipeError> {
        let values: Vec<Option<String>> = SERVICE_VARIABLES.iter().map(|n| lookup(n)).collect();
        if values.iter().all(Option::is_none) {
            return Ok(None);
        }
        let get = |i: usize| {
            values[i].clone().ok_or(RecipeError::MissingVariable {
                name: SERVICE_VARIABLES[i],
            })
        };
        let user_email = get(1)?;
        let mut oneflow = oneflow_client::Client::builder()
            .api_token(get(0)?)
            .user_email(user_email.as_str());
        if let Some(base) = lookup("ONEFLOW_BASE_URL") {
            oneflow = oneflow.base_url(base);
        }
        let superoffice = superoffice_client::Client::builder()
            .api_base(get(2)?)
            .token_provider(Arc::new(StaticToken::new(Credential::bearer(get(3)?))))
            .build()?;
        Ok(Some(Services {
            oneflow: oneflow.build()?,
            superoffice,
            user_email,
        }))
    }
}

/// Where a recipe's `main` runs: real services from the environment, or fresh sandboxes
/// (kept alive as long as this value).
#[derive(Debug)]
pub struct Target {
    /// The clients to use.
    pub services: Services,
    /// The sandboxes, when no real service is configured.
    pub sandboxes: Option<Sandboxes>,
}

impl Target {
    /// Real services when the variables are set, otherwise both sandboxes started here.
    pub async fn from_env_or_sandboxes() -> Result<Target, RecipeError> {
        if let Some(services) = Services::from_env()? {
            return Ok(Target {
                services,
                sandboxes: None,
            });
        }
        let sandboxes = Sandboxes::start().await?;
        Ok(Target {
            services: sandboxes.services()?,
            sandboxes: Some(sandboxes),
        })
    }

    /// A line for the recipe's output saying where it runs.
    pub fn describe(&self) -> String {
        match &self.sandboxes {
            Some(s) => format!(
                "sandboxes: Oneflow {} and SuperOffice {} (tenant {})",
                s.oneflow.base_url(),
                self.services.superoffice.api_base(),
                so_seed::MAIN_TENANT
            ),
            None => format!(
                "real services: Oneflow as {}, SuperOffice {}",
                self.services.user_email,
                self.services.superoffice.api_base()
            ),
        }
    }
}

/// One POST the [`Inbox`] received: the raw bytes and headers, exactly as sent.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Request headers.
    pub headers: HeaderMap,
    /// The raw body (verify these bytes, never re-serialised JSON).
    pub body: Bytes,
}

/// A webhook receiver on loopback that answers every POST with 200 and keeps what it got.
#[derive(Debug)]
pub struct Inbox {
    url: String,
    received: Mutex<mpsc::UnboundedReceiver<Delivery>>,
}

impl Inbox {
    /// Starts the receiver on `127.0.0.1` (any path is accepted).
    pub async fn start() -> Result<Inbox, RecipeError> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/hooks", listener.local_addr()?);
        let (sender, received) = mpsc::unbounded_channel();
        async fn keep(
            State(sender): State<mpsc::UnboundedSender<Delivery>>,
            headers: HeaderMap,
            body: Bytes,
        ) -> StatusCode {
            let _ = sender.send(Delivery { headers, body });
            StatusCode::OK
        }
        let app = Router::new().route("/hooks", post(keep)).with_state(sender);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Inbox {
            url,
            received: Mutex::new(received),
        })
    }

    /// The URL to register as a webhook target.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The next delivery that `wanted` accepts (others are dropped), or
    /// [`RecipeError::Timeout`] after `wait`.
    pub async fn next_matching(
        &self,
        what: &'static str,
        wait: Duration,
        wanted: impl Fn(&Delivery) -> bool,
    ) -> Result<Delivery, RecipeError> {
        let mut received = self.received.lock().await;
        let found = tokio::time::timeout(wait, async {
            while let Some(delivery) = received.recv().await {
                if wanted(&delivery) {
                    return Some(delivery);
                }
            }
            None
        })
        .await;
        match found {
            Ok(Some(delivery)) => Ok(delivery),
            _ => Err(RecipeError::Timeout { what, waited: wait }),
        }
    }
}

/// Creates and publishes a small contract from the first offered "SuperOffice" template, so
/// that Oneflow has something to notify about. Returns its id.
pub async fn publish_sample_contract(
    oneflow: &oneflow_client::Client,
) -> Result<ContractId, RecipeError> {
    let workspaces = oneflow
        .helpers()
        .contract_create_data()
        .extension_type("superoffice")
        .send()
        .await?;
    let (workspace, template) = workspaces
        .iter()
        .flat_map(|w| w.templates.iter().map(move |t| (w.id, t)))
        .find(|(_, t)| t.available_options.can_receive_expanded_pdf)
        .ok_or_else(|| {
            RecipeError::Precondition(
                "the acting user may use no \"SuperOffice\" template with a PDF section".into(),
            )
        })?;
    let draft = ContractDraft::new(workspace, template.id)
        .name("Webhook check")
        .party(
            CompanyPartyDraft::new("Fjord Shipping ASA").participant(
                ParticipantDraft::new("Kari Nordmann")
                    .email("kari@fjord.example")
                    .delivery_channel(DeliveryChannel::Email)
                    .role(ParticipantRole::Signatory),
            ),
        );
    let contract = oneflow.contracts().create(&draft).await?;
    let pdf = b"%PDF-1.4\n% webhook check\n%%EOF\n".to_vec();
    oneflow
        .files()
        .upload(&contract, FileUpload::expanded_pdf("check.pdf", pdf))
        .await?;
    oneflow
        .contracts()
        .publish(
            contract.id,
            &PublishMessage::new("Check", "A webhook check."),
        )
        .await?;
    Ok(contract.id)
}
