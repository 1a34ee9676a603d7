//! The main job: the whole Oneflow ↔ SuperOffice story, offline, against both sandboxes.
//!
//! ```sh
//! cargo run -p examples --bin demo
//! ```
//!
//! Steps, all through the integration engine (`integration_core::Integration`) on an embedded
//! SQLite store: the Oneflow account is registered by its API token; an admin (admin in both
//! systems, same e-mail) connects SuperOffice with OIDC, and setup provisions the "Oneflow
//! Contract" web panel on the Sale screen, the template type's link fields and both webhooks;
//! active templates of the "SuperOffice" template group are listed for a seller; contracts are
//! created from two Sales (company, person, owner, PDF) and sent; webhook deliveries reach the
//! engine through a small host, and its worker closes the signed contract's Sale as Sold and
//! the declined one's as Lost; finally the integration is uninstalled. Every call goes over
//! real HTTP on loopback.

use std::process::ExitCode;

use examples::story::{run_story, StoryOptions};

#[tokio::main]
async fn main() -> ExitCode {
    match run_story(StoryOptions::default(), &mut std::io::stdout()).await {
        Ok(summary) => {
            println!();
            println!("{summary}");
            if summary.all_expected() {
                ExitCode::SUCCESS
            } else {
                eprintln!("the story did not end as expected");
                ExitCode::FAILURE
            }
        }
        Err(err) => {
            eprintln!("demo failed: {err}");
            let mut source = std::error::Error::source(err.as_ref());
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}
