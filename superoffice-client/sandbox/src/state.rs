//! The sandbox's mutable world: tenants and their data, issued codes/tokens, faults, logs.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::watch;

use super::keys::SigningKeys;
use super::seed::{
    AppRegistration, CompanySeed, ListItemSeed, PersonSeed, SaleStageSeed, SaleTypeSeed,
    TenantSeed, UserSeed,
};
use super::{DeliveryRecord, Fault, RequestRecord};

/// Everything the HTTP handlers share.
pub(crate) struct Shared {
    pub(crate) world: Mutex<World>,
    pub(crate) keys: SigningKeys,
    pub(crate) app: AppRegistration,
    pub(crate) app_public_key: Option<rsa::PublicKey>,
    pub(crate) access_token_lifetime: Duration,
    pub(crate) auto_consent_user: Option<String>,
    pub(crate) webhook_retry_delays: Vec<Duration>,
    /// Base URLs of the listeners: `[data host A (where tenants start), data host B, auth
    /// host]`. The auth host serves sign-in and the tenant state API, never tenant REST.
    pub(crate) hosts: [String; 3],
    /// Base URL of the web UI listener (`http://localhost:{port}`, no trailing slash).
    pub(crate) ui_base: String,
    pub(crate) deliveries_changed: watch::Sender<usize>,
    pub(crate) http: reqwest::Client,
    /// Turns `true` when the sandbox is dropped; background deliveries stop then.
    pub(crate) stopped: watch::Receiver<bool>,
    /// Added before every request to a tenant data host is handled.
    pub(crate) latency: Mutex<Duration>,
    /// How many entries the request log keeps.
    pub(crate) log_capacity: usize,
}

pub(crate) type SharedRef = Arc<Shared>;

/// Listener index of the authentication host.
pub(crate) const AUTH_HOST: usize = 2;

/// Listener index of the web UI (sign-in form and Sale screen).
pub(crate) const UI_HOST: usize = 3;

/// A signed-in user of the sandbox's web UI.
#[derive(Clone)]
pub(crate) struct UiSession {
    pub(crate) tenant: String,
    pub(crate) associate_id: i32,
}

impl Shared {
    /// Locks the world; a poisoned lock (a panicking handler) is recovered, the data is plain.
    pub(crate) fn lock(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The auth host (issuer), without trailing slash.
    pub(crate) fn auth_base(&self) -> &str {
        &self.hosts[AUTH_HOST]
    }
}

/// An authorization code waiting for the token exchange.
pub(crate) struct AuthCode {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) code_challenge: Option<(String, String)>,
    pub(crate) nonce: Option<String>,
    pub(crate) tenant: String,
    pub(crate) associate_id: i32,
    pub(crate) expires_at: Instant,
}

/// Who a credential belongs to.
#[derive(Clone)]
pub(crate) struct Grant {
    pub(crate) tenant: String,
    pub(crate) associate_id: i32,
    pub(crate) client_id: String,
}

pub(crate) struct AccessGrant {
    pub(crate) grant: Grant,
    pub(crate) expires_at: Instant,
}

/// A web panel plus the sandbox's bookkeeping.
pub(crate) struct WebPanel {
    pub(crate) entity: Value,
    pub(crate) user_groups: Vec<i32>,
    pub(crate) app_owned: bool,
}

pub(crate) struct Tenant {
    pub(crate) cust: String,
    pub(crate) company_name: String,
    pub(crate) serial: String,
    pub(crate) owner_contact_id: i32,
    pub(crate) currency: ListItemSeed,
    pub(crate) host: usize,
    pub(crate) state: String,
    pub(crate) users: Vec<UserSeed>,
    pub(crate) companies: BTreeMap<i32, CompanySeed>,
    pub(crate) persons: BTreeMap<i32, PersonSeed>,
    pub(crate) sales: BTreeMap<i32, Value>,
    pub(crate) stages: Vec<SaleStageSeed>,
    pub(crate) sale_types: Vec<SaleTypeSeed>,
    pub(crate) reasons_lost: Vec<ListItemSeed>,
    pub(crate) reasons_sold: Vec<ListItemSeed>,
    pub(crate) reasons_stalled: Vec<ListItemSeed>,
    pub(crate) user_groups: Vec<ListItemSeed>,
    pub(crate) web_panels: BTreeMap<i32, WebPanel>,
    pub(crate) next_web_panel_id: i32,
    pub(crate) webhooks: BTreeMap<i32, Value>,
    pub(crate) next_webhook_id: i32,
    /// The tenant requires a reason when a Sale is closed (lost: `Reason`, sold: `ReasonSold`).
    pub(crate) reasons_mandatory: bool,
    /// Document records and their uploaded content.
    pub(crate) documents: BTreeMap<i32, StoredDocument>,
    pub(crate) next_document_id: i32,
    pub(crate) flushes: usize,
    pub(crate) system_token: Option<String>,
}

impl Tenant {
    pub(crate) fn user(&self, associate_id: i32) -> Option<&UserSeed> {
        self.users.iter().find(|u| u.associate_id == associate_id)
    }

    pub(crate) fn user_by_email(&self, email: &str) -> Option<&UserSeed> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    pub(crate) fn stage(&self, id: i32) -> Option<&SaleStageSeed> {
        self.stages.iter().find(|s| s.id == id)
    }
}

/// A document record and its content (`None` until uploaded).
pub(crate) struct StoredDocument {
    pub(crate) entity: Value,
    pub(crate) content: Option<Vec<u8>>,
}

/// The mutable state.
pub(crate) struct World {
    /// Keyed by the lower-cased context identifier (tenant ids are case-insensitive in URLs).
    pub(crate) tenants: BTreeMap<String, Tenant>,
    pub(crate) codes: HashMap<String, AuthCode>,
    pub(crate) access_tokens: HashMap<String, AccessGrant>,
    pub(crate) refresh_tokens: HashMap<String, Grant>,
    pub(crate) tickets: HashMap<String, Grant>,
    /// Pending faults with their scope; a request takes the oldest that matches it.
    pub(crate) faults: VecDeque<(super::FaultScope, Fault)>,
    pub(crate) requests: Vec<RequestRecord>,
    pub(crate) deliveries: Vec<DeliveryRecord>,
    /// Web UI sessions by cookie value.
    pub(crate) ui_sessions: HashMap<String, UiSession>,
}

impl World {
    pub(crate) fn tenant(&self, cust: &str) -> Option<&Tenant> {
        self.tenants.get(&cust.to_ascii_lowercase())
    }

    pub(crate) fn tenant_mut(&mut self, cust: &str) -> Option<&mut Tenant> {
        self.tenants.get_mut(&cust.to_ascii_lowercase())
    }

    /// Finds the tenant a SuperID e-mail belongs to (the first one, in seed order).
    pub(crate) fn find_user(&self, email: &str) -> Option<(&Tenant, &UserSeed)> {
        self.tenants
            .values()
            .find_map(|t| t.user_by_email(email).map(|u| (t, u)))
    }

    pub(crate) fn from_seed(
        tenants: Vec<TenantSeed>,
        app: &AppRegistration,
    ) -> Result<Self, super::SandboxError> {
        let mut map = BTreeMap::new();
        for seed in tenants {
            let key = seed.context_identifier.to_ascii_lowercase();
            if !key.starts_with("cust") || key.len() <= 4 {
                return Err(super::SandboxError::InvalidSeed(format!(
                    "tenant id `{}` must look like `Cust12345`",
                    seed.context_identifier
                )));
            }
            if map.contains_key(&key) {
                return Err(super::SandboxError::InvalidSeed(format!(
                    "tenant `{}` is seeded twice",
                    seed.context_identifier
                )));
            }
            let tenant = Tenant::from_seed(seed, app)?;
            map.insert(key, tenant);
        }
        Ok(World {
            tenants: map,
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            tickets: HashMap::new(),
            faults: VecDeque::new(),
            requests: Vec::new(),
            deliveries: Vec::new(),
            ui_sessions: HashMap::new(),
        })
    }
}

impl Tenant {
    fn from_seed(seed: TenantSeed, app: &AppRegistration) -> Result<Self, super::SandboxError> {
        let invalid = |msg: String| super::SandboxError::InvalidSeed(msg);
        let cust = seed.context_identifier.clone();
        let mut tenant = Tenant {
            system_token: app
                .system_user
                .then(|| format!("{}-{}", app.name, super::keys::random_token(10))),
            cust: cust.clone(),
            company_name: seed.company_name,
            serial: seed.serial,
            owner_contact_id: seed.owner_contact_id,
            currency: seed.currency,
            host: 0,
            state: "Running".to_owned(),
            users: seed.users,
            companies: seed
                .companies
                .into_iter()
                .map(|c| (c.contact_id, c))
                .collect(),
            persons: seed.persons.into_iter().map(|p| (p.person_id, p)).collect(),
            sales: BTreeMap::new(),
            stages: seed.sale_stages,
            sale_types: seed.sale_types,
            reasons_lost: seed.reasons_lost,
            reasons_sold: seed.reasons_sold,
            reasons_stalled: seed.reasons_stalled,
            user_groups: seed.user_groups,
            web_panels: BTreeMap::new(),
            next_web_panel_id: 1,
            webhooks: BTreeMap::new(),
            next_webhook_id: 1,
            reasons_mandatory: false,
            documents: BTreeMap::new(),
            next_document_id: 1,
            flushes: 0,
        };
        for person in tenant.persons.values() {
            if !tenant.companies.contains_key(&person.contact_id) {
                return Err(invalid(format!(
                    "{cust}: person {} refers to unknown company {}",
                    person.person_id, person.contact_id
                )));
            }
        }
        for sale in seed.sales {
            if sale.contact_id != 0 && !tenant.companies.contains_key(&sale.contact_id) {
                return Err(invalid(format!(
                    "{cust}: sale {} refers to unknown company {}",
                    sale.sale_id, sale.contact_id
                )));
            }
            if tenant.stage(sale.stage_id).is_none() {
                return Err(invalid(format!(
                    "{cust}: sale {} refers to unknown stage {}",
                    sale.sale_id, sale.stage_id
                )));
            }
            let entity = super::entities::sale_from_seed(&tenant, &sale);
            tenant.sales.insert(sale.sale_id, entity);
        }
        Ok(tenant)
    }
}
