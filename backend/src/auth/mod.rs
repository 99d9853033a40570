//! Credentials: password hashing, access tokens (JWT) and refresh tokens.
pub mod jwt;
pub mod password;

use sha2::{Digest, Sha256};

/// A new opaque refresh token; only its hash is stored.
pub fn new_refresh_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}
