//! The typed, deterministic seed: what the sandbox's account contains when it starts.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};

use super::webhooks::DeliveryConfig;

/// Names and e-mails of the default seed, for tests and demos.
pub mod default_seed {
    /// The seeded API token (40 characters of `[A-Za-z0-9-]`).
    pub const API_TOKEN: &str = "sbx-acme-123456789abcdef0123456789abcdef";
    /// The account's name.
    pub const ACCOUNT_NAME: &str = "Acme Sales AB";
    /// An active administrator.
    pub const ADMIN_EMAIL: &str = "admin@acme.example";
    /// An active user without admin rights (sees only the "Sales" workspace when creating).
    pub const SELLER_EMAIL: &str = "seller@acme.example";
    /// A deactivated user: any request acting as this e-mail gets a 401.
    pub const INACTIVE_EMAIL: &str = "inactive@acme.example";
    /// The workspace every user may create contracts in.
    pub const SALES_WORKSPACE: &str = "Sales";
    /// The workspace only administrators may create contracts in.
    pub const LEGAL_WORKSPACE: &str = "Legal";
    /// The template type of the SuperOffice integration (`extension_type: "superoffice"`).
    pub const SUPEROFFICE_TYPE: &str = "SuperOffice";
    /// A second template type without an extension type.
    pub const HR_TYPE: &str = "HR";
    /// Active SuperOffice template with a PDF section only.
    pub const TEMPLATE_PDF: &str = "SuperOffice - Agreement with PDF";
    /// Active SuperOffice template with an attachments section only.
    pub const TEMPLATE_ATTACHMENTS: &str = "SuperOffice - Offer with attachments";
    /// Active SuperOffice template with both a PDF and an attachments section
    /// (in both workspaces).
    pub const TEMPLATE_PDF_AND_ATTACHMENTS: &str = "SuperOffice - Full agreement";
    /// Active SuperOffice template with neither section.
    pub const TEMPLATE_PLAIN: &str = "SuperOffice - Simple order";
    /// Inactive SuperOffice template.
    pub const TEMPLATE_INACTIVE: &str = "SuperOffice - Retired offer";
    /// Active template of the "HR" type.
    pub const TEMPLATE_HR: &str = "HR - Employment contract";
    /// Active template without a template type.
    pub const TEMPLATE_UNTYPED: &str = "Mutual NDA";
    /// Data field custom ids of the SuperOffice type.
    pub const SUPEROFFICE_DATA_FIELDS: [&str; 4] = [
        "superoffice_sale_id",
        "superoffice_company_id",
        "superoffice_sale_heading",
        "superoffice_contact_id",
    ];
}

/// A user of the seeded account.
#[derive(Debug, Clone)]
pub struct SeedUser {
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) is_admin: bool,
    pub(crate) active: bool,
}

impl SeedUser {
    /// An active, non-admin user.
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            email: email.into(),
            is_admin: false,
            active: true,
        }
    }

    /// Make the user an administrator (or not).
    pub fn admin(mut self, is_admin: bool) -> Self {
        self.is_admin = is_admin;
        self
    }

    /// Activate or deactivate the user; inactive users cannot act through the API.
    pub fn active(mut self, active: bool) -> Self {
        self.active = active;
        self
    }
}

/// A workspace of the seeded account.
#[derive(Debug, Clone)]
pub struct SeedWorkspace {
    pub(crate) name: String,
    pub(crate) members: Option<Vec<String>>,
}

impl SeedWorkspace {
    /// A workspace every user may create contracts in.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            members: None,
        }
    }

    /// Restrict contract creation to these users (by e-mail); administrators always may.
    pub fn only_users<I, S>(mut self, emails: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.members = Some(emails.into_iter().map(Into::into).collect());
        self
    }
}

/// A data field defined on a template type.
#[derive(Debug, Clone)]
pub struct SeedDataField {
    pub(crate) custom_id: String,
    pub(crate) name: String,
    pub(crate) value: String,
    pub(crate) system: bool,
}

impl SeedDataField {
    /// A user-editable field with an empty default value.
    pub fn new(custom_id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            custom_id: custom_id.into(),
            name: name.into(),
            value: String::new(),
            system: false,
        }
    }

    /// The default value copied into new contracts.
    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = value.into();
        self
    }

    /// Mark the field `source: "system"`: updates through the API are silently ignored.
    pub fn system(mut self, system: bool) -> Self {
        self.system = system;
        self
    }
}

/// A template type ("template group" in the UI) with its data fields.
#[derive(Debug, Clone)]
pub struct SeedTemplateType {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) extension_type: Option<String>,
    pub(crate) data_fields: Vec<SeedDataField>,
}

impl SeedTemplateType {
    /// A type without extension type and without data fields.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: String::new(),
            extension_type: None,
            data_fields: Vec::new(),
        }
    }

    /// The integration alias, e.g. `superoffice`.
    pub fn extension_type(mut self, extension_type: impl Into<String>) -> Self {
        self.extension_type = Some(extension_type.into());
        self
    }

    /// A free-text description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Add a data field.
    pub fn data_field(mut self, field: SeedDataField) -> Self {
        self.data_fields.push(field);
        self
    }
}

/// A template, the blueprint every contract is created from.
#[derive(Debug, Clone)]
pub struct SeedTemplate {
    pub(crate) name: String,
    pub(crate) workspaces: Vec<String>,
    pub(crate) template_type: Option<String>,
    pub(crate) active: bool,
    pub(crate) pdf_section: bool,
    pub(crate) attachments_section: bool,
    pub(crate) product_table: bool,
    pub(crate) delivery_channels: Vec<String>,
    pub(crate) sign_methods: Vec<String>,
    pub(crate) two_step_methods: Vec<String>,
}

impl SeedTemplate {
    /// An active template without type, sections or workspaces; offers the delivery channels
    /// `email`, `sms`, `same_device`, `none`, the sign methods `standard_esign`, `sms`,
    /// `swedish_bankid` and two-step methods `none`, `email`, `sms` (first = preferred).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            workspaces: Vec::new(),
            template_type: None,
            active: true,
            pdf_section: false,
            attachments_section: false,
            product_table: false,
            delivery_channels: strings(&["email", "sms", "same_device", "none"]),
            sign_methods: strings(&["standard_esign", "sms", "swedish_bankid"]),
            two_step_methods: strings(&["none", "email", "sms"]),
        }
    }

    /// Make the template available in a workspace (by name); may be called several times.
    pub fn workspace(mut self, workspace: impl Into<String>) -> Self {
        self.workspaces.push(workspace.into());
        self
    }

    /// Set the template type (by name).
    pub fn template_type(mut self, template_type: impl Into<String>) -> Self {
        self.template_type = Some(template_type.into());
        self
    }

    /// Activate or deactivate the template.
    pub fn active(mut self, active: bool) -> Self {
        self.active = active;
        self
    }

    /// Give the template a "PDF document" section (`can_receive_expanded_pdf`).
    pub fn pdf_section(mut self, present: bool) -> Self {
        self.pdf_section = present;
        self
    }

    /// Give the template an "Attachments" section (`can_receive_attachments`).
    pub fn attachments_section(mut self, present: bool) -> Self {
        self.attachments_section = present;
        self
    }

    /// Give the template one product table (`can_receive_products`); contracts made from it
    /// get one product group.
    pub fn product_table(mut self, present: bool) -> Self {
        self.product_table = present;
        self
    }

    /// The delivery channels offered (first one is preferred).
    pub fn delivery_channels<I, S>(mut self, channels: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.delivery_channels = channels.into_iter().map(Into::into).collect();
        self
    }

    /// The sign methods offered (first one is preferred).
    pub fn sign_methods<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.sign_methods = methods.into_iter().map(Into::into).collect();
        self
    }

    /// The two-step authentication methods offered (first one is preferred).
    pub fn two_step_authentication_methods<I, S>(mut self, methods: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.two_step_methods = methods.into_iter().map(Into::into).collect();
        self
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

/// Builder of a sandbox: seed content plus webhook delivery settings.
///
/// [`OneflowSandbox::builder`](super::OneflowSandbox::builder) starts from the default seed
/// (see the [module docs](super)); call [`without_default_seed`](Self::without_default_seed)
/// to start from an empty account. Ids are assigned in insertion order, so the same seed
/// always yields the same ids.
#[derive(Clone)]
pub struct SandboxBuilder {
    pub(crate) api_token: String,
    pub(crate) account_name: String,
    pub(crate) users: Vec<SeedUser>,
    pub(crate) workspaces: Vec<SeedWorkspace>,
    pub(crate) template_types: Vec<SeedTemplateType>,
    pub(crate) templates: Vec<SeedTemplate>,
    pub(crate) delivery: DeliveryConfig,
    pub(crate) bind: SocketAddr,
    pub(crate) allow_non_loopback: bool,
    pub(crate) log_capacity: usize,
    pub(crate) extra_accounts: Vec<SeedAccount>,
    pub(crate) latency: std::time::Duration,
}

impl fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("api_token", &"[redacted]")
            .field("account_name", &self.account_name)
            .field("users", &self.users.len())
            .field("workspaces", &self.workspaces.len())
            .field("template_types", &self.template_types.len())
            .field("templates", &self.templates.len())
            .field("delivery", &self.delivery)
            .field("bind", &self.bind)
            .field("extra_accounts", &self.extra_accounts.len())
            .field("latency", &self.latency)
            .finish()
    }
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        use default_seed::*;
        let superoffice = SeedTemplateType::new(SUPEROFFICE_TYPE)
            .extension_type("superoffice")
            .description("Templates offered in SuperOffice CRM")
            .data_field(SeedDataField::new(SUPEROFFICE_DATA_FIELDS[0], "Sale ID"))
            .data_field(SeedDataField::new(SUPEROFFICE_DATA_FIELDS[1], "Company ID"))
            .data_field(SeedDataField::new(
                SUPEROFFICE_DATA_FIELDS[2],
                "Sale heading",
            ))
            .data_field(SeedDataField::new(
                SUPEROFFICE_DATA_FIELDS[3],
                "Contact person ID",
            ));
        let hr = SeedTemplateType::new(HR_TYPE)
            .description("Human resources")
            .data_field(SeedDataField::new("employee_number", "Employee number"));
        let so = |name: &str| {
            SeedTemplate::new(name)
                .workspace(SALES_WORKSPACE)
                .template_type(SUPEROFFICE_TYPE)
        };
        Self {
            api_token: API_TOKEN.to_owned(),
            account_name: ACCOUNT_NAME.to_owned(),
            users: vec![
                SeedUser::new("Ada Admin", ADMIN_EMAIL).admin(true),
                SeedUser::new("Sam Seller", SELLER_EMAIL),
                SeedUser::new("Ivy Inactive", INACTIVE_EMAIL).active(false),
            ],
            workspaces: vec![
                SeedWorkspace::new(SALES_WORKSPACE),
                SeedWorkspace::new(LEGAL_WORKSPACE).only_users(Vec::<String>::new()),
            ],
            template_types: vec![superoffice, hr],
            templates: vec![
                so(TEMPLATE_PDF).pdf_section(true),
                so(TEMPLATE_ATTACHMENTS).attachments_section(true),
                so(TEMPLATE_PDF_AND_ATTACHMENTS)
                    .workspace(LEGAL_WORKSPACE)
                    .pdf_section(true)
                    .attachments_section(true),
                so(TEMPLATE_PLAIN),
                so(TEMPLATE_INACTIVE).active(false).pdf_section(true),
                SeedTemplate::new(TEMPLATE_HR)
                    .workspace(SALES_WORKSPACE)
                    .workspace(LEGAL_WORKSPACE)
                    .template_type(HR_TYPE)
                    .pdf_section(true),
                SeedTemplate::new(TEMPLATE_UNTYPED).workspace(SALES_WORKSPACE),
            ],
            delivery: DeliveryConfig::default(),
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            allow_non_loopback: false,
            log_capacity: super::LOG_CAPACITY,
            extra_accounts: Vec::new(),
            latency: std::time::Duration::ZERO,
        }
    }
}

impl SandboxBuilder {
    /// Drop the default account content (users, workspaces, template types, templates).
    pub fn without_default_seed(mut self) -> Self {
        self.users.clear();
        self.workspaces.clear();
        self.template_types.clear();
        self.templates.clear();
        self
    }

    /// Use another API token (must be 40 characters of `[A-Za-z0-9-]`).
    pub fn api_token(mut self, token: impl Into<String>) -> Self {
        self.api_token = token.into();
        self
    }

    /// Rename the account.
    pub fn account_name(mut self, name: impl Into<String>) -> Self {
        self.account_name = name.into();
        self
    }

    /// Add a user.
    pub fn user(mut self, user: SeedUser) -> Self {
        self.users.push(user);
        self
    }

    /// Add a workspace.
    pub fn workspace(mut self, workspace: SeedWorkspace) -> Self {
        self.workspaces.push(workspace);
        self
    }

    /// Add a template type.
    pub fn template_type(mut self, template_type: SeedTemplateType) -> Self {
        self.template_types.push(template_type);
        self
    }

    /// Add a template.
    pub fn template(mut self, template: SeedTemplate) -> Self {
        self.templates.push(template);
        self
    }

    /// Webhook delivery settings (retry gaps, attempts, timeout, duplicate/reorder switches).
    pub fn delivery_config(mut self, config: DeliveryConfig) -> Self {
        self.delivery = config;
        self
    }

    /// Listen on this address instead of `127.0.0.1:0` (a random loopback port), e.g. a
    /// fixed port for a standalone sandbox. A non-loopback address is refused at start
    /// ([`SandboxError::NonLoopbackBind`](super::SandboxError::NonLoopbackBind)) unless
    /// [`allow_non_loopback_bind`](Self::allow_non_loopback_bind) is set.
    pub fn bind_addr(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Allow a non-loopback bind address. The sandbox accepts a published token and acts on
    /// it, so only do this on an isolated network.
    pub fn allow_non_loopback_bind(mut self, allow: bool) -> Self {
        self.allow_non_loopback = allow;
        self
    }

    /// How many entries the request log and the delivery log each keep (default
    /// [`LOG_CAPACITY`](super::LOG_CAPACITY), minimum 1); when full, the oldest entry is
    /// dropped.
    pub fn log_capacity(mut self, entries: usize) -> Self {
        self.log_capacity = entries.max(1);
        self
    }

    /// Bind the listener (by default `127.0.0.1:0`) and serve the seeded account on the current tokio runtime.
    pub async fn start(self) -> Result<super::OneflowSandbox, super::SandboxError> {
        super::OneflowSandbox::start_with(self).await
    }

    /// Serve another Oneflow account from the same server, as Oneflow's one API host serves
    /// every account: requests carrying its API token see only its users, contracts and
    /// webhooks. It gets the same workspaces, template types and templates as the primary
    /// account (same names, its own ids), and its own users. Extra account `n` (from 1, in call
    /// order) has account id `1001 + n`; its other ids are those of the primary account plus
    /// `n × 10 000 000`, so contract ids are unique across the sandbox and the controls
    /// ([`sign`](super::OneflowSandbox::sign), …) find the contract's account by its id.
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), oneflow_sandbox::SandboxError> {
    /// use oneflow_sandbox::{OneflowSandbox, SeedAccount, SeedUser};
    ///
    /// let sandbox = OneflowSandbox::builder()
    ///     .account(
    ///         SeedAccount::new("Svea Handel AB", "sbx-svea-0123456789abcdef0123456789abcdef")
    ///             .user(SeedUser::new("Sven Admin", "admin@svea.example").admin(true)),
    ///     )
    ///     .start()
    ///     .await?;
    /// assert_eq!(sandbox.accounts()[1].account_id, 1002);
    /// # Ok(()) }
    /// ```
    pub fn account(mut self, account: SeedAccount) -> Self {
        self.extra_accounts.push(account);
        self
    }

    /// Delay every API request (under `/v1`) by this long before it is handled, as a
    /// network round trip to the real service would (default: none). The token-free download
    /// and signing pages are not delayed. Change it at run time with
    /// [`set_latency`](super::OneflowSandbox::set_latency).
    pub fn latency(mut self, latency: std::time::Duration) -> Self {
        self.latency = latency;
        self
    }
}

/// An extra account of the sandbox; see [`SandboxBuilder::account`].
#[derive(Clone)]
#[must_use]
pub struct SeedAccount {
    pub(crate) name: String,
    pub(crate) api_token: String,
    pub(crate) users: Vec<SeedUser>,
}

impl fmt::Debug for SeedAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeedAccount")
            .field("name", &self.name)
            .field("api_token", &"[redacted]")
            .field("users", &self.users.len())
            .finish()
    }
}

impl SeedAccount {
    /// An account with this name and API token (40 characters of `[A-Za-z0-9-]`, different
    /// from every other account's) and no users yet.
    pub fn new(name: impl Into<String>, api_token: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            api_token: api_token.into(),
            users: Vec::new(),
        }
    }

    /// Adds a user. A workspace restricted to named members keeps those of its members who
    /// are users of this account (by e-mail).
    pub fn user(mut self, user: SeedUser) -> Self {
        self.users.push(user);
        self
    }
}

/// Ids of everything the seed created, for tests and demos.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Seeded {
    /// The account id.
    pub account_id: i64,
    /// Users in seed order.
    pub users: Vec<SeededUser>,
    /// Workspaces in seed order.
    pub workspaces: Vec<SeededEntity>,
    /// Template types in seed order.
    pub template_types: Vec<SeededTemplateType>,
    /// Templates in seed order.
    pub templates: Vec<SeededEntity>,
}

/// A seeded user.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SeededUser {
    /// User id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// E-mail (the `x-oneflow-user-email` value).
    pub email: String,
    /// Administrator?
    pub is_admin: bool,
    /// Active?
    pub active: bool,
}

/// A seeded workspace or template: id and name.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SeededEntity {
    /// The id.
    pub id: i64,
    /// The name.
    pub name: String,
}

/// A seeded template type with its data fields' ids.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SeededTemplateType {
    /// The id (`template_type_id`, a webhook's `template_group_id`).
    pub id: i64,
    /// The name.
    pub name: String,
    /// The extension type, if any.
    pub extension_type: Option<String>,
    /// `(data field id, custom_id)` pairs.
    pub data_fields: Vec<(i64, String)>,
}

impl Seeded {
    /// The user with this e-mail (case-insensitive).
    pub fn user(&self, email: &str) -> Option<&SeededUser> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    /// The id of the workspace with this name.
    pub fn workspace_id(&self, name: &str) -> Option<i64> {
        self.workspaces
            .iter()
            .find(|w| w.name == name)
            .map(|w| w.id)
    }

    /// The id of the template with this name.
    pub fn template_id(&self, name: &str) -> Option<i64> {
        self.templates.iter().find(|t| t.name == name).map(|t| t.id)
    }

    /// The template type with this name.
    pub fn template_type(&self, name: &str) -> Option<&SeededTemplateType> {
        self.template_types.iter().find(|t| t.name == name)
    }
}
