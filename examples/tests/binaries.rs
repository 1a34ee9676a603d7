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
        "is administrator in SuperOffice tenant Cust12345",
        "\"Oneflow Contract\" on SaleArchive (Sale screen tab), visible to all user groups",
        "default.aspx?flush",
        "Sale 101 closed as Sold",
        "Sale 102 closed as Lost",
        "web panel gone: true, webhooks gone: true",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}
