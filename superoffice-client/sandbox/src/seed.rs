//! Typed, deterministic seed data for the sandbox: the app registration, tenants, users,
//! companies, persons, sales and the lists they refer to.

use std::fmt;
use std::time::Duration;

/// The partner application registered with the sandbox (what the SuperOffice Developer Portal
/// holds for an app: client id/secret, redirect URLs, system-user settings).
#[derive(Clone)]
#[non_exhaustive]
pub struct AppRegistration {
    pub(crate) name: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: String,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) system_user: bool,
}

impl fmt::Debug for AppRegistration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppRegistration")
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_uris", &self.redirect_uris)
            .field("system_user", &self.system_user)
            .finish()
    }
}

impl AppRegistration {
    /// An app with the given client id and secret, no redirect URIs and no system user.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Self {
            name: "Sandbox App".to_owned(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uris: Vec::new(),
            system_user: false,
        }
    }

    /// The app name (used in the `system_token` claim, `<name>-<random>`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Registers a redirect URI; authorize and token requests must match one exactly.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uris.push(uri.into());
        self
    }

    /// Enables the system user: id_tokens then carry a `system_token` claim and the sandbox
    /// accepts `POST /Login/api/PartnerSystemUser/Authenticate` signed with the app key
    /// (see [`SuperOfficeSandbox::system_user_private_key_pem`](super::SuperOfficeSandbox::system_user_private_key_pem)).
    pub fn system_user(mut self, enabled: bool) -> Self {
        self.system_user = enabled;
        self
    }

    /// The default sandbox app (see the [crate docs](crate) for its values).
    pub fn sandbox_default() -> Self {
        AppRegistration::new(default_seed::CLIENT_ID, default_seed::CLIENT_SECRET)
            .name("Oneflow Contracts")
            .redirect_uri(default_seed::REDIRECT_URI)
            .redirect_uri("http://localhost:8080/superoffice/callback")
            .system_user(true)
    }
}

/// Status of a seeded sale (`SaleEntity.Status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaleStatus {
    /// `Open` (DB status 1).
    Open,
    /// `Sold` (DB status 2).
    Sold,
    /// `Lost` (DB status 3).
    Lost,
    /// `Stalled` (DB status 4).
    Stalled,
}

impl SaleStatus {
    /// The wire value (`"Open"`, `"Sold"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            SaleStatus::Open => "Open",
            SaleStatus::Sold => "Sold",
            SaleStatus::Lost => "Lost",
            SaleStatus::Stalled => "Stalled",
        }
    }
}

/// A user (associate) of a tenant.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct UserSeed {
    pub(crate) associate_id: i32,
    pub(crate) person_id: i32,
    pub(crate) email: String,
    pub(crate) full_name: String,
    pub(crate) group_id: i32,
    pub(crate) function_rights: Vec<String>,
    pub(crate) administrator: bool,
    pub(crate) active: bool,
}

impl UserSeed {
    /// A user with an associate id, SuperID e-mail (also the user name) and full name; person
    /// id defaults to `associate_id + 100`, user group 1, no function rights.
    pub fn new(associate_id: i32, email: impl Into<String>, full_name: impl Into<String>) -> Self {
        Self {
            associate_id,
            person_id: associate_id + 100,
            email: email.into(),
            full_name: full_name.into(),
            group_id: 1,
            function_rights: Vec::new(),
            administrator: false,
            active: true,
        }
    }

    /// The person id behind the associate.
    pub fn person_id(mut self, id: i32) -> Self {
        self.person_id = id;
        self
    }

    /// Primary user group id.
    pub fn group(mut self, id: i32) -> Self {
        self.group_id = id;
        self
    }

    /// Adds a functional right, e.g. `admin-all` (General Administrator) or `admin-lists`.
    pub fn function_right(mut self, right: impl Into<String>) -> Self {
        self.function_rights.push(right.into());
        self
    }

    /// A General Administrator: adds `admin-all` and sets `is_administrator` = `"True"`.
    pub fn administrator(mut self) -> Self {
        self.administrator = true;
        if !self.function_rights.iter().any(|r| r == "admin-all") {
            self.function_rights.push("admin-all".to_owned());
        }
        self
    }

    /// Marks the user inactive (listed with `isActive` = false; cannot sign in).
    pub fn inactive(mut self) -> Self {
        self.active = false;
        self
    }
}

/// A company (`ContactEntity`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CompanySeed {
    pub(crate) contact_id: i32,
    pub(crate) name: String,
    pub(crate) org_nr: String,
    pub(crate) department: String,
    pub(crate) street: String,
    pub(crate) zip: String,
    pub(crate) city: String,
    pub(crate) country_iso2: String,
    pub(crate) emails: Vec<String>,
    pub(crate) phones: Vec<String>,
    pub(crate) owner_associate_id: i32,
}

impl CompanySeed {
    /// A company with id and name; other fields empty, country `NO`.
    pub fn new(contact_id: i32, name: impl Into<String>) -> Self {
        Self {
            contact_id,
            name: name.into(),
            org_nr: String::new(),
            department: String::new(),
            street: String::new(),
            zip: String::new(),
            city: String::new(),
            country_iso2: "NO".to_owned(),
            emails: Vec::new(),
            phones: Vec::new(),
            owner_associate_id: 0,
        }
    }

    /// Organisation number (`OrgNr`).
    pub fn org_nr(mut self, org_nr: impl Into<String>) -> Self {
        self.org_nr = org_nr.into();
        self
    }

    /// Department.
    pub fn department(mut self, department: impl Into<String>) -> Self {
        self.department = department.into();
        self
    }

    /// Postal/street address.
    pub fn address(
        mut self,
        street: impl Into<String>,
        zip: impl Into<String>,
        city: impl Into<String>,
    ) -> Self {
        self.street = street.into();
        self.zip = zip.into();
        self.city = city.into();
        self
    }

    /// Country by ISO 3166 alpha-2 code (`NO`, `SE`, `DK`, `FI`, `GB`, `US`, `DE`, `NL`).
    pub fn country(mut self, iso2: impl Into<String>) -> Self {
        self.country_iso2 = iso2.into();
        self
    }

    /// Adds an e-mail address (first = primary).
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.emails.push(email.into());
        self
    }

    /// Adds a phone number (first = primary).
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phones.push(phone.into());
        self
    }

    /// Our contact (owner associate).
    pub fn owner(mut self, associate_id: i32) -> Self {
        self.owner_associate_id = associate_id;
        self
    }
}

/// A person (`PersonEntity`) at a company.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PersonSeed {
    pub(crate) person_id: i32,
    pub(crate) contact_id: i32,
    pub(crate) firstname: String,
    pub(crate) lastname: String,
    pub(crate) title: String,
    pub(crate) emails: Vec<String>,
    pub(crate) office_phones: Vec<String>,
    pub(crate) mobile_phones: Vec<String>,
}

impl PersonSeed {
    /// A person with id, company id and names.
    pub fn new(
        person_id: i32,
        contact_id: i32,
        firstname: impl Into<String>,
        lastname: impl Into<String>,
    ) -> Self {
        Self {
            person_id,
            contact_id,
            firstname: firstname.into(),
            lastname: lastname.into(),
            title: String::new(),
            emails: Vec::new(),
            office_phones: Vec::new(),
            mobile_phones: Vec::new(),
        }
    }

    /// Job title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Adds an e-mail address (first = primary).
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.emails.push(email.into());
        self
    }

    /// Adds an office phone.
    pub fn office_phone(mut self, phone: impl Into<String>) -> Self {
        self.office_phones.push(phone.into());
        self
    }

    /// Adds a mobile phone.
    pub fn mobile_phone(mut self, phone: impl Into<String>) -> Self {
        self.mobile_phones.push(phone.into());
        self
    }
}

/// A sale (`SaleEntity`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SaleSeed {
    pub(crate) sale_id: i32,
    pub(crate) heading: String,
    pub(crate) contact_id: i32,
    pub(crate) person_id: i32,
    pub(crate) owner_associate_id: i32,
    pub(crate) amount: f64,
    pub(crate) stage_id: i32,
    pub(crate) sale_type_id: i32,
    pub(crate) status: SaleStatus,
    pub(crate) reason_id: i32,
    pub(crate) reason_sold_id: i32,
    pub(crate) saledate: String,
    pub(crate) probability: Option<i32>,
}

impl SaleSeed {
    /// An open sale with id and heading at stage 1, sale type 1, no company/person/owner.
    pub fn new(sale_id: i32, heading: impl Into<String>) -> Self {
        Self {
            sale_id,
            heading: heading.into(),
            contact_id: 0,
            person_id: 0,
            owner_associate_id: 0,
            amount: 0.0,
            stage_id: 1,
            sale_type_id: 1,
            status: SaleStatus::Open,
            reason_id: 0,
            reason_sold_id: 0,
            saledate: "2026-12-15T00:00:00".to_owned(),
            probability: None,
        }
    }

    /// The company (and optionally the person) of the sale.
    pub fn contact(mut self, contact_id: i32, person_id: Option<i32>) -> Self {
        self.contact_id = contact_id;
        self.person_id = person_id.unwrap_or(0);
        self
    }

    /// The owner (`Associate`).
    pub fn owner(mut self, associate_id: i32) -> Self {
        self.owner_associate_id = associate_id;
        self
    }

    /// The amount (in the tenant currency).
    pub fn amount(mut self, amount: f64) -> Self {
        self.amount = amount;
        self
    }

    /// The stage (`Rating` id); probability defaults to the stage's.
    pub fn stage(mut self, stage_id: i32) -> Self {
        self.stage_id = stage_id;
        self
    }

    /// The sale type id.
    pub fn sale_type(mut self, sale_type_id: i32) -> Self {
        self.sale_type_id = sale_type_id;
        self
    }

    /// Explicit probability percentage.
    pub fn probability(mut self, probability: i32) -> Self {
        self.probability = Some(probability);
        self
    }

    /// Status; use [`SaleSeed::sold`] / [`SaleSeed::lost`] to also set a reason.
    pub fn status(mut self, status: SaleStatus) -> Self {
        self.status = status;
        self
    }

    /// A sold sale with a `ReasonSold` id.
    pub fn sold(mut self, reason_sold_id: i32) -> Self {
        self.status = SaleStatus::Sold;
        self.reason_sold_id = reason_sold_id;
        self
    }

    /// A lost sale with a `Reason` id.
    pub fn lost(mut self, reason_id: i32) -> Self {
        self.status = SaleStatus::Lost;
        self.reason_id = reason_id;
        self
    }

    /// `Saledate` (expected/closing date), `yyyy-MM-ddTHH:mm:ss`.
    pub fn saledate(mut self, date: impl Into<String>) -> Self {
        self.saledate = date.into();
        self
    }
}

/// A sale stage (list `Rating`, `SaleStageEntity`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SaleStageSeed {
    pub(crate) id: i32,
    pub(crate) name: String,
    pub(crate) probability: i32,
}

impl SaleStageSeed {
    /// A stage; its rank is its position in the tenant's list.
    pub fn new(id: i32, name: impl Into<String>, probability: i32) -> Self {
        Self {
            id,
            name: name.into(),
            probability,
        }
    }
}

/// A sale type (`SaleTypeEntity`) and the stage ids it uses.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SaleTypeSeed {
    pub(crate) id: i32,
    pub(crate) name: String,
    pub(crate) stage_ids: Vec<i32>,
}

impl SaleTypeSeed {
    /// A sale type with its stages.
    pub fn new(id: i32, name: impl Into<String>, stage_ids: impl IntoIterator<Item = i32>) -> Self {
        Self {
            id,
            name: name.into(),
            stage_ids: stage_ids.into_iter().collect(),
        }
    }
}

/// A simple list item (reasons, user groups, currencies): id + name.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ListItemSeed {
    pub(crate) id: i32,
    pub(crate) name: String,
}

impl ListItemSeed {
    /// An item.
    pub fn new(id: i32, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
        }
    }
}

/// One tenant (customer database, `Cust…`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TenantSeed {
    pub(crate) context_identifier: String,
    pub(crate) company_name: String,
    pub(crate) owner_contact_id: i32,
    pub(crate) serial: String,
    pub(crate) currency: ListItemSeed,
    pub(crate) users: Vec<UserSeed>,
    pub(crate) companies: Vec<CompanySeed>,
    pub(crate) persons: Vec<PersonSeed>,
    pub(crate) sales: Vec<SaleSeed>,
    pub(crate) sale_stages: Vec<SaleStageSeed>,
    pub(crate) sale_types: Vec<SaleTypeSeed>,
    pub(crate) reasons_lost: Vec<ListItemSeed>,
    pub(crate) reasons_sold: Vec<ListItemSeed>,
    pub(crate) reasons_stalled: Vec<ListItemSeed>,
    pub(crate) user_groups: Vec<ListItemSeed>,
}

impl TenantSeed {
    /// A tenant with a context identifier (`Cust` + digits) and the name of its own company.
    ///
    /// It starts with standard lists (stages 1–5 "Lead" 10 % … "Verbal agreement" 90 %, sale
    /// types 1 "New business" and 2 "Renewal", three lost and three sold reasons, user groups
    /// 1 "Sales" and 2 "Management", two stalled reasons, currency 1 "NOK") and no users,
    /// companies or sales.
    pub fn new(context_identifier: impl Into<String>, company_name: impl Into<String>) -> Self {
        let context_identifier = context_identifier.into();
        let digits: String = context_identifier
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        Self {
            serial: format!("10{digits:0>8}"),
            context_identifier,
            company_name: company_name.into(),
            owner_contact_id: 1,
            currency: ListItemSeed::new(1, "NOK"),
            users: Vec::new(),
            companies: Vec::new(),
            persons: Vec::new(),
            sales: Vec::new(),
            sale_stages: vec![
                SaleStageSeed::new(1, "Lead", 10),
                SaleStageSeed::new(2, "Qualification", 25),
                SaleStageSeed::new(3, "Proposal", 50),
                SaleStageSeed::new(4, "Negotiation", 75),
                SaleStageSeed::new(5, "Verbal agreement", 90),
            ],
            sale_types: vec![
                SaleTypeSeed::new(1, "New business", [1, 2, 3, 4, 5]),
                SaleTypeSeed::new(2, "Renewal", [3, 4, 5]),
            ],
            reasons_lost: vec![
                ListItemSeed::new(1, "Price"),
                ListItemSeed::new(2, "Lost to competitor"),
                ListItemSeed::new(3, "No decision"),
            ],
            reasons_sold: vec![
                ListItemSeed::new(1, "Price"),
                ListItemSeed::new(2, "Relationship"),
                ListItemSeed::new(3, "Product fit"),
            ],
            reasons_stalled: vec![
                ListItemSeed::new(1, "Budget freeze"),
                ListItemSeed::new(2, "Waiting for customer"),
            ],
            user_groups: vec![
                ListItemSeed::new(1, "Sales"),
                ListItemSeed::new(2, "Management"),
            ],
        }
    }

    /// The contact id of the tenant's own company (`currentPrincipal.ContactId`).
    pub fn owner_contact(mut self, contact_id: i32) -> Self {
        self.owner_contact_id = contact_id;
        self
    }

    /// The tenant currency (`Sale.Currency`).
    pub fn currency(mut self, id: i32, name: impl Into<String>) -> Self {
        self.currency = ListItemSeed::new(id, name);
        self
    }

    /// Adds a user.
    pub fn user(mut self, user: UserSeed) -> Self {
        self.users.push(user);
        self
    }

    /// Adds a company.
    pub fn company(mut self, company: CompanySeed) -> Self {
        self.companies.push(company);
        self
    }

    /// Adds a person.
    pub fn person(mut self, person: PersonSeed) -> Self {
        self.persons.push(person);
        self
    }

    /// Adds a sale.
    pub fn sale(mut self, sale: SaleSeed) -> Self {
        self.sales.push(sale);
        self
    }

    /// Replaces the sale stages.
    pub fn sale_stages(mut self, stages: impl IntoIterator<Item = SaleStageSeed>) -> Self {
        self.sale_stages = stages.into_iter().collect();
        self
    }

    /// Replaces the sale types.
    pub fn sale_types(mut self, types: impl IntoIterator<Item = SaleTypeSeed>) -> Self {
        self.sale_types = types.into_iter().collect();
        self
    }

    /// Replaces the reasons for lost sales (list `Reason`).
    pub fn reasons_lost(mut self, items: impl IntoIterator<Item = ListItemSeed>) -> Self {
        self.reasons_lost = items.into_iter().collect();
        self
    }

    /// Replaces the reasons for sold sales (list `ReasonSold`).
    pub fn reasons_sold(mut self, items: impl IntoIterator<Item = ListItemSeed>) -> Self {
        self.reasons_sold = items.into_iter().collect();
        self
    }

    /// Replaces the reasons for stalled sales (list `ReasonStalled`).
    pub fn reasons_stalled(mut self, items: impl IntoIterator<Item = ListItemSeed>) -> Self {
        self.reasons_stalled = items.into_iter().collect();
        self
    }

    /// Replaces the user groups.
    pub fn user_groups(mut self, items: impl IntoIterator<Item = ListItemSeed>) -> Self {
        self.user_groups = items.into_iter().collect();
        self
    }
}

/// Settings and seed for a sandbox; finish with [`SandboxBuilder::start`].
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    pub(crate) app: AppRegistration,
    pub(crate) tenants: Vec<TenantSeed>,
    pub(crate) access_token_lifetime: Duration,
    pub(crate) auto_consent_user: Option<String>,
    pub(crate) webhook_retry_delays: Vec<Duration>,
    pub(crate) latency: Duration,
    pub(crate) log_capacity: usize,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self::empty()
    }
}

impl SandboxBuilder {
    /// A builder with the default app registration and **no** tenants.
    pub fn empty() -> Self {
        Self {
            app: AppRegistration::sandbox_default(),
            tenants: Vec::new(),
            access_token_lifetime: Duration::from_secs(3600),
            auto_consent_user: None,
            webhook_retry_delays: vec![Duration::from_secs(1), Duration::from_secs(4)],
            latency: Duration::ZERO,
            log_capacity: crate::server::MAX_LOGGED_REQUESTS,
        }
    }

    /// A builder preloaded with the default seed (two tenants, see the crate docs).
    pub fn with_default_seed() -> Self {
        let mut builder = Self::empty();
        builder.tenants = vec![default_seed::main_tenant(), default_seed::second_tenant()];
        builder
    }

    /// Replaces the app registration.
    pub fn app(mut self, app: AppRegistration) -> Self {
        self.app = app;
        self
    }

    /// Adds a tenant.
    pub fn tenant(mut self, tenant: TenantSeed) -> Self {
        self.tenants.push(tenant);
        self
    }

    /// Lifetime of access tokens (`expires_in`); default 3600 s.
    pub fn access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.access_token_lifetime = lifetime;
        self
    }

    /// Signs this user in without a login page when the authorize request has no `login_hint`.
    pub fn auto_consent_user(mut self, email: impl Into<String>) -> Self {
        self.auto_consent_user = Some(email.into());
        self
    }

    /// Delays between webhook delivery attempts (SuperOffice: 1 s, then 4 s; three attempts).
    /// Tests usually pass `[Duration::ZERO; 2]`.
    pub fn webhook_retry_delays(mut self, delays: impl IntoIterator<Item = Duration>) -> Self {
        self.webhook_retry_delays = delays.into_iter().collect();
        self
    }

    /// Binds the listeners on `127.0.0.1:0` and starts serving.
    pub async fn start(self) -> Result<super::SuperOfficeSandbox, super::SandboxError> {
        super::SuperOfficeSandbox::start_with(self).await
    }

    /// Delays every request to a tenant data host (REST under `/{tenant}/api/…` and
    /// `default.aspx`) by this long before it is handled, as a network round trip to
    /// SuperOffice Online would (default: none). Sign-in, tokens, the tenant state API and the
    /// web UI are not delayed. Change it at run time with
    /// [`set_latency`](super::SuperOfficeSandbox::set_latency).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// How many requests the request log keeps (default 10 000, minimum 10); when it is full
    /// the oldest tenth is dropped.
    pub fn log_capacity(mut self, entries: usize) -> Self {
        self.log_capacity = entries.max(10);
        self
    }
}

/// Identifiers and credentials of the default seed (see the [crate docs](crate)).
pub mod default_seed {
    use super::{CompanySeed, PersonSeed, SaleSeed, TenantSeed, UserSeed};

    /// Client id of the default app.
    pub const CLIENT_ID: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";
    /// Client secret of the default app (a sandbox value, not a real secret).
    pub const CLIENT_SECRET: &str = "sandbox-client-secret-7f3e9a21";
    /// The first registered redirect URI of the default app.
    pub const REDIRECT_URI: &str = "http://127.0.0.1:8080/superoffice/callback";
    /// The main tenant.
    pub const MAIN_TENANT: &str = "Cust12345";
    /// The second tenant (isolation).
    pub const SECOND_TENANT: &str = "Cust67890";
    /// General Administrator of the main tenant (associate 5).
    pub const ADMIN_EMAIL: &str = "admin@nordic.example";
    /// Associate id of [`ADMIN_EMAIL`].
    pub const ADMIN_ASSOCIATE_ID: i32 = 5;
    /// Normal user of the main tenant (associate 6, no admin rights).
    pub const SELLER_EMAIL: &str = "seller@nordic.example";
    /// Associate id of [`SELLER_EMAIL`].
    pub const SELLER_ASSOCIATE_ID: i32 = 6;
    /// List administrator (`admin-lists`) of the main tenant (associate 7).
    pub const LIST_ADMIN_EMAIL: &str = "lists@nordic.example";
    /// Administrator of the second tenant (associate 5 there).
    pub const SECOND_ADMIN_EMAIL: &str = "admin@svea.example";
    /// Main tenant: open sale at stage 3 "Proposal" (Fjord Shipping ASA / Kari Nordmann).
    pub const OPEN_SALE_ID: i32 = 101;
    /// Main tenant: open sale at stage 2 "Qualification" (Baltic Components AB).
    pub const SECOND_OPEN_SALE_ID: i32 = 102;
    /// Main tenant: sold sale.
    pub const SOLD_SALE_ID: i32 = 103;
    /// Main tenant: lost sale.
    pub const LOST_SALE_ID: i32 = 104;
    /// Main tenant: company "Fjord Shipping ASA".
    pub const FJORD_CONTACT_ID: i32 = 2;
    /// Main tenant: person "Kari Nordmann" at Fjord Shipping ASA.
    pub const KARI_PERSON_ID: i32 = 10;

    /// The main tenant `Cust12345` ("Nordic Trading AS").
    pub fn main_tenant() -> TenantSeed {
        TenantSeed::new(MAIN_TENANT, "Nordic Trading AS")
            .owner_contact(1)
            .user(
                UserSeed::new(ADMIN_ASSOCIATE_ID, ADMIN_EMAIL, "Ada Admin")
                    .person_id(20)
                    .group(2)
                    .administrator()
                    .function_right("admin-lists")
                    .function_right("admin-users"),
            )
            .user(
                UserSeed::new(SELLER_ASSOCIATE_ID, SELLER_EMAIL, "Sam Seller")
                    .person_id(21)
                    .group(1),
            )
            .user(
                UserSeed::new(7, LIST_ADMIN_EMAIL, "Lia Lister")
                    .person_id(22)
                    .group(1)
                    .function_right("admin-lists"),
            )
            .company(
                CompanySeed::new(1, "Nordic Trading AS")
                    .org_nr("NO 912 345 678 MVA")
                    .address("Karl Johans gate 1", "0154", "Oslo")
                    .country("NO")
                    .email("post@nordic.example")
                    .phone("+47 22 00 00 00")
                    .owner(ADMIN_ASSOCIATE_ID),
            )
            .company(
                CompanySeed::new(FJORD_CONTACT_ID, "Fjord Shipping ASA")
                    .org_nr("NO 987 654 321 MVA")
                    .department("Procurement")
                    .address("Strandkaien 12", "5013", "Bergen")
                    .country("NO")
                    .email("contact@fjord-shipping.example")
                    .phone("+47 55 12 34 56")
                    .owner(SELLER_ASSOCIATE_ID),
            )
            .company(
                CompanySeed::new(3, "Baltic Components AB")
                    .org_nr("556677-8899")
                    .address("Storgatan 5", "111 22", "Stockholm")
                    .country("SE")
                    .email("info@baltic-components.example")
                    .phone("+46 8 123 456 78")
                    .owner(SELLER_ASSOCIATE_ID),
            )
            .company(
                CompanySeed::new(4, "Helsinki Design Oy")
                    .org_nr("FI12345678")
                    .address("Mannerheimintie 3", "00100", "Helsinki")
                    .country("FI")
                    .email("hello@helsinki-design.example")
                    .owner(ADMIN_ASSOCIATE_ID),
            )
            .person(
                PersonSeed::new(20, 1, "Ada", "Admin")
                    .title("CEO")
                    .email(ADMIN_EMAIL),
            )
            .person(
                PersonSeed::new(21, 1, "Sam", "Seller")
                    .title("Account Manager")
                    .email(SELLER_EMAIL),
            )
            .person(
                PersonSeed::new(22, 1, "Lia", "Lister")
                    .title("CRM Administrator")
                    .email(LIST_ADMIN_EMAIL),
            )
            .person(
                PersonSeed::new(KARI_PERSON_ID, FJORD_CONTACT_ID, "Kari", "Nordmann")
                    .title("Head of Procurement")
                    .email("kari.nordmann@fjord-shipping.example")
                    .office_phone("+47 55 12 34 57")
                    .mobile_phone("+47 912 34 567"),
            )
            .person(
                PersonSeed::new(11, FJORD_CONTACT_ID, "Ola", "Hansen")
                    .title("CFO")
                    .email("ola.hansen@fjord-shipping.example")
                    .mobile_phone("+47 913 45 678"),
            )
            .person(
                PersonSeed::new(12, 3, "Eva", "Svensson")
                    .title("Purchasing Manager")
                    .email("eva.svensson@baltic-components.example")
                    .office_phone("+46 8 123 456 79"),
            )
            .person(
                PersonSeed::new(13, 4, "Mikko", "Virtanen")
                    .title("Managing Director")
                    .email("mikko.virtanen@helsinki-design.example"),
            )
            .sale(
                SaleSeed::new(OPEN_SALE_ID, "Fleet tracking licence")
                    .contact(FJORD_CONTACT_ID, Some(KARI_PERSON_ID))
                    .owner(SELLER_ASSOCIATE_ID)
                    .amount(120_000.0)
                    .stage(3),
            )
            .sale(
                SaleSeed::new(SECOND_OPEN_SALE_ID, "Support agreement 2027")
                    .contact(3, Some(12))
                    .owner(SELLER_ASSOCIATE_ID)
                    .amount(48_000.0)
                    .stage(2)
                    .sale_type(2),
            )
            .sale(
                SaleSeed::new(SOLD_SALE_ID, "Warehouse sensors")
                    .contact(4, Some(13))
                    .owner(ADMIN_ASSOCIATE_ID)
                    .amount(250_000.0)
                    .stage(5)
                    .sold(3)
                    .saledate("2026-10-01T00:00:00"),
            )
            .sale(
                SaleSeed::new(LOST_SALE_ID, "Pilot project")
                    .contact(FJORD_CONTACT_ID, Some(11))
                    .owner(SELLER_ASSOCIATE_ID)
                    .amount(15_000.0)
                    .stage(2)
                    .lost(2)
                    .saledate("2026-09-15T00:00:00"),
            )
            .sale(
                SaleSeed::new(105, "Partner's workshop")
                    .contact(4, None)
                    .owner(SELLER_ASSOCIATE_ID)
                    .amount(9_500.0)
                    .stage(1),
            )
    }

    /// The second tenant `Cust67890` ("Svea Konsult AB"); it reuses ids of the main tenant
    /// with different data, so a leak between tenants is visible.
    pub fn second_tenant() -> TenantSeed {
        TenantSeed::new(SECOND_TENANT, "Svea Konsult AB")
            .currency(1, "SEK")
            .user(
                UserSeed::new(ADMIN_ASSOCIATE_ID, SECOND_ADMIN_EMAIL, "Sven Svea")
                    .person_id(20)
                    .group(2)
                    .administrator(),
            )
            .company(
                CompanySeed::new(1, "Svea Konsult AB")
                    .org_nr("559900-1122")
                    .address("Kungsgatan 10", "411 19", "Göteborg")
                    .country("SE"),
            )
            .company(
                CompanySeed::new(2, "Göta Logistik AB")
                    .org_nr("556100-2233")
                    .address("Hamngatan 4", "411 06", "Göteborg")
                    .country("SE")
                    .email("order@gota-logistik.example"),
            )
            .person(PersonSeed::new(20, 1, "Sven", "Svea").email(SECOND_ADMIN_EMAIL))
            .person(
                PersonSeed::new(10, 2, "Linnea", "Berg")
                    .title("COO")
                    .email("linnea.berg@gota-logistik.example"),
            )
            .sale(
                SaleSeed::new(101, "Consulting retainer")
                    .contact(2, Some(10))
                    .owner(ADMIN_ASSOCIATE_ID)
                    .amount(75_000.0)
                    .stage(4),
            )
    }
}
