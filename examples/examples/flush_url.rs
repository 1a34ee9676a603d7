//! Recipe: the cache-flush URL of a SuperOffice tenant, from any URL of that tenant.
//!
//! ```sh
//! cargo run -p examples --example flush_url -- https://sod2.superoffice.com/Cust12345/api/v1/Sale/4
//! cargo run -p examples --example flush_url          # the sandbox tenant, and the flush itself
//! ```
//!
//! After provisioning web panels or lists, SuperOffice may keep showing its cached state until
//! a General Administrator opens `https://<host>/<Cust>/default.aspx?flush`. Any URL of the
//! tenant's host that names the tenant in its path will do as input: the `webapi_url` claim,
//! a REST URL, a Sale screen link. A URL naming no tenant (the sign-in host, `…/login/`) is a
//! typed error, `CustomerIdError::NoCustomerIdInUrl`; text that is not a URL is
//! `CustomerIdError::InvalidUrl`; a `mailto:` or `file:` URL is `FlushUrlError::NotHttp`.
//!
//! Without an argument, the recipe starts the SuperOffice sandbox, builds the URL from the
//! tenant's API base and lets the client open it as the tenant's administrator
//! (`Client::flush_caches` sends that same request with the user's token).

use examples::recipes::Sandboxes;
use superoffice_client::tenant::flush_url_from_base;
use superoffice_client::{CustomerId, CustomerIdError};
use superoffice_sandbox::default_seed as so_seed;
use url::Url;

/// Why no flush URL can be built from the input.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FlushUrlError {
    /// Not a URL, or no `CustNNNN` segment in its path.
    #[error(transparent)]
    NoTenant(#[from] CustomerIdError),
    /// A URL, but not one of a web host.
    #[error("`{scheme}:` URLs name no SuperOffice host; pass an https URL of the tenant")]
    NotHttp {
        /// The scheme given.
        scheme: String,
    },
}

/// `{scheme}://{host}/{Cust}/default.aspx?flush` for the tenant `input` names.
pub(crate) fn run(input: &str) -> Result<Url, FlushUrlError> {
    let url = Url::parse(input.trim()).map_err(|e| CustomerIdError::InvalidUrl {
        input: input.trim().chars().take(100).collect(),
        reason: e.to_string(),
    })?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(FlushUrlError::NotHttp {
            scheme: url.scheme().to_owned(),
        });
    }
    // The first path segment that is a customer id (`Cust12345`, any case).
    let customer = CustomerId::from_parsed_url(&url)?;
    // Same scheme, host and port; path `/{Cust}/default.aspx`, query `flush`.
    Ok(flush_url_from_base(&url, &customer))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if let Some(input) = std::env::args().nth(1) {
        match run(&input) {
            Ok(url) => println!("{url}"),
            Err(error) => {
                eprintln!("{error}");
                std::process::exit(2);
            }
        }
        return Ok(());
    }

    let sandboxes = Sandboxes::start().await?;
    let api_base = sandboxes.superoffice.api_base(so_seed::MAIN_TENANT)?;
    let url = run(&api_base)?;
    println!("from {api_base}\n  → {url}");
    for no_tenant in [
        format!("{}login/", sandboxes.superoffice.base_url()),
        "not a url".to_owned(),
        "file:///Cust12345/default.aspx".to_owned(),
    ] {
        println!(
            "from {no_tenant:?}\n  → refused: {}",
            run(&no_tenant).unwrap_err()
        );
    }
    let admin = sandboxes.superoffice_client(so_seed::ADMIN_EMAIL)?;
    admin.flush_caches().await?;
    println!(
        "opened as the administrator: the tenant was flushed {} time(s)",
        sandboxes.superoffice.flush_count(so_seed::MAIN_TENANT)?
    );
    sandboxes.shutdown().await;
    Ok(())
}
