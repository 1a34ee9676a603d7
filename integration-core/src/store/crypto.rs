//! Encryption of secrets at rest.

use std::fmt;

use chacha20poly1305::aead::{Aead, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, KeyInit, Nonce};
use secrecy::{ExposeSecret, SecretString};

use super::{InstallationId, StoreError};

/// Format byte of a sealed value: ChaCha20-Poly1305, 12-byte random nonce.
const FORMAT_V1: u8 = 1;
const NONCE_LEN: usize = 12;

/// The 32-byte key the SQL stores encrypt secrets with. The host provides it (from a secret
/// manager or an environment variable) and must keep it: secrets written under one key cannot
/// be read under another.
///
/// `Debug` never shows it.
#[derive(Clone)]
pub struct SecretKey(Box<[u8; 32]>);

impl SecretKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Box::new(bytes))
    }

    /// A key from a slice that must be exactly 32 bytes long (e.g. decoded from the host's
    /// configuration); [`StoreError::InvalidArgument`] otherwise, without echoing the bytes.
    ///
    /// ```
    /// use integration_core::store::SecretKey;
    /// assert!(SecretKey::from_slice(&[1u8; 32]).is_ok());
    /// assert!(SecretKey::from_slice(b"too short").is_err());
    /// ```
    pub fn from_slice(bytes: &[u8]) -> Result<Self, StoreError> {
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| StoreError::InvalidArgument {
            what: format!(
                "the secret key must be exactly 32 bytes, got {}; generate one with a CSPRNG",
                bytes.len()
            ),
        })?;
        Ok(Self::from_bytes(bytes))
    }

    /// A fresh random key (for tests and throw-away stores).
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        rand::fill(&mut bytes);
        Self::from_bytes(bytes)
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([REDACTED])")
    }
}

/// Seals and opens secret values; the associated data binds a ciphertext to its row.
#[derive(Clone)]
pub(crate) struct SecretCipher {
    cipher: ChaCha20Poly1305,
}

impl fmt::Debug for SecretCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretCipher([REDACTED])")
    }
}

impl SecretCipher {
    pub(crate) fn new(key: &SecretKey) -> Self {
        Self {
            cipher: ChaCha20Poly1305::new(&Key::from(*key.0)),
        }
    }

    fn aad(installation: InstallationId, purpose: &str) -> Vec<u8> {
        format!("integration-core/v1\0{installation}\0{purpose}").into_bytes()
    }

    /// `format byte || nonce || ciphertext+tag`.
    pub(crate) fn seal(
        &self,
        installation: InstallationId,
        purpose: &str,
        secret: &SecretString,
    ) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce);
        let aad = Self::aad(installation, purpose);
        let sealed = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: secret.expose_secret().as_bytes(),
                    aad: &aad,
                },
            )
            .expect("ChaCha20-Poly1305 encryption of an in-memory buffer cannot fail");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub(crate) fn open(
        &self,
        installation: InstallationId,
        purpose: &str,
        sealed: &[u8],
    ) -> Result<SecretString, StoreError> {
        let fail = || StoreError::Decrypt { installation };
        let (&format, rest) = sealed.split_first().ok_or_else(fail)?;
        if format != FORMAT_V1 || rest.len() < NONCE_LEN {
            return Err(fail());
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| fail())?;
        let aad = Self::aad(installation, purpose);
        let plain = self
            .cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .map_err(|_| fail())?;
        let text = String::from_utf8(plain).map_err(|_| fail())?;
        Ok(SecretString::from(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn round_trips_and_binds_to_its_row() {
        let cipher = SecretCipher::new(&SecretKey::from_bytes([3; 32]));
        let id = InstallationId::new(42);
        let sealed = cipher.seal(id, "oneflow_api_token", &secret("tok-123"));
        assert_eq!(sealed[0], FORMAT_V1);
        assert!(!sealed.windows(7).any(|w| w == b"tok-123"));
        let opened = cipher.open(id, "oneflow_api_token", &sealed).unwrap();
        assert_eq!(opened.expose_secret(), "tok-123");

        // Another row, another installation, another key, a flipped bit: all refused.
        assert!(cipher
            .open(id, "superoffice_refresh_token", &sealed)
            .is_err());
        assert!(cipher
            .open(InstallationId::new(43), "oneflow_api_token", &sealed)
            .is_err());
        let other = SecretCipher::new(&SecretKey::from_bytes([4; 32]));
        assert!(matches!(
            other.open(id, "oneflow_api_token", &sealed),
            Err(StoreError::Decrypt { installation }) if installation == id
        ));
        let mut tampered = sealed.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(cipher.open(id, "oneflow_api_token", &tampered).is_err());
        assert!(cipher.open(id, "oneflow_api_token", &[]).is_err());
    }

    #[test]
    fn nonces_are_fresh_per_write() {
        let cipher = SecretCipher::new(&SecretKey::generate());
        let id = InstallationId::new(1);
        let a = cipher.seal(id, "k", &secret("same"));
        let b = cipher.seal(id, "k", &secret("same"));
        assert_ne!(a, b);
    }

    #[test]
    fn debug_hides_the_key() {
        let key = SecretKey::from_bytes([0xAB; 32]);
        let shown = format!("{key:?} {:?}", SecretCipher::new(&key));
        assert!(!shown.contains("171") && !shown.to_lowercase().contains("ab, "));
        assert!(shown.contains("REDACTED"));
    }
}
