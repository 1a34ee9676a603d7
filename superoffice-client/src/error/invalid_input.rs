//! [`InvalidInput`]: why the client refused a call locally, before anything was sent, and
//! [`PanelUrlError`], the web panel URL refusals it wraps.

/// Why input was rejected locally (nothing was sent, no credential was fetched for it).
///
/// Reach it through [`Error::invalid_input`](crate::Error::invalid_input). The texts say what
/// to change; they never contain secrets or the values of personal fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidInput {
    /// A required value is missing, empty or only whitespace.
    #[error("{field} is required and must not be blank")]
    BlankField {
        /// Which value, in SuperOffice's spelling where it is a field (`Name`, `Url`,
        /// `VisibleIn`, `Header`, `TargetUrl`, `ProgId`, …).
        field: &'static str,
    },
    /// An entity passed to a create call already has an id.
    #[error(
        "a new entity must not have a {field}; leave it 0, or update the existing one instead"
    )]
    IdOnCreate {
        /// The id field (`WebhookId`, `WebPanelId`, `DocumentId`).
        field: &'static str,
    },
    /// An id that cannot exist (SuperOffice ids start at 1).
    #[error("{field} must be a positive id, got {id}; pass the id SuperOffice returned")]
    NonPositiveId {
        /// The id field (`SaleId`, `ContactId`, …).
        field: &'static str,
        /// The id given.
        id: i32,
    },
    /// [`UsersHandler::find_by_email`](crate::api::UsersHandler::find_by_email) got an empty
    /// text or one without `@`.
    #[error("find_by_email needs an e-mail address such as `jane@example.com`")]
    InvalidEmail,
    /// A functional right name is empty or contains whitespace.
    #[error("a functional right is a non-empty name without spaces, such as `admin-all`")]
    FunctionRightName,
    /// The callback URL of an OIDC sign-in has no `code` parameter (and no `error`).
    #[error("the sign-in callback has no `code` parameter; pass the full URL SuperOffice redirected the browser to")]
    CallbackWithoutCode,
    /// A merge patch (`application/json` PATCH) is not a non-empty JSON object.
    #[error("a merge patch must be a non-empty JSON object of the fields to change")]
    MergePatchNotObject,
    /// A JSON Patch has no operations.
    #[error("a JSON Patch needs at least one operation")]
    JsonPatchEmpty,
    /// A JSON Patch operation has an empty path (it would address the whole entity).
    #[error("JSON Patch operation #{index} has an empty path; name the field, e.g. `/Heading`")]
    JsonPatchEmptyPath {
        /// Zero-based position of the operation.
        index: usize,
    },
    /// A JSON Patch consists of `test` operations only, so it changes nothing.
    #[error("a JSON Patch of only `test` operations changes nothing; add the change to make")]
    JsonPatchOnlyTests,
    /// A webhook without event names, or with a blank one.
    #[error("a webhook needs at least one non-empty event name, such as `sale.changed`")]
    WebhookEvents,
    /// A webhook `TargetUrl` that is neither `https` nor `http` on loopback.
    #[error("TargetUrl must use https (SuperOffice only calls HTTPS targets; plain http is accepted for localhost only)")]
    WebhookTargetNotHttps,
    /// A webhook update without the secret stored at creation.
    #[error("a webhook update needs the Secret stored at creation: SuperOffice never shows it again and PUT replaces the whole webhook, so leaving it out would clear it (use Webhook::with_secret)")]
    WebhookSecretRequired,
    /// A webhook secret that is empty.
    #[error("an empty webhook Secret signs nothing; use a long random secret")]
    EmptyWebhookSecret,
    /// A document file `Name` that is blank, contains a path separator or a control character.
    #[error("a document needs a plain file Name such as `offer.docx`, without path separators or control characters")]
    DocumentFileName,
    /// A document without a document template (document type) id.
    #[error("a document needs a DocumentTemplate (document type) with a positive id")]
    DocumentTemplateMissing,
    /// A web panel URL that breaks the certification rules (see [`PanelUrlError`]).
    #[error(transparent)]
    PanelUrl(#[from] PanelUrlError),
    /// The call needs the application token (`SO-AppToken`) and the credential has none.
    #[error("this call needs the application token (SO-AppToken): give the bearer credential the app's client secret with Credential::with_app_token")]
    AppTokenRequired,
    /// An OData column name (in `$filter`, `$select` or `$orderBy`) that is not a plain name.
    #[error("invalid {clause} column {column:?}; use an archive column name such as `saleId` or `person/personId`")]
    ODataColumn {
        /// `$filter`, `$select` or `$orderBy`.
        clause: &'static str,
        /// The column as given.
        column: String,
    },
    /// An OData id-list operator (`oneOf`, `notOneOf`) without ids.
    #[error("OData {operator} needs at least one id; skip the filter when the list is empty")]
    ODataEmptyIdList {
        /// The operator.
        operator: &'static str,
    },
    /// `$top` of 0.
    #[error("$top must be at least 1")]
    ODataTop,
    /// A path segment of `.` or `..`, which a URL parser would resolve to another resource.
    #[error("{segment:?} is not allowed as a path segment (it would address another resource); check the id or name passed")]
    PathSegment {
        /// The segment as given.
        segment: String,
    },
    /// The request URL would leave the tenant's API base.
    #[error("invalid request path: it leaves the API base")]
    PathLeavesApiBase,
    /// A URL could not be parsed or joined.
    #[error("{field} is not a valid URL: {reason}")]
    Url {
        /// Which URL (`TargetUrl`, `API base`, `request path`).
        field: &'static str,
        /// What the URL parser reported.
        reason: String,
    },
    /// A header name or value cannot be sent in HTTP (the value is never included).
    #[error("header `{name}` has an invalid name or value; use visible ASCII without line breaks")]
    Header {
        /// The header name as given.
        name: String,
    },
    /// A request body or form could not be serialised.
    #[error("cannot serialise the {what}: {reason}")]
    Serialize {
        /// `body` or `form`.
        what: &'static str,
        /// What the serialiser reported.
        reason: String,
    },
}

/// Why a panel URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PanelUrlError {
    /// The base is not an absolute `https` URL (plain `http` is accepted for loopback only).
    #[error("the panel URL must be an absolute https URL: {0}")]
    InvalidBase(String),
    /// `<usec>` (encrypted credentials) is not allowed in SuperOffice Online.
    #[error("<usec> (encrypted credentials) must not be used in a web panel URL")]
    ForbiddenVariable,
    /// A variable certification requires is missing.
    #[error("the panel URL must contain <{0}>")]
    MissingVariable(&'static str),
    /// A custom variable name is not 4 lower-case letters/digits, or a parameter name is empty.
    #[error("invalid template variable or parameter name: {0:?}")]
    InvalidName(String),
}
