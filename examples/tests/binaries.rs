//! The example binaries run as a user would run them.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use superoffice_sandbox::default_seed;

/// Kills the child process even when an assertion fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn standalone_sandboxes_print_their_urls_and_answer() {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_sandbox"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the sandbox binary starts"),
    );
    let stdout = child.0.stdout.take().expect("piped stdout");
    // Read the KEY=value header on a blocking thread; it ends with a blank line.
    let header = tokio::task::spawn_blocking(move || {
        let mut vars = std::collections::HashMap::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("utf-8 output");
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once('=') {
                vars.insert(k.to_owned(), v.to_owned());
            }
        }
        vars
    })
    .await
    .unwrap();

    let oneflow = oneflow_client::Client::builder()
        .base_url(header["ONEFLOW_BASE_URL"].as_str())
        .api_token(header["ONEFLOW_API_TOKEN"].clone())
        .build()
        .expect("the printed token is valid");
    oneflow.ping().await.expect("the Oneflow sandbox answers");

    let discovery: serde_json::Value = reqwest::get(format!(
        "{}/login/.well-known/openid-configuration",
        header["SUPEROFFICE_BASE_URL"]
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(discovery["issuer"], header["SUPEROFFICE_BASE_URL"].as_str());
    assert_eq!(header["SUPEROFFICE_CLIENT_ID"], default_seed::CLIENT_ID);
    assert!(header["SUPEROFFICE_API_BASE"].ends_with("/Cust12345/api/"));
}

#[test]
fn the_demo_tells_the_whole_story_and_exits_successfully() {
    let output = Command::new(env!("CARGO_BIN_EXE_demo"))
        .output()
        .expect("the demo binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "demo failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "GET /superoffice/callback",
        "report: \"Oneflow is connected to Cust12345\"",
        "default.aspx?flush",
        "without a session: HTTP 401",
        "the template has no \"Attachments\" section",
        "Sale 101's buyer signs → Sale 101: close the Sale as Sold",
        "Sale 102's buyer declines → Sale 102: close the Sale as Lost",
        "replayed: HTTP 200, ignored",
        "as the seller: HTTP 403",
        "stage mapping is now OFF",
        "no change: stage mapping is switched off",
        "web panel gone: true; webhooks gone in SuperOffice and Oneflow: true",
        "removal           web panel and both webhooks deleted",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}

#[tokio::test]
async fn the_demo_serves_until_stopped_and_prints_the_sale_screen() {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_demo"))
            .arg("--serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the demo binary starts"),
    );
    let stdout = child.0.stdout.take().expect("piped stdout");
    // Read until the Oneflow sandbox line, the last one printed before serving.
    let lines = tokio::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.expect("utf-8 output");
            let last = line.contains("Oneflow sandbox");
            lines.push(line);
            if last {
                break;
            }
        }
        lines
    })
    .await
    .unwrap();
    let value = |label: &str| {
        lines
            .iter()
            .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_owned()))
            .unwrap_or_else(|| panic!("{label} in {lines:?}"))
    };
    let service = value("service");
    let sale = value("Sale screen");
    assert!(value("sign in as").contains(default_seed::SELLER_EMAIL));
    assert!(sale.starts_with("http://localhost:"), "{sale}");
    assert!(
        sale.contains("/Cust12345/default.aspx?sale.main?sale_id=101"),
        "{sale}"
    );
    // The service answers, and the integration is connected (its panel is installed).
    let ready = reqwest::get(format!("{service}readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    let panel = reqwest::get(format!("{service}superoffice/panel?sale=101&ctx=Cust12345"))
        .await
        .unwrap();
    assert_eq!(panel.status(), 401, "the sign-in page");
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let screen = no_redirect.get(&sale).send().await.unwrap();
    assert!(
        screen.status().is_redirection(),
        "the Sale screen asks to sign in"
    );
}
