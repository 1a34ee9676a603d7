//! A typed builder for web panel URLs with SuperOffice template variables.
//!
//! SuperOffice substitutes `<name>` placeholders in a panel URL when it shows the panel
//! (`<said>` = Sale id, `<uctx>` = tenant, `<usid>` = the signed-in user's associate id,
//! `<user>` = the user's name, …; system-variables reference). Certification requires `<uctx>`
//! and `<usid>` in every panel URL and forbids `<usec>` (encrypted credentials). The builder
//! enforces both and leaves the placeholders literal (not percent-encoded), e.g.
//! `https://host/so/sale?ctx=<uctx>&sale=<said>&user=<usid>`. Treat the substituted values as
//! hints: authenticate the user before showing data.

use std::fmt;

use url::Url;

pub use crate::error::PanelUrlError;

crate::models::macros::string_enum! {
    /// A SuperOffice URL template variable (the text between `<` and `>`).
    pub enum TemplateVariable {
        /// `<said>`: Sale id.
        SaleId = "said",
        /// `<sati>`: Sale title (heading).
        SaleTitle = "sati",
        /// `<saam>`: Sale amount.
        SaleAmount = "saam",
        /// `<sacu>`: Sale currency.
        SaleCurrency = "sacu",
        /// `<sada>`: Sale date.
        SaleDate = "sada",
        /// `<sast>`: Sale stage.
        SaleStage = "sast",
        /// `<satu>`: Sale status text (`Open`, `Sold`, `Lost`, `Stalled`).
        SaleStatus = "satu",
        /// `<sapr>`: Sale probability.
        SaleProbability = "sapr",
        /// `<saty>`: Sale type.
        SaleType = "saty",
        /// `<sanu>`: Sale number.
        SaleNumber = "sanu",
        /// `<saau>`: Sale owner's full name.
        SaleOwner = "saau",
        /// `<cuid>`: Company (contact) id.
        CompanyId = "cuid",
        /// `<name>`: Company name.
        CompanyName = "name",
        /// `<dept>`: Company department.
        CompanyDepartment = "dept",
        /// `<orgn>`: Company organisation number.
        CompanyOrgNr = "orgn",
        /// `<mail>`: Company's primary e-mail.
        CompanyEmail = "mail",
        /// `<ccid>`: Company country code.
        CompanyCountryCode = "ccid",
        /// `<atid>`: Person id.
        PersonId = "atid",
        /// `<attn>`: Person full name.
        PersonFullName = "attn",
        /// `<atfn>`: Person first name.
        PersonFirstName = "atfn",
        /// `<atln>`: Person last name.
        PersonLastName = "atln",
        /// `<atem>`: Person e-mail.
        PersonEmail = "atem",
        /// `<prid>`: Project id.
        ProjectId = "prid",
        /// `<apid>`: Follow-up (appointment) id.
        AppointmentId = "apid",
        /// `<doid>`: Document id.
        DocumentId = "doid",
        /// `<uctx>`: Online context id (`Cust12345`); required.
        ContextId = "uctx",
        /// `<usid>` (`LoggedInUserId`): the associate id of the logged-in user; required.
        UserAssociateId = "usid",
        /// `<user>` (`LoggedInUserName`): the logged-in user's name, not an id.
        UserName = "user",
        /// `<usem>`: Current user's e-mail.
        UserEmail = "usem",
        /// `<usfn>`: Current user's first name.
        UserFirstName = "usfn",
        /// `<usln>`: Current user's last name.
        UserLastName = "usln",
        /// `<lanc>`: ISO language code of the user interface.
        LanguageCode = "lanc",
    }
}

/// The forbidden variable: encrypted user credentials.
const FORBIDDEN: &str = "usec";

impl TemplateVariable {
    /// The placeholder as written in a URL: `<said>`.
    pub fn placeholder(&self) -> String {
        format!("<{}>", self.as_str())
    }
}

/// A checked web panel URL (contains `<uctx>` and `<usid>`, never `<usec>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelUrl(String);

impl PanelUrl {
    /// Start from a base URL (`https://contracts.example.com/so/sale`); existing query
    /// parameters are kept.
    pub fn builder(base: &str) -> Result<PanelUrlBuilder, PanelUrlError> {
        let url = Url::parse(base).map_err(|e| PanelUrlError::InvalidBase(e.to_string()))?;
        let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        if !(url.scheme() == "https" || (url.scheme() == "http" && loopback)) {
            return Err(PanelUrlError::InvalidBase(format!(
                "scheme `{}` not allowed",
                url.scheme()
            )));
        }
        if url.host_str().is_none() || url.fragment().is_some() {
            return Err(PanelUrlError::InvalidBase(
                "a host is required and a fragment is not allowed".to_owned(),
            ));
        }
        Ok(PanelUrlBuilder {
            base: url,
            params: Vec::new(),
        })
    }

    /// Check a URL template written by hand.
    pub fn parse(template: &str) -> Result<Self, PanelUrlError> {
        let lower = template.to_ascii_lowercase();
        if lower.contains("<usec>") {
            return Err(PanelUrlError::ForbiddenVariable);
        }
        let probe = template.replace(['<', '>'], "");
        let url = Url::parse(&probe).map_err(|e| PanelUrlError::InvalidBase(e.to_string()))?;
        let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        if !(url.scheme() == "https" || (url.scheme() == "http" && loopback)) {
            return Err(PanelUrlError::InvalidBase(format!(
                "scheme `{}` not allowed",
                url.scheme()
            )));
        }
        for required in [
            TemplateVariable::ContextId,
            TemplateVariable::UserAssociateId,
        ] {
            if !lower.contains(&required.placeholder()) {
                return Err(PanelUrlError::MissingVariable(required_name(&required)));
            }
        }
        Ok(PanelUrl(template.to_owned()))
    }

    /// The URL template.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL template as a `String`.
    pub fn into_string(self) -> String {
        self.0
    }
}

fn required_name(var: &TemplateVariable) -> &'static str {
    match var {
        TemplateVariable::ContextId => "uctx",
        _ => "usid",
    }
}

impl fmt::Display for PanelUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<PanelUrl> for String {
    fn from(url: PanelUrl) -> Self {
        url.0
    }
}

enum Param {
    Variable(String, TemplateVariable),
    Literal(String, String),
}

/// Builder for a [`PanelUrl`].
///
/// ```
/// use superoffice_client::api::{PanelUrl, TemplateVariable};
///
/// let url = PanelUrl::builder("https://contracts.example.com/so/sale")?
///     .variable("ctx", TemplateVariable::ContextId)
///     .variable("sale", TemplateVariable::SaleId)
///     .variable("user", TemplateVariable::UserAssociateId)
///     .literal("src", "superoffice panel")
///     .build()?;
/// assert_eq!(
///     url.as_str(),
///     "https://contracts.example.com/so/sale?ctx=<uctx>&sale=<said>&user=<usid>&src=superoffice+panel"
/// );
/// # Ok::<(), superoffice_client::api::PanelUrlError>(())
/// ```
#[must_use]
pub struct PanelUrlBuilder {
    base: Url,
    params: Vec<Param>,
}

impl fmt::Debug for PanelUrlBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PanelUrlBuilder")
            .field("base", &self.base.as_str())
            .field("params", &self.params.len())
            .finish()
    }
}

impl PanelUrlBuilder {
    /// Add `name=<variable>`.
    pub fn variable(mut self, name: impl Into<String>, variable: TemplateVariable) -> Self {
        self.params.push(Param::Variable(name.into(), variable));
        self
    }

    /// Add `name=value` with a fixed, percent-encoded value.
    pub fn literal(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push(Param::Literal(name.into(), value.into()));
        self
    }

    /// Check the rules and produce the URL.
    pub fn build(self) -> Result<PanelUrl, PanelUrlError> {
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let mut has_ctx = false;
        let mut has_user = false;
        let mut pairs = Vec::with_capacity(self.params.len());
        for param in &self.params {
            let (name, value) = match param {
                Param::Variable(name, var) => {
                    let code = var.as_str().to_ascii_lowercase();
                    if code == FORBIDDEN {
                        return Err(PanelUrlError::ForbiddenVariable);
                    }
                    let valid = code.len() == 4
                        && code
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
                    if !valid {
                        return Err(PanelUrlError::InvalidName(code));
                    }
                    has_ctx |= code == "uctx";
                    has_user |= code == "usid";
                    (name, format!("<{code}>"))
                }
                Param::Literal(name, value) => {
                    if value.to_ascii_lowercase().contains("<usec>") {
                        return Err(PanelUrlError::ForbiddenVariable);
                    }
                    (name, encode(value))
                }
            };
            if name.trim().is_empty() {
                return Err(PanelUrlError::InvalidName(name.clone()));
            }
            pairs.push(format!("{}={value}", encode(name)));
        }
        if !has_ctx {
            return Err(PanelUrlError::MissingVariable("uctx"));
        }
        if !has_user {
            return Err(PanelUrlError::MissingVariable("usid"));
        }
        let mut out = self.base.to_string();
        let joined = pairs.join("&");
        match self.base.query() {
            Some(q) if !q.is_empty() => {
                out.push('&');
                out.push_str(&joined);
            }
            Some(_) => out.push_str(&joined),
            None => {
                out.push('?');
                out.push_str(&joined);
            }
        }
        Ok(PanelUrl(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> PanelUrlBuilder {
        PanelUrl::builder("https://contracts.example.com/so/sale").unwrap()
    }

    #[test]
    fn user_variables_follow_the_system_variables_reference() {
        // snippets/variable/generated/system-variables.md: `usid` = LoggedInUserId (the
        // associate id), `user` = LoggedInUserName.
        assert_eq!(TemplateVariable::UserAssociateId.placeholder(), "<usid>");
        assert_eq!(TemplateVariable::UserName.placeholder(), "<user>");
        let by_name = base()
            .variable("ctx", TemplateVariable::ContextId)
            .variable("name", TemplateVariable::UserName)
            .build();
        assert_eq!(by_name, Err(PanelUrlError::MissingVariable("usid")));
    }

    #[test]
    fn builds_literal_placeholders() {
        let url = base()
            .variable("ctx", TemplateVariable::ContextId)
            .variable("sale", TemplateVariable::SaleId)
            .variable("user", TemplateVariable::UserAssociateId)
            .variable("company", TemplateVariable::CompanyId)
            .variable("person", TemplateVariable::PersonId)
            .build()
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://contracts.example.com/so/sale?ctx=<uctx>&sale=<said>&user=<usid>&company=<cuid>&person=<atid>"
        );
        assert!(PanelUrl::parse(url.as_str()).is_ok());
    }

    #[test]
    fn refuses_usec_in_every_form() {
        let err = base()
            .variable("ctx", TemplateVariable::ContextId)
            .variable("user", TemplateVariable::UserAssociateId)
            .variable("cred", TemplateVariable::from_wire("usec"))
            .build()
            .unwrap_err();
        assert_eq!(err, PanelUrlError::ForbiddenVariable);
        let err = base()
            .variable("ctx", TemplateVariable::ContextId)
            .variable("user", TemplateVariable::UserAssociateId)
            .literal("x", "<USEC>")
            .build()
            .unwrap_err();
        assert_eq!(err, PanelUrlError::ForbiddenVariable);
        assert_eq!(
            PanelUrl::parse("https://x.example/?a=<uctx>&b=<usid>&c=<usec>"),
            Err(PanelUrlError::ForbiddenVariable)
        );
    }

    #[test]
    fn requires_uctx_and_usid() {
        let err = base()
            .variable("user", TemplateVariable::UserAssociateId)
            .build()
            .unwrap_err();
        assert_eq!(err, PanelUrlError::MissingVariable("uctx"));
        let err = base()
            .variable("ctx", TemplateVariable::ContextId)
            .build()
            .unwrap_err();
        assert_eq!(err, PanelUrlError::MissingVariable("usid"));
        assert_eq!(
            PanelUrl::parse("https://x.example/?a=<uctx>"),
            Err(PanelUrlError::MissingVariable("usid"))
        );
    }

    #[test]
    fn refuses_bad_bases_and_names() {
        assert!(PanelUrl::builder("http://example.com/").is_err());
        assert!(PanelUrl::builder("not a url").is_err());
        assert!(PanelUrl::builder("http://127.0.0.1:8080/panel").is_ok());
        let err = base()
            .variable("ctx", TemplateVariable::ContextId)
            .variable("user", TemplateVariable::UserAssociateId)
            .variable("x", TemplateVariable::from_wire("bad var"))
            .build()
            .unwrap_err();
        assert!(matches!(err, PanelUrlError::InvalidName(_)));
    }

    #[test]
    fn keeps_existing_query() {
        let url = PanelUrl::builder("https://h.example/p?v=2")
            .unwrap()
            .variable("ctx", TemplateVariable::ContextId)
            .variable("user", TemplateVariable::UserAssociateId)
            .build()
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://h.example/p?v=2&ctx=<uctx>&user=<usid>"
        );
    }
}
