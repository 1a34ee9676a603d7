//! Both sandboxes as standalone servers on loopback, until Ctrl-C.
//!
//! ```sh
//! cargo run -p examples --bin sandbox
//! ```
//!
//! The first lines are `KEY=value` pairs (base URLs and seeded credentials) that scripts can
//! read; a human-readable description of each seed follows. The values are the sandboxes'
//! own test credentials, printed on purpose.

use std::io::Write;
use std::process::ExitCode;

use oneflow_sandbox::OneflowSandbox;
use superoffice_sandbox::{default_seed, SuperOfficeSandbox};

#[tokio::main]
async fn main() -> ExitCode {
    let oneflow = match OneflowSandbox::start().await {
        Ok(sandbox) => sandbox,
        Err(err) => {
            eprintln!("cannot start the Oneflow sandbox: {err}");
            return ExitCode::FAILURE;
        }
    };
    let superoffice = match SuperOfficeSandbox::start().await {
        Ok(sandbox) => sandbox,
        Err(err) => {
            eprintln!("cannot start the SuperOffice sandbox: {err}");
            return ExitCode::FAILURE;
        }
    };

    let mut out = std::io::stdout().lock();
    let api_base = superoffice
        .api_base(default_seed::MAIN_TENANT)
        .unwrap_or_default();
    let _ = writeln!(out, "ONEFLOW_BASE_URL={}", oneflow.base_url());
    let _ = writeln!(out, "ONEFLOW_API_TOKEN={}", oneflow.api_token());
    // The issuer form (no trailing slash): an environment base and the `iss` of id_tokens.
    let _ = writeln!(out, "SUPEROFFICE_BASE_URL={}", superoffice.issuer());
    let _ = writeln!(out, "SUPEROFFICE_CLIENT_ID={}", superoffice.client_id());
    let _ = writeln!(
        out,
        "SUPEROFFICE_CLIENT_SECRET={}",
        superoffice.client_secret()
    );
    let _ = writeln!(out, "SUPEROFFICE_API_BASE={api_base}");
    let _ = writeln!(out);
    let _ = writeln!(out, "{}", oneflow.summary());
    let _ = writeln!(out, "{}", superoffice.summary());
    let _ = writeln!(out, "Ready. Press Ctrl-C to stop.");
    let _ = out.flush();
    drop(out);

    if let Err(err) = tokio::signal::ctrl_c().await {
        eprintln!("cannot wait for Ctrl-C: {err}");
        return ExitCode::FAILURE;
    }
    oneflow.shutdown().await;
    superoffice.shutdown().await;
    ExitCode::SUCCESS
}
