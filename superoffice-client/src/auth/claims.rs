//! SuperOffice's id_token (and system-user JWT) claims, typed and leniently parsed.

use std::fmt;

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde_json::{Map, Value};
use url::Url;

use crate::auth::IdTokenProblem;
use crate::customer_id::CustomerId;

/// The prefix of every SuperOffice-specific claim.
pub(crate) const PREFIX: &str = "http://schemes.superoffice.net/identity/";

/// The claims of a validated SuperOffice id_token or system-user JWT.
///
/// SuperOffice's own claims carry the prefix `http://schemes.superoffice.net/identity/`; they are
/// parsed leniently the way SuperOffice sends them (`associateid` and `is_administrator` as
/// strings, `iat` sometimes as a string). `Debug` redacts `system_token` and `ticket`.
#[derive(Clone)]
#[non_exhaustive]
pub struct SuperOfficeClaims {
    /// `sub` (the user's SuperID e-mail for id_tokens).
    pub subject: Option<String>,
    /// `iss`.
    pub issuer: String,
    /// `aud` (one or several values).
    pub audience: Vec<String>,
    /// `exp`.
    pub expires_at: DateTime<Utc>,
    /// `nbf`.
    pub not_before: Option<DateTime<Utc>>,
    /// `iat`.
    pub issued_at: Option<DateTime<Utc>>,
    /// `nonce` (id_tokens from a sign-in).
    pub nonce: Option<String>,
    /// `azp` (authorized party), checked against the client id when `aud` has several values.
    pub authorized_party: Option<String>,
    /// `associateid`: the user's associate id in the tenant.
    pub associate_id: Option<i32>,
    /// `ctx`: the tenant (`Cust12345`).
    pub customer_id: Option<CustomerId>,
    /// `email`: the user's SuperID e-mail.
    pub email: Option<String>,
    /// `so_primary_email_address`.
    pub primary_email: Option<String>,
    /// `upn`: user principal name.
    pub upn: Option<String>,
    /// `initials`.
    pub initials: Option<String>,
    /// `identityprovider` (e.g. `central-superid`).
    pub identity_provider: Option<String>,
    /// `company_name`: the user's company (the tenant owner).
    pub company_name: Option<String>,
    /// `is_administrator` (sent as `"True"`/`"False"`).
    pub is_administrator: Option<bool>,
    /// `webapi_url`: the tenant's REST base, ending in `/api/`.
    pub webapi_url: Option<Url>,
    /// `netserver_url`: the tenant's SOAP base.
    pub netserver_url: Option<Url>,
    /// `serial`: the tenant database serial (the system-user JWT audience is `spn:{serial}`).
    pub serial: Option<String>,
    /// `system_token`: present when the app may use the system user. Treat as a secret.
    pub system_token: Option<SecretString>,
    /// `ticket`: the system-user ticket (in system-user JWTs). A credential.
    pub ticket: Option<SecretString>,
}

impl SuperOfficeClaims {
    /// The REST base URL (`webapi_url`), normalised to end in `/`.
    pub fn api_base(&self) -> Option<Url> {
        let mut url = self.webapi_url.clone()?;
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Some(url)
    }

    /// Parses the claims of a JWT payload. Checks only shapes, not values (see
    /// [`IdTokenValidator`](crate::auth::IdTokenValidator) for that).
    pub fn from_json(claims: &Map<String, Value>) -> Result<Self, IdTokenProblem> {
        let so = |name: &str| claims.get(&format!("{PREFIX}{name}"));
        Ok(SuperOfficeClaims {
            subject: opt_string(claims.get("sub"), "sub")?,
            issuer: opt_string(claims.get("iss"), "iss")?
                .ok_or(IdTokenProblem::MissingClaim("iss"))?,
            audience: audience(claims.get("aud"))?,
            expires_at: opt_timestamp(claims.get("exp"), "exp")?
                .ok_or(IdTokenProblem::MissingClaim("exp"))?,
            not_before: opt_timestamp(claims.get("nbf"), "nbf")?,
            issued_at: opt_timestamp(claims.get("iat"), "iat")?,
            nonce: opt_string(claims.get("nonce"), "nonce")?,
            authorized_party: opt_string(claims.get("azp"), "azp")?,
            associate_id: opt_i32(so("associateid"), "associateid")?,
            customer_id: opt_string(so("ctx"), "ctx")?
                .map(|raw| {
                    CustomerId::parse(&raw).map_err(|_| IdTokenProblem::InvalidClaim {
                        claim: "ctx",
                        reason: "not a customer id (`Cust12345`)".to_owned(),
                    })
                })
                .transpose()?,
            email: opt_string(so("email"), "email")?,
            primary_email: opt_string(so("so_primary_email_address"), "so_primary_email_address")?,
            upn: opt_string(so("upn"), "upn")?,
            initials: opt_string(so("initials"), "initials")?,
            identity_provider: opt_string(so("identityprovider"), "identityprovider")?,
            company_name: opt_string(so("company_name"), "company_name")?,
            is_administrator: opt_bool(so("is_administrator"), "is_administrator")?,
            webapi_url: opt_url(so("webapi_url"), "webapi_url")?,
            netserver_url: opt_url(so("netserver_url"), "netserver_url")?,
            serial: opt_string(so("serial"), "serial")?,
            system_token: opt_string(so("system_token"), "system_token")?.map(SecretString::from),
            ticket: opt_string(so("ticket"), "ticket")?.map(SecretString::from),
        })
    }
}

impl fmt::Debug for SuperOfficeClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |present: bool| if present { "Some([redacted])" } else { "None" };
        f.debug_struct("SuperOfficeClaims")
            .field("subject", &self.subject)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("expires_at", &self.expires_at)
            .field("not_before", &self.not_before)
            .field("issued_at", &self.issued_at)
            .field("nonce", &self.nonce.as_ref().map(|_| "[redacted]"))
            .field("authorized_party", &self.authorized_party)
            .field("associate_id", &self.associate_id)
            .field("customer_id", &self.customer_id)
            .field("email", &self.email)
            .field("primary_email", &self.primary_email)
            .field("upn", &self.upn)
            .field("initials", &self.initials)
            .field("identity_provider", &self.identity_provider)
            .field("company_name", &self.company_name)
            .field("is_administrator", &self.is_administrator)
            .field("webapi_url", &self.webapi_url.as_ref().map(Url::as_str))
            .field(
                "netserver_url",
                &self.netserver_url.as_ref().map(Url::as_str),
            )
            .field("serial", &self.serial)
            .field("system_token", &redacted(self.system_token.is_some()))
            .field("ticket", &redacted(self.ticket.is_some()))
            .finish()
    }
}

fn invalid(claim: &'static str, reason: impl Into<String>) -> IdTokenProblem {
    IdTokenProblem::InvalidClaim {
        claim,
        reason: reason.into(),
    }
}

fn opt_string(
    value: Option<&Value>,
    claim: &'static str,
) -> Result<Option<String>, IdTokenProblem> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(invalid(claim, "expected a string")),
    }
}

fn opt_i32(value: Option<&Value>, claim: &'static str) -> Result<Option<i32>, IdTokenProblem> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(Some)
            .ok_or_else(|| invalid(claim, "not a 32-bit integer")),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse::<i32>()
            .map(Some)
            .map_err(|_| invalid(claim, "not a 32-bit integer")),
        Some(_) => Err(invalid(claim, "expected an integer")),
    }
}

fn opt_bool(value: Option<&Value>, claim: &'static str) -> Result<Option<bool>, IdTokenProblem> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(Some(true)),
            "false" | "0" => Ok(Some(false)),
            "" => Ok(None),
            _ => Err(invalid(claim, "expected \"True\" or \"False\"")),
        },
        Some(Value::Number(n)) => match n.as_i64() {
            Some(1) => Ok(Some(true)),
            Some(0) => Ok(Some(false)),
            _ => Err(invalid(claim, "expected \"True\" or \"False\"")),
        },
        Some(_) => Err(invalid(claim, "expected \"True\" or \"False\"")),
    }
}

fn opt_url(value: Option<&Value>, claim: &'static str) -> Result<Option<Url>, IdTokenProblem> {
    opt_string(value, claim)?
        .map(|raw| Url::parse(&raw).map_err(|e| invalid(claim, format!("not a URL: {e}"))))
        .transpose()
}

/// NumericDate as a JSON number (integer or fractional) or a string of digits.
fn opt_timestamp(
    value: Option<&Value>,
    claim: &'static str,
) -> Result<Option<DateTime<Utc>>, IdTokenProblem> {
    let seconds = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite())
                .map(|f| f.trunc() as i64)
        }),
        Some(Value::String(s)) => {
            let t = s.trim();
            t.parse::<i64>().ok().or_else(|| {
                t.parse::<f64>()
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(|f| f.trunc() as i64)
            })
        }
        Some(_) => None,
    };
    let seconds = seconds.ok_or_else(|| invalid(claim, "expected seconds since 1970"))?;
    DateTime::from_timestamp(seconds, 0)
        .map(Some)
        .ok_or_else(|| invalid(claim, "timestamp out of range"))
}

fn audience(value: Option<&Value>) -> Result<Vec<String>, IdTokenProblem> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                _ => Err(invalid("aud", "expected strings")),
            })
            .collect(),
        Some(_) => Err(invalid("aud", "expected a string or an array of strings")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> Result<SuperOfficeClaims, IdTokenProblem> {
        match value {
            Value::Object(map) => SuperOfficeClaims::from_json(&map),
            _ => unreachable!("test input is an object"),
        }
    }

    #[test]
    fn lenient_numbers_and_booleans() {
        let claims = parse(json!({
            "iss": "https://sod.superoffice.com",
            "aud": ["a", "b"],
            "exp": 1_764_322_000.0,
            "iat": "1764321700",
            "http://schemes.superoffice.net/identity/associateid": 5,
            "http://schemes.superoffice.net/identity/is_administrator": "FALSE",
        }))
        .expect("parses");
        assert_eq!(claims.audience, vec!["a", "b"]);
        assert_eq!(claims.associate_id, Some(5));
        assert_eq!(claims.is_administrator, Some(false));
        assert_eq!(claims.issued_at.map(|t| t.timestamp()), Some(1_764_321_700));
    }

    #[test]
    fn bad_shapes_are_named() {
        let err = parse(json!({"iss": "x", "exp": "soon"})).expect_err("bad exp");
        assert!(matches!(
            err,
            IdTokenProblem::InvalidClaim { claim: "exp", .. }
        ));
        let err = parse(json!({"iss": "x"})).expect_err("no exp");
        assert_eq!(err, IdTokenProblem::MissingClaim("exp"));
        let err = parse(json!({"iss": "x", "exp": 1, "http://schemes.superoffice.net/identity/is_administrator": "yes"}))
            .expect_err("bad bool");
        assert!(matches!(
            err,
            IdTokenProblem::InvalidClaim {
                claim: "is_administrator",
                ..
            }
        ));
    }
}
