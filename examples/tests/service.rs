//! The host service binary with `--sandbox`, as an operator would run it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Kills the child process even when an assertion fails.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_service_with_sandboxes_is_ready_serves_setup_and_stops_on_sigterm() {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_service"))
            .arg("--sandbox")
            .env("BIND", "127.0.0.1:0")
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the service binary starts"),
    );
    let stdout = child.0.stdout.take().expect("piped stdout");
    // The KEY=value header ends with a blank line; keep reading the rest in the background.
    let (header, rest) = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        let mut vars = HashMap::new();
        for line in lines.by_ref() {
            let line = line.expect("utf-8 output");
            if line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once('=') {
                vars.insert(k.to_owned(), v.to_owned());
            }
        }
        (vars, lines)
    })
    .await
    .unwrap();
    let base = header["SERVICE_URL"].clone();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let ready = reqwest::get(format!("{base}/readyz")).await.unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready\n");
    let setup = reqwest::get(format!("{base}/setup")).await.unwrap();
    assert_eq!(setup.status(), 200);
    assert!(setup.text().await.unwrap().contains("Oneflow API token"));
    assert!(header["SUPEROFFICE_UI_URL"].starts_with("http://localhost:"));

    // SIGTERM: graceful shutdown, exit 0.
    let pid = child.0.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let tail = tokio::task::spawn_blocking(move || {
        rest.map_while(Result::ok).collect::<Vec<_>>().join("\n")
    })
    .await
    .unwrap();
    let status = child.0.wait().unwrap();
    assert!(status.success(), "exit status {status}; output: {tail}");
    assert!(tail.contains("Stopped."), "{tail}");
}

#[test]
fn configuration_errors_name_the_variable() {
    let run = |vars: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_service"));
        command.env_clear();
        for (name, value) in vars {
            command.env(name, value);
        }
        let output = command.output().expect("the service binary runs");
        assert!(!output.status.success());
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    assert!(run(&[]).contains("PUBLIC_URL is not set"));
    let base = [
        ("PUBLIC_URL", "http://127.0.0.1:9"),
        ("SUPEROFFICE_CLIENT_ID", "id"),
        ("SUPEROFFICE_CLIENT_SECRET", "secret"),
    ];
    assert!(run(&base).contains("SECRET_KEY is not set"));
    let stderr = run(&[base.as_slice(), &[("SECRET_KEY", "abcd")]].concat());
    assert!(stderr.contains("SECRET_KEY is invalid"), "{stderr}");
    assert!(!stderr.contains("abcd"), "the key is not echoed: {stderr}");
    let stderr = run(&[base.as_slice(), &[("SUPEROFFICE_ENVIRONMENT", "prod")]].concat());
    assert!(
        stderr.contains("SUPEROFFICE_ENVIRONMENT is invalid"),
        "{stderr}"
    );
    let stderr = run(&[
        base.as_slice(),
        &[
            ("SECRET_KEY", &"ab".repeat(32)),
            ("DATABASE_URL", "mysql://x"),
            ("BIND", "127.0.0.1:0"),
        ],
    ]
    .concat());
    assert!(stderr.contains("DATABASE_URL is invalid"), "{stderr}");
}
