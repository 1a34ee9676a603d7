//! The two backends the conformance scenarios run against, and the seed they share.

use std::time::Duration;

use oneflow_client::models::{TemplateId, TemplateTypeId, WorkspaceId};
use oneflow_client::{Client, RetryPolicy};
use oneflow_sandbox::{default_seed as seed, OneflowSandbox};

/// Ids of the sandbox's default seed (deterministic, see `oneflow_sandbox`). The
/// wiremock fixtures use the same ids and names, so one set of assertions fits both backends.
/// [`Sandboxed::start`] checks that the seed still hands out these ids.
pub(crate) mod ids {
    use super::*;

    /// The account of the seeded token.
    pub(crate) const ACCOUNT: i64 = 1001;
    /// Workspace "Sales" (everyone may create contracts).
    pub(crate) const SALES: WorkspaceId = WorkspaceId(3001);
    /// Template type "SuperOffice" (`extension_type: "superoffice"`).
    pub(crate) const SUPEROFFICE_TYPE: TemplateTypeId = TemplateTypeId(4001);
    /// "SuperOffice - Agreement with PDF": PDF section only.
    pub(crate) const TEMPLATE_PDF: TemplateId = TemplateId(5001);
    /// "SuperOffice - Offer with attachments": attachments section only.
    pub(crate) const TEMPLATE_ATTACHMENTS: TemplateId = TemplateId(5002);
    /// "SuperOffice - Full agreement": both sections.
    pub(crate) const TEMPLATE_PDF_AND_ATTACHMENTS: TemplateId = TemplateId(5003);
    /// "SuperOffice - Simple order": neither section.
    pub(crate) const TEMPLATE_PLAIN: TemplateId = TemplateId(5004);
    /// "SuperOffice - Retired offer": inactive.
    pub(crate) const TEMPLATE_INACTIVE: TemplateId = TemplateId(5005);
}

/// What a scenario needs its backend to have ready. The sandbox keeps real state, so it needs
/// nothing; wiremock mounts the mocks for exactly the requests the scenario makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scenario {
    /// `GET /ping`, `GET /accounts/me`.
    PingAndAccount,
    /// `GET /templates?extension_type=superoffice&filter[active]=true`.
    SuperOfficeTemplates,
    /// `POST /contracts/create`.
    CreateContract,
    /// Create, publish, publish again (409).
    PublishTwice,
    /// Create two contracts, list by `filter[data_field_match]`.
    FindBySaleId,
    /// Create, upload an expanded PDF, list files.
    UploadExpandedPdf,
    /// Create from a template without an attachments section; the upload never leaves the
    /// client.
    AttachmentRefusedLocally,
    /// `GET /ping` acting as an e-mail that is not a user of the account.
    UnknownUser,
    /// Create a webhook, list, delete, list again.
    WebhookLifecycle,
}

/// A request as the backend saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Path, e.g. `/v1/contracts/7001/files`.
    pub path: String,
}

impl Seen {
    /// `true` for a request with this method whose path ends with `suffix`.
    pub(crate) fn is(&self, method: &str, suffix: &str) -> bool {
        self.method == method && self.path.ends_with(suffix)
    }
}

/// One Oneflow API the scenarios talk to through the real client.
pub(crate) trait Backend {
    /// `"wiremock"` or `"sandbox"`, for assertion messages.
    fn name(&self) -> &'static str;

    /// A client for this backend: seeded token, acting as the seeded seller, no retries (so
    /// request counts are exact).
    async fn client(&self) -> Client;

    /// Get ready for `scenario` (mount its mocks; the sandbox needs nothing).
    async fn prepare(&self, scenario: Scenario);

    /// Every request that reached the backend so far, oldest first.
    async fn seen(&self) -> Vec<Seen>;

    /// Checks after the scenario: every wiremock expectation met; no 5xx from the sandbox.
    async fn finish(self);
}

/// Builds the client both backends use.
pub(crate) fn client_for(base_url: &str, token: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .api_token(token.to_owned())
        .user_email(seed::SELLER_EMAIL)
        .timeout(Duration::from_secs(10))
        .retry_policy(RetryPolicy::never())
        .build()
        .expect("client builds")
}

/// The in-process sandbox with its default seed.
pub(crate) struct Sandboxed {
    sandbox: OneflowSandbox,
}

impl Sandboxed {
    /// Starts a sandbox with the default seed and checks the seed still matches [`ids`].
    pub(crate) async fn start() -> Self {
        let sandbox = OneflowSandbox::start().await.expect("sandbox starts");
        let seeded = sandbox.seeded();
        assert_eq!(seeded.account_id, ids::ACCOUNT, "seeded account id");
        assert_eq!(
            seeded.workspace_id(seed::SALES_WORKSPACE),
            Some(ids::SALES.get())
        );
        assert_eq!(
            seeded.template_type(seed::SUPEROFFICE_TYPE).map(|t| t.id),
            Some(ids::SUPEROFFICE_TYPE.get())
        );
        for (name, id) in [
            (seed::TEMPLATE_PDF, ids::TEMPLATE_PDF),
            (seed::TEMPLATE_ATTACHMENTS, ids::TEMPLATE_ATTACHMENTS),
            (
                seed::TEMPLATE_PDF_AND_ATTACHMENTS,
                ids::TEMPLATE_PDF_AND_ATTACHMENTS,
            ),
            (seed::TEMPLATE_PLAIN, ids::TEMPLATE_PLAIN),
            (seed::TEMPLATE_INACTIVE, ids::TEMPLATE_INACTIVE),
        ] {
            assert_eq!(
                seeded.template_id(name),
                Some(id.get()),
                "seeded id of {name}"
            );
        }
        Self { sandbox }
    }
}

impl Backend for Sandboxed {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    async fn client(&self) -> Client {
        client_for(self.sandbox.base_url().as_str(), self.sandbox.api_token())
    }

    async fn prepare(&self, _scenario: Scenario) {}

    async fn seen(&self) -> Vec<Seen> {
        self.sandbox
            .requests()
            .into_iter()
            .map(|r| Seen {
                method: r.method,
                path: r.path,
            })
            .collect()
    }

    async fn finish(self) {
        let failures: Vec<_> = self
            .sandbox
            .requests()
            .into_iter()
            .filter(|r| r.status >= 500)
            .collect();
        assert!(
            failures.is_empty(),
            "the sandbox answered 5xx: {failures:?}"
        );
        self.sandbox.shutdown().await;
    }
}
