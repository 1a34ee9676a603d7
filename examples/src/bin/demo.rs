//! The main job: the whole Oneflow ↔ SuperOffice story, offline, against both sandboxes and
//! the host service.
//!
//! ```sh
//! cargo run -p examples --bin demo            # the narrated story, then a summary; exit 0
//! cargo run -p examples --bin demo -- --serve # keep it running and open the Sale screen
//! ```
//!
//! Both sandboxes and the service (`integration_core::server::router` and its worker, on an
//! embedded SQLite store in a temporary directory) run in-process on loopback. The story
//! plays the people over HTTP against the service's own routes: the admin's setup
//! (`/setup`, the SuperOffice sign-in, `/superoffice/callback`), a seller's panel sign-in
//! (pop-up, one-time code, session cookie) and contracts created in the panel's form, buyers
//! signing and declining in Oneflow (webhooks to the service), the admin switching stage
//! mapping off and removing the integration on the settings page.
//!
//! `--serve [--port N]` connects the integration through `/setup`, prints the sandbox's Sale
//! screen URL and the e-mails to sign in with, and serves until Ctrl-C.

use std::process::ExitCode;

use examples::story::{run_story, serve, StoryError, StoryOptions};

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = if args.iter().any(|a| a == "--serve") {
        let port = match args
            .iter()
            .position(|a| a == "--port")
            .and_then(|i| args.get(i + 1))
            .map(|p| p.parse::<u16>())
        {
            None => 0,
            Some(Ok(port)) => port,
            Some(Err(_)) => {
                eprintln!("--port needs a port number (0-65535)");
                return ExitCode::FAILURE;
            }
        };
        serve(port, &mut std::io::stdout(), async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map(|()| true)
    } else if let Some(unknown) = args.first() {
        eprintln!("unknown argument {unknown}; usage: demo [--serve [--port N]]");
        return ExitCode::FAILURE;
    } else {
        story().await
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("the story did not end as expected");
            ExitCode::FAILURE
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

async fn story() -> Result<bool, StoryError> {
    let started = std::time::Instant::now();
    let summary = run_story(StoryOptions::default(), &mut std::io::stdout()).await?;
    println!();
    println!("{summary}");
    println!(
        "  took              {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(summary.all_expected())
}
