//! The sandbox's web UI: a sign-in form and a minimal Sale screen with the `SaleArchive` web
//! panels as tabs, served on its own listener (`http://localhost:{port}`), which is another
//! *site* than services on `127.0.0.1`: a panel framed by this screen is a cross-site iframe,
//! as it is under `online.superoffice.com`.
//!
//! Routes (all on the UI listener):
//!
//! * `GET /login?returnUrl=/…` — the sign-in form (refuses framing);
//!   `POST /login` (`email`, `returnUrl`) — starts a UI session (cookie `SoSandboxUi`).
//! * `POST /logout` — ends it.
//! * `GET /{Cust}/default.aspx?sale.main?sale_id={id}[&panel={WebPanelId}]` — the Sale screen,
//!   shaped like SuperOffice's SoProtocol address of a page (`default.aspx?contact.main…?contact_id=2`).
//! * `GET /` — the signed-in user's sales, linking to their Sale screens.

use std::fmt::Write as _;

use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

use super::keys::random_token;
use super::seed::UserSeed;
use super::server::{escape_html, html, Req};
use super::state::{SharedRef, Tenant, UiSession, WebPanel};

/// Name of the UI session cookie.
pub(crate) const SESSION_COOKIE: &str = "SoSandboxUi";

/// What `<name>` may be: four ASCII letters or digits (`said`, `ss01`).
const VARIABLE_LEN: usize = 4;

/// Characters left alone by percent-encoding: RFC 3986 unreserved.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1d2433}\
header{background:#0b3b5c;color:#fff;padding:.5rem 1rem;display:flex;gap:1rem;align-items:center}\
header form{margin-left:auto}main{padding:1rem}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}\
nav ul{list-style:none;display:flex;gap:.25rem;padding:0;margin:1rem 0 0;border-bottom:2px solid #0b3b5c}\
nav a{display:block;padding:.4rem .8rem;color:#0b3b5c}\
nav a[aria-current]{background:#0b3b5c;color:#fff}\
iframe{width:100%;height:36rem;border:1px solid #99a}.error{color:#a00}";

/// Dispatches a request to the UI listener.
pub(crate) fn route(shared: &SharedRef, req: &Req) -> Response {
    let s0 = req.seg(0).unwrap_or_default();
    let s1 = req.seg(1).unwrap_or_default();
    match (s0.as_str(), s1.as_str(), &req.method) {
        ("", "", &Method::GET) => home(shared, req),
        ("login", "", &Method::GET) => sign_in_form(shared, req.query("returnUrl"), None),
        ("login", "", &Method::POST) => sign_in(shared, req),
        ("logout", "", &Method::POST) => sign_out(shared, req),
        (cust, "default.aspx", &Method::GET) if cust.starts_with("cust") => {
            sale_screen(shared, req)
        }
        _ => super::server::not_found_html(),
    }
}

/// A full HTML page.
fn page(status: StatusCode, title: &str, header_html: &str, body: &str) -> Response {
    let mut response = html(
        status,
        &format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width\"><title>{} – SuperOffice sandbox</title>\
<style>{STYLE}</style></head><body><header><strong>SuperOffice sandbox</strong>{header_html}</header>\
<main>{body}</main></body></html>",
            escape_html(title)
        ),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Marks a response as not frameable (`X-Frame-Options` and CSP `frame-ancestors`), like a
/// sign-in page that defends against clickjacking.
pub(crate) fn deny_framing(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("frame-ancestors 'none'"),
    );
    response
}

/// A `303 See Other` to a path on this listener.
fn see_other(location: &str, cookie: Option<&str>) -> Response {
    let mut builder = Response::builder()
        .status(StatusCode::SEE_OTHER)
        .header(header::CACHE_CONTROL, "no-store");
    if let Ok(value) = HeaderValue::from_str(location) {
        builder = builder.header(header::LOCATION, value);
    }
    if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(c).ok()) {
        builder = builder.header(header::SET_COOKIE, cookie);
    }
    builder.body(axum::body::Body::empty()).unwrap_or_default()
}

/// Only a path on this listener may be a return target (no scheme, no `//host`).
fn safe_return(target: Option<&str>) -> Option<&str> {
    target.filter(|t| t.starts_with('/') && !t.starts_with("//") && !t.starts_with("/\\"))
}

fn sign_in_url(return_to: &str) -> String {
    let query = serde_urlencoded::to_string([("returnUrl", return_to)]).unwrap_or_default();
    format!("/login?{query}")
}

/// The session behind the request's cookie, if any.
fn session(shared: &SharedRef, req: &Req) -> Option<UiSession> {
    let cookies = req
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='));
    let mut found = None;
    for (name, value) in cookies {
        if name == SESSION_COOKIE {
            found = shared.lock().ui_sessions.get(value).cloned();
            if found.is_some() {
                break;
            }
        }
    }
    found
}

fn sign_in_form(shared: &SharedRef, return_to: Option<&str>, error: Option<&str>) -> Response {
    let world = shared.lock();
    let mut options = String::new();
    for tenant in world.tenants.values() {
        for user in tenant.users.iter().filter(|u| u.active) {
            let _ = write!(
                options,
                "<option value=\"{}\">{} &lt;{}&gt; ({})</option>",
                escape_html(&user.email),
                escape_html(&user.full_name),
                escape_html(&user.email),
                escape_html(&tenant.cust)
            );
        }
    }
    drop(world);
    let return_field = safe_return(return_to)
        .map(|r| {
            format!(
                "<input type=\"hidden\" name=\"returnUrl\" value=\"{}\">",
                escape_html(r)
            )
        })
        .unwrap_or_default();
    let error_html = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape_html(e)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign in</h1>{error_html}<p>Pick the sandbox user to sign in as. This page cannot be \
shown inside a frame.</p><form method=\"post\" action=\"/login\">{return_field}\
<p><label for=\"email\">User</label> <select id=\"email\" name=\"email\">{options}</select></p>\
<p><button type=\"submit\">Sign in</button></p></form>"
    );
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    deny_framing(page(status, "Sign in", "", &body))
}

fn sign_in(shared: &SharedRef, req: &Req) -> Response {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&req.body).unwrap_or_default();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let return_to = safe_return(field("returnUrl"));
    let email = field("email").unwrap_or("");
    let mut world = shared.lock();
    let Some((tenant, associate_id)) = world
        .find_user(email)
        .filter(|(_, u)| u.active)
        .map(|(t, u)| (t.cust.clone(), u.associate_id))
    else {
        drop(world);
        return sign_in_form(
            shared,
            return_to,
            Some(
                "There is no active sandbox user with that e-mail address; pick one from the list.",
            ),
        );
    };
    let token = random_token(32);
    world.ui_sessions.insert(
        token.clone(),
        UiSession {
            tenant,
            associate_id,
        },
    );
    drop(world);
    let cookie = format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax");
    see_other(return_to.unwrap_or("/"), Some(&cookie))
}

fn sign_out(shared: &SharedRef, req: &Req) -> Response {
    let cookies: Vec<String> = req
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .collect();
    let mut world = shared.lock();
    for value in cookies {
        world.ui_sessions.remove(&value);
    }
    drop(world);
    let expired = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    see_other("/login", Some(&expired))
}

/// The header's "signed in as … / Sign out" part.
fn user_bar(tenant: &Tenant, user: &UserSeed) -> String {
    format!(
        "<span>{} ({})</span><span>Signed in as {}</span>\
<form method=\"post\" action=\"/logout\"><button type=\"submit\">Sign out</button></form>",
        escape_html(&tenant.company_name),
        escape_html(&tenant.cust),
        escape_html(&user.full_name)
    )
}

fn home(shared: &SharedRef, req: &Req) -> Response {
    let Some(session) = session(shared, req) else {
        return see_other(&sign_in_url("/"), None);
    };
    let world = shared.lock();
    let Some((tenant, user)) = world
        .tenant(&session.tenant)
        .and_then(|t| t.user(session.associate_id).map(|u| (t, u)))
    else {
        drop(world);
        return see_other(&sign_in_url("/"), None);
    };
    let mut items = String::new();
    for (id, sale) in &tenant.sales {
        let _ = write!(
            items,
            "<li><a href=\"{}\">{}</a> – {}</li>",
            escape_html(&sale_screen_path(&tenant.cust, *id)),
            escape_html(text(sale, &["Heading"])),
            escape_html(text(sale, &["Status"]))
        );
    }
    let body = format!("<h1>Sales</h1><ul>{items}</ul>");
    page(StatusCode::OK, "Sales", &user_bar(tenant, user), &body)
}

/// `/{Cust}/default.aspx?sale.main?sale_id={id}`.
pub(crate) fn sale_screen_path(cust: &str, sale_id: i32) -> String {
    format!("/{cust}/default.aspx?sale.main?sale_id={sale_id}")
}

fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    page(
        status,
        title,
        "",
        &format!(
            "<h1>{}</h1><p>{}</p>",
            escape_html(title),
            escape_html(message)
        ),
    )
}

fn sale_screen(shared: &SharedRef, req: &Req) -> Response {
    let cust = req.segments.first().cloned().unwrap_or_default();
    let raw = req.raw_query.as_deref().unwrap_or("");
    let (page_name, params) = raw.split_once('?').unwrap_or((raw, ""));
    if !page_name.eq_ignore_ascii_case("sale.main") {
        return message_page(
            StatusCode::NOT_FOUND,
            "Page not found",
            "The sandbox serves only the Sale screen: default.aspx?sale.main?sale_id={id}.",
        );
    }
    let params: Vec<(String, String)> = serde_urlencoded::from_str(params).unwrap_or_default();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.parse::<i32>().ok())
    };
    let Some(sale_id) = param("sale_id") else {
        return message_page(
            StatusCode::NOT_FOUND,
            "Sale not found",
            "The address needs a numeric sale_id.",
        );
    };
    let Some(session) = session(shared, req) else {
        let here = format!("/{cust}/default.aspx?{raw}");
        return see_other(&sign_in_url(&here), None);
    };
    let world = shared.lock();
    let Some(tenant) = world.tenant(&cust) else {
        return message_page(
            StatusCode::NOT_FOUND,
            "Unknown tenant",
            &format!("There is no tenant {cust} in this sandbox."),
        );
    };
    if !tenant.cust.eq_ignore_ascii_case(&session.tenant) {
        return message_page(
            StatusCode::FORBIDDEN,
            "Another tenant",
            &format!(
                "You are signed in to {}; sign out and sign in as a user of {}.",
                session.tenant, tenant.cust
            ),
        );
    }
    let Some(user) = tenant.user(session.associate_id) else {
        return see_other(&sign_in_url("/"), None);
    };
    let Some(sale) = tenant.sales.get(&sale_id) else {
        return message_page(
            StatusCode::NOT_FOUND,
            "Sale not found",
            &format!("{} has no sale {sale_id}.", tenant.cust),
        );
    };
    let panels = visible_panels(tenant, user);
    let selected = param("panel")
        .and_then(|id| panels.iter().find(|p| panel_id(p) == id))
        .or_else(|| panels.first());
    let mut body = String::new();
    let heading = text(sale, &["Heading"]);
    let _ = write!(
        body,
        "<h1>{}</h1><dl id=\"sale-fields\">",
        escape_html(heading)
    );
    let amount = format!(
        "{} {}",
        number(sale.get("Amount")),
        text(sale, &["Currency", "Value"])
    );
    let probability = format!("{} %", number(sale.get("Probability")));
    let fields = [
        ("Company", text(sale, &["Contact", "Name"])),
        ("Contact", text(sale, &["Person", "FullName"])),
        ("Amount", amount.trim()),
        ("Status", text(sale, &["Status"])),
        ("Stage", text(sale, &["Rating", "Value"])),
        ("Probability", probability.as_str()),
    ];
    for (label, value) in fields {
        let _ = write!(
            body,
            "<dt>{label}</dt><dd>{}</dd>",
            if value.is_empty() {
                "–".to_owned()
            } else {
                escape_html(value)
            }
        );
    }
    body.push_str("</dl>");
    if panels.is_empty() {
        body.push_str("<p id=\"no-panels\">No web panels on this Sale screen.</p>");
    } else {
        body.push_str("<nav aria-label=\"Sale tabs\"><ul>");
        for panel in &panels {
            let id = panel_id(panel);
            let current = selected.is_some_and(|s| panel_id(s) == id);
            let _ = write!(
                body,
                "<li><a href=\"{}\" data-panel-id=\"{id}\"{}>{}</a></li>",
                escape_html(&format!(
                    "{}&panel={id}",
                    sale_screen_path(&tenant.cust, sale_id)
                )),
                if current {
                    " aria-current=\"page\""
                } else {
                    ""
                },
                escape_html(text(&panel.entity, &["Name"]))
            );
        }
        body.push_str("</ul></nav>");
        if let Some(panel) = selected {
            let name = text(&panel.entity, &["Name"]);
            let src = substitute(
                text(&panel.entity, &["Url"]),
                text(&panel.entity, &["UrlEncoding"]),
                &|variable| variable_value(variable, tenant, user, sale),
            );
            let window = text(&panel.entity, &["WindowName"]);
            let _ = write!(
                body,
                "<section aria-label=\"{}\"><iframe id=\"panel-frame\" title=\"{}\" name=\"{}\" src=\"{}\"></iframe></section>",
                escape_html(name),
                escape_html(name),
                escape_html(window),
                escape_html(&src)
            );
        }
    }
    page(StatusCode::OK, heading, &user_bar(tenant, user), &body)
}

fn panel_id(panel: &WebPanel) -> i32 {
    panel
        .entity
        .get("WebPanelId")
        .and_then(Value::as_i64)
        .and_then(|n| i32::try_from(n).ok())
        .unwrap_or(0)
}

/// The panels shown as tabs on the Sale screen for `user`: `VisibleIn` = `SaleArchive`, not
/// deleted, available in the web client, selected for the user's group; by `Rank`, then id.
fn visible_panels<'a>(tenant: &'a Tenant, user: &UserSeed) -> Vec<&'a WebPanel> {
    let mut panels: Vec<&WebPanel> = tenant
        .web_panels
        .values()
        .filter(|p| {
            let e = &p.entity;
            text(e, &["VisibleIn"]) == "SaleArchive"
                && e.get("Deleted") != Some(&Value::Bool(true))
                && e.get("OnSalesMarketingWeb") != Some(&Value::Bool(false))
                && p.user_groups.contains(&user.group_id)
        })
        .collect();
    panels.sort_by_key(|p| {
        (
            p.entity.get("Rank").and_then(Value::as_i64).unwrap_or(0),
            panel_id(p),
        )
    });
    panels
}

/// A string at `path` in a JSON value ("" when absent).
fn text<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
        .unwrap_or("")
}

fn int(value: &Value, path: &[&str]) -> String {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_i64)
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// A JSON number without a trailing `.0` (`120000`, `1234.5`).
fn number(value: Option<&Value>) -> String {
    match value.and_then(Value::as_f64) {
        Some(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
        Some(n) => n.to_string(),
        None => String::new(),
    }
}

/// The value SuperOffice substitutes for `<variable>` on a Sale screen; `None` leaves the
/// placeholder as written (a variable the sandbox does not know).
fn variable_value(
    variable: &str,
    tenant: &Tenant,
    user: &UserSeed,
    sale: &Value,
) -> Option<String> {
    let (first, last) = user
        .full_name
        .rsplit_once(' ')
        .unwrap_or((user.full_name.as_str(), ""));
    let value = match variable {
        // Web app / user variables.
        "uctx" => tenant.cust.clone(),
        "usid" => user.associate_id.to_string(),
        "user" => user.full_name.clone(),
        "usem" => user.email.clone(),
        "usfn" => first.to_owned(),
        "usln" => last.to_owned(),
        // Encrypted credentials: empty in Online since 11.5, never substituted with anything.
        "usec" => String::new(),
        // Sale.
        "said" => int(sale, &["SaleId"]),
        "sati" => text(sale, &["Heading"]).to_owned(),
        "saam" => number(sale.get("Amount")),
        "sacu" => text(sale, &["Currency", "Value"]).to_owned(),
        "sanu" => text(sale, &["Number"]).to_owned(),
        "sapr" => number(sale.get("Probability")),
        "sast" => text(sale, &["Rating", "Value"]).to_owned(),
        "satu" => text(sale, &["Status"]).to_owned(),
        "saty" => text(sale, &["SaleType", "Value"]).to_owned(),
        // Company and person of the sale.
        "cuid" => int(sale, &["Contact", "ContactId"]),
        "name" => text(sale, &["Contact", "Name"]).to_owned(),
        "atid" => int(sale, &["Person", "PersonId"]),
        "attn" => text(sale, &["Person", "FullName"]).to_owned(),
        _ => return None,
    };
    Some(value)
}

/// Replaces each `<name>` (four ASCII letters/digits) that `lookup` knows with its value,
/// encoded per the panel's `UrlEncoding`; other text is kept as written.
pub(crate) fn substitute(
    url: &str,
    encoding: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let name = after.get(..VARIABLE_LEN).filter(|n| {
            n.bytes().all(|b| b.is_ascii_alphanumeric())
                && after.as_bytes().get(VARIABLE_LEN) == Some(&b'>')
        });
        match name.and_then(|n| lookup(&n.to_ascii_lowercase())) {
            Some(value) => {
                out.push_str(&encode_value(&value, encoding));
                rest = &after[VARIABLE_LEN + 1..];
            }
            None => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Encodes a substituted value per `UrlEncoding`: `None`/`Unknown` as is; `Unicode` UTF-8
/// percent-encoding; `ANSI` one `%XX` byte for characters up to U+00FF (Latin-1) and UTF-8
/// percent bytes beyond.
pub(crate) fn encode_value(value: &str, encoding: &str) -> String {
    match encoding {
        "Unicode" => utf8_percent_encode(value, ENCODE).to_string(),
        "ANSI" => {
            let mut out = String::with_capacity(value.len());
            for c in value.chars() {
                let code = u32::from(c);
                if c.is_ascii() {
                    out.push_str(
                        &utf8_percent_encode(c.encode_utf8(&mut [0; 4]), ENCODE).to_string(),
                    );
                } else if code <= 0xFF {
                    let _ = write!(out, "%{code:02X}");
                } else {
                    out.push_str(
                        &utf8_percent_encode(c.encode_utf8(&mut [0; 4]), ENCODE).to_string(),
                    );
                }
            }
            out
        }
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(name: &str) -> Option<String> {
        match name {
            "said" => Some("101".into()),
            "sati" => Some("Fish & Chips Åland".into()),
            "usec" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn substitutes_known_variables_and_keeps_unknown_ones() {
        let url = "https://x.example/p?sale=<said>&t=<sati>&k=<zzzz>&s=<usec>&lt=<a>";
        assert_eq!(
            substitute(url, "None", &lookup),
            "https://x.example/p?sale=101&t=Fish & Chips Åland&k=<zzzz>&s=&lt=<a>"
        );
    }

    #[test]
    fn encodes_values_per_url_encoding() {
        assert_eq!(
            substitute("?t=<SATI>", "Unicode", &lookup),
            "?t=Fish%20%26%20Chips%20%C3%85land"
        );
        assert_eq!(
            substitute("?t=<sati>", "ANSI", &lookup),
            "?t=Fish%20%26%20Chips%20%C5land"
        );
        assert_eq!(encode_value("€", "ANSI"), "%E2%82%AC");
    }

    #[test]
    fn return_targets_stay_on_this_listener() {
        assert_eq!(safe_return(Some("/Cust1/x")), Some("/Cust1/x"));
        assert_eq!(safe_return(Some("//evil.example/")), None);
        assert_eq!(safe_return(Some("/\\evil.example")), None);
        assert_eq!(safe_return(Some("https://evil.example/")), None);
    }
}
