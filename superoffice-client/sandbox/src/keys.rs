//! RSA keys: the sandbox's id_token signing key and the app's system-user key.

use std::sync::OnceLock;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use jsonwebtoken::{EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::LineEnding;
use rsa::traits::PublicKeyParts;
use rsa::{PrivateKey as RsaPrivateKey, PublicKey as RsaPublicKey};
use serde::Serialize;
use serde_json::{json, Value};

/// A generated RSA key pair in the encodings the sandbox needs.
#[derive(Clone)]
pub(crate) struct GeneratedKey {
    pub(crate) private_der: Vec<u8>,
    pub(crate) private_pem: String,
    pub(crate) private_xml: String,
    pub(crate) public: RsaPublicKey,
}

/// .NET's `<RSAKeyValue>` XML (what the SuperOffice Developer Portal hands out).
fn to_xml(key: &RsaPrivateKey) -> String {
    use rsa::traits::PrivateKeyParts;
    let b64 = |bytes: &[u8]| STANDARD.encode(bytes);
    let uint = |n: &rsa::BoxedUint| b64(&n.to_be_bytes_trimmed_vartime());
    let primes = key.primes();
    let mut xml = format!(
        "<RSAKeyValue><Modulus>{}</Modulus><Exponent>{}</Exponent>",
        b64(&key.n_bytes()),
        b64(&key.e_bytes())
    );
    if let [p, q, ..] = primes {
        xml.push_str(&format!(
            "<P>{}</P><Q>{}</Q>",
            uint(p.as_ref()),
            uint(q.as_ref())
        ));
    }
    if let (Some(dp), Some(dq)) = (key.dp(), key.dq()) {
        xml.push_str(&format!("<DP>{}</DP><DQ>{}</DQ>", uint(dp), uint(dq)));
    }
    if let Some(qinv) = key.crt_coefficient() {
        xml.push_str(&format!("<InverseQ>{}</InverseQ>", uint(&qinv)));
    }
    xml.push_str(&format!("<D>{}</D></RSAKeyValue>", uint(key.d())));
    xml
}

fn generate() -> Result<GeneratedKey, String> {
    let mut rng = rand::rng();
    let private = RsaPrivateKey::new(&mut rng, 2048).map_err(|e| e.to_string())?;
    let private_der = private
        .to_pkcs1_der()
        .map_err(|e| e.to_string())?
        .as_bytes()
        .to_vec();
    let private_pem = private
        .to_pkcs1_pem(LineEnding::LF)
        .map_err(|e| e.to_string())?
        .to_string();
    Ok(GeneratedKey {
        private_xml: to_xml(&private),
        private_der,
        private_pem,
        public: private.to_public_key(),
    })
}

/// Generates a 2048-bit key once per process and slot, so many sandboxes in one test binary do
/// not each pay for key generation. (`slot` 0 = id_token key, 1 = system-user app key.)
pub(crate) async fn process_key(slot: usize) -> Result<GeneratedKey, String> {
    static KEYS: [OnceLock<GeneratedKey>; 2] = [OnceLock::new(), OnceLock::new()];
    let cell = &KEYS[slot.min(1)];
    if let Some(key) = cell.get() {
        return Ok(key.clone());
    }
    let key = tokio::task::spawn_blocking(generate)
        .await
        .map_err(|e| e.to_string())??;
    Ok(cell.get_or_init(|| key).clone())
}

/// The id_token signing key with its JWKS entry.
pub(crate) struct SigningKeys {
    pub(crate) kid: String,
    encoding: EncodingKey,
    jwk: Value,
}

impl SigningKeys {
    pub(crate) fn new(key: &GeneratedKey) -> Self {
        let n = URL_SAFE_NO_PAD.encode(key.public.n_bytes());
        let e = URL_SAFE_NO_PAD.encode(key.public.e_bytes());
        let kid = {
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(n.as_bytes());
            URL_SAFE_NO_PAD.encode(&digest[..12])
        };
        let x5t = kid.clone();
        let jwk = json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": kid,
            "x5t": x5t,
            "n": n,
            "e": e,
        });
        SigningKeys {
            kid,
            encoding: EncodingKey::from_rsa_der(&key.private_der),
            jwk,
        }
    }

    pub(crate) fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk.clone()] })
    }

    pub(crate) fn sign<T: Serialize>(&self, claims: &T) -> Result<String, String> {
        let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).map_err(|e| e.to_string())
    }
}

/// Verifies an RSA PKCS#1 v1.5 SHA-256 signature (base64) over `data`.
pub(crate) fn verify_pkcs1_sha256(key: &RsaPublicKey, data: &[u8], signature_b64: &str) -> bool {
    use sha2::Digest as _;
    let Ok(signature) = STANDARD.decode(signature_b64.trim()) else {
        return false;
    };
    let hashed = sha2::Sha256::digest(data);
    key.verify(
        rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
        &hashed,
        &signature,
    )
    .is_ok()
}

/// A random URL-safe token with `bytes` bytes of entropy.
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    URL_SAFE_NO_PAD.encode(buf)
}

/// A random GUID-formatted string (webhook `EventId`).
pub(crate) fn random_guid() -> String {
    let b: [u8; 16] = rand::random();
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
