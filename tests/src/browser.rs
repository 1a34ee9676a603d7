//! A real browser for end-to-end tests: Debian's `chromium` driven over WebDriver by
//! `chromedriver`, through [`fantoccini`].
//!
//! Each [`Browser`] starts its own `chromedriver` on a free loopback port (`--port=0`; the
//! port is read from its start-up line) and one headless Chromium session with a fresh
//! profile in a temporary directory. Dropping the [`Browser`] (e.g. when a test fails) kills
//! `chromedriver` and Chromium (one process group) and removes the profile;
//! [`Browser::close`] ends the session cleanly instead.
//!
//! Chromium runs as root on CI machines, so it is started with `--no-sandbox`, and with no
//! background traffic (`--disable-background-networking --disable-component-update
//! --disable-sync --no-first-run`). [`BrowserOptions::block_third_party_cookies`] starts it
//! the way a privacy-minded user runs it: cookies of cross-site frames are neither stored nor
//! sent (partitioned `CHIPS` cookies still work).
//!
//! # Skip rule
//!
//! [`Browser::launch`] returns `Ok(None)` after printing a notice when `chromedriver` or
//! `chromium` is missing, so `cargo test` passes on a machine without them; with `CI=true` it
//! fails instead (`.ci/run` installs both). `CHROMEDRIVER` and `CHROMIUM` override where the
//! binaries are looked up (by default on `PATH`: `chromedriver`; `chromium`,
//! `chromium-browser`, `google-chrome`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use tests::browser::{Browser, BrowserOptions};
//!
//! let Some(browser) = Browser::launch(BrowserOptions::default()).await? else {
//!     return Ok(()); // skipped: no browser on this machine (never under CI=true)
//! };
//! browser.client().goto("http://localhost:8080/").await?;
//! browser.screenshot("home").await?;
//! browser.close().await;
//! # Ok(()) }
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

/// How long `chromedriver` may take to report that it listens.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(30);

/// Errors of starting or using the browser harness.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrowserError {
    /// `chromedriver` or `chromium` is not installed and `CI=true` requires the browser tests.
    #[error("{0} is not installed; install it with `apt-get install chromium chromium-driver` (CI=true requires the browser tests)")]
    Missing(&'static str),
    /// Starting `chromedriver` failed or it did not report its port.
    #[error("chromedriver did not start: {0}")]
    Driver(String),
    /// `chromedriver` could not open a Chromium session.
    #[error("chromedriver could not start Chromium: {0}")]
    Session(#[from] fantoccini::error::NewSessionError),
    /// A WebDriver command failed.
    #[error("WebDriver command failed: {0}")]
    Command(#[from] fantoccini::error::CmdError),
    /// Writing a screenshot or creating the profile directory failed.
    #[error("browser harness I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// How to start Chromium.
#[derive(Debug, Clone)]
#[must_use]
pub struct BrowserOptions {
    block_third_party_cookies: bool,
    window_size: (u32, u32),
}

impl Default for BrowserOptions {
    fn default() -> Self {
        Self {
            block_third_party_cookies: false,
            window_size: (1280, 900),
        }
    }
}

impl BrowserOptions {
    /// Blocks third-party cookies (Chromium's "Block third-party cookies" setting): a frame
    /// on another site than the page neither stores nor sends its unpartitioned cookies.
    pub fn block_third_party_cookies(mut self, block: bool) -> Self {
        self.block_third_party_cookies = block;
        self
    }

    /// Window size in CSS pixels (default 1280×900), which is also the screenshot size.
    pub fn window_size(mut self, width: u32, height: u32) -> Self {
        self.window_size = (width, height);
        self
    }
}

/// A running `chromedriver` with one headless Chromium session.
pub struct Browser {
    client: Client,
    driver: Child,
    // Removed on drop, after the driver is killed.
    profile: tempfile::TempDir,
}

impl fmt::Debug for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Browser")
            .field("driver_pid", &self.driver.id())
            .field("profile", &self.profile.path())
            .finish_non_exhaustive()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // The profile directory is removed next, once Chromium is gone.
        kill_driver(&mut self.driver);
    }
}

/// Kills `chromedriver` and the Chromium it started. Chromium outlives a killed
/// `chromedriver`, so the driver leads a process group of its own, which Chromium inherits,
/// and the whole group is killed.
fn kill_driver(driver: &mut Child) {
    #[cfg(unix)]
    if let Some(pid) = driver.id() {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{pid}")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = driver.start_kill();
}

/// Whether the tests run under CI (`CI=true`), where missing browsers are an error.
fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Finds an executable: the override variable, else the first candidate on `PATH`.
fn find_binary(override_var: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(override_var) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let path = std::env::var_os("PATH")?;
    candidates.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

/// Where screenshots go: `$CARGO_TARGET_DIR/screenshots`, else the workspace's
/// `target/screenshots`.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("screenshots")
}

impl Browser {
    /// Starts `chromedriver` and a Chromium session. `Ok(None)` (after a notice on stderr)
    /// when a binary is missing outside CI; [`BrowserError::Missing`] under `CI=true`.
    pub async fn launch(options: BrowserOptions) -> Result<Option<Self>, BrowserError> {
        let driver_bin = find_binary("CHROMEDRIVER", &["chromedriver"]);
        let chromium_bin = find_binary(
            "CHROMIUM",
            &["chromium", "chromium-browser", "google-chrome"],
        );
        let (driver_bin, chromium_bin) = match (driver_bin, chromium_bin) {
            (Some(d), Some(c)) => (d, c),
            (driver, _) => {
                let missing = if driver.is_none() {
                    "chromedriver"
                } else {
                    "chromium"
                };
                if under_ci() {
                    return Err(BrowserError::Missing(missing));
                }
                eprintln!(
                    "notice: {missing} not found; skipping the browser test (install chromium and chromium-driver to run it)"
                );
                return Ok(None);
            }
        };
        let profile = tempfile::Builder::new()
            .prefix("browser-profile-")
            .tempdir()?;
        let (driver, port) = start_driver(&driver_bin, profile.path()).await?;
        let capabilities = capabilities(&chromium_bin, profile.path(), &options);
        // A plain HTTP connector: chromedriver listens on loopback, no TLS involved.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(capabilities);
        match builder.connect(&format!("http://127.0.0.1:{port}")).await {
            Ok(client) => Ok(Some(Browser {
                client,
                driver,
                profile,
            })),
            Err(error) => {
                let mut driver = driver;
                kill_driver(&mut driver);
                Err(error.into())
            }
        }
    }

    /// The WebDriver client (navigate, find elements, switch frames, …).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Saves a PNG of the viewport as `{screenshot_dir}/{name}.png`; returns its path.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, BrowserError> {
        let png = self.client.screenshot().await?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Opens `url` of the SuperOffice sandbox's web UI; when it sends the browser to its
    /// sign-in form, picks `email` there and submits, then waits until the browser is back
    /// at `url`.
    pub async fn open_signed_in(&self, url: &url::Url, email: &str) -> Result<(), BrowserError> {
        self.client.goto(url.as_str()).await?;
        let forms = self
            .client
            .find_all(fantoccini::Locator::Css(
                "form[action='/login'] select#email",
            ))
            .await?;
        if let Some(select) = forms.first() {
            select.select_by_value(email).await?;
            self.client
                .find(fantoccini::Locator::Css(
                    "form[action='/login'] button[type=submit]",
                ))
                .await?
                .click()
                .await?;
            self.client.wait().for_url(url).await?;
        }
        Ok(())
    }

    /// Ends the WebDriver session (closing Chromium), then stops `chromedriver`.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.start_kill();
        let _ = self.driver.wait().await;
    }
}

/// Starts `chromedriver --port=0` and reads the port from its start-up line.
async fn start_driver(binary: &Path, profile: &Path) -> Result<(Child, u16), BrowserError> {
    let mut command = Command::new(binary);
    #[cfg(unix)]
    command.process_group(0);
    let mut child = command
        .arg("--port=0")
        .arg(format!(
            "--log-path={}",
            profile.join("chromedriver.log").display()
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| BrowserError::Driver(format!("{}: {e}", binary.display())))?;
    let Some(stdout) = child.stdout.take() else {
        return Err(BrowserError::Driver("no stdout".to_owned()));
    };
    let mut lines = BufReader::new(stdout).lines();
    let read_port = async {
        while let Some(line) = lines.next_line().await? {
            // "ChromeDriver was started successfully on port 37771."
            if let Some(rest) = line.split("started successfully on port ").nth(1) {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                return Ok(digits.parse::<u16>().ok());
            }
        }
        Ok::<_, std::io::Error>(None)
    };
    let port = match tokio::time::timeout(DRIVER_START_TIMEOUT, read_port).await {
        Ok(Ok(Some(port))) => port,
        Ok(Ok(None)) => {
            return Err(BrowserError::Driver(
                "it exited without reporting its port".to_owned(),
            ))
        }
        Ok(Err(e)) => return Err(BrowserError::Driver(e.to_string())),
        Err(_) => {
            return Err(BrowserError::Driver(format!(
                "no start-up line within {DRIVER_START_TIMEOUT:?}"
            )))
        }
    };
    // Keep draining stdout so that chromedriver never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, port))
}

/// `goog:chromeOptions` for a headless, offline, root-safe Chromium.
fn capabilities(chromium: &Path, profile: &Path, options: &BrowserOptions) -> Capabilities {
    let (width, height) = options.window_size;
    let args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        format!("--user-data-dir={}", profile.join("chromium").display()),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--no-first-run".to_owned(),
        "--no-default-browser-check".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-crash-reporter".to_owned(),
        "--disable-breakpad".to_owned(),
        format!("--window-size={width},{height}"),
    ];
    // The "Block third-party cookies" setting, set either way: cookie controls mode 1 blocks,
    // 0 allows (a fresh profile of a recent Chromium may block by default).
    let block = options.block_third_party_cookies;
    let mut prefs = serde_json::Map::new();
    prefs.insert(
        "profile.cookie_controls_mode".to_owned(),
        json!(if block { 1 } else { 0 }),
    );
    prefs.insert("profile.block_third_party_cookies".to_owned(), json!(block));
    let mut capabilities = Capabilities::new();
    capabilities.insert("browserName".to_owned(), json!("chrome"));
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": chromium.display().to_string(),
            "args": args,
            "prefs": Value::Object(prefs),
        }),
    );
    capabilities
}
