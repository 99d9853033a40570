//! Credentials: password hashing, access tokens (JWT) and refresh tokens.
pub mod jwt;
pub mod password;

use sha2::{Digest, Sha256};

/// 32 random bytes in hex: an opaque secret of which only the hash is stored.
pub fn random_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// A new opaque refresh token; only its hash is stored.
pub fn new_refresh_token() -> String {
    random_token()
}

pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// Whether two secrets are equal, in a time that does not depend on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // Comparing digests makes the time independent of the lengths too.
    let (a, b) = (Sha256::digest(a), Sha256::digest(b));
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}
