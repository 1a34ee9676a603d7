//! The main job: the whole Oneflow ↔ SuperOffice story, offline, against both sandboxes.
//!
//! ```sh
//! cargo run -p examples --bin demo
//! ```
//!
//! Steps: an admin (admin in both systems, same e-mail) connects SuperOffice with OIDC; the
//! "Oneflow Contract" web panel is provisioned on the Sale screen; a Oneflow webhook is
//! registered; active templates of the "SuperOffice" template group are listed; a contract is
//! created from a Sale (company, person, owner, PDF) and sent; signing closes the Sale as Sold,
//! declining a second contract closes its Sale as Lost; finally the panel and webhook are
//! removed. Every call goes through the typed clients over real HTTP on loopback.

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
