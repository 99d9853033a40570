//! argon2id password hashes (OWASP parameters: 19 MiB, 2 passes, 1 lane), computed off the async runtime, and
//! the gate that bounds how many run at once.
use crate::error::AppError;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};
use std::{sync::LazyLock, time::Duration};
use tokio::sync::Semaphore;

/// Verified against when the username is unknown, so the response time does not tell which usernames exist.
static DUMMY_HASH: LazyLock<Option<String>> = LazyLock::new(|| hash_blocking("no such user").ok());

pub fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>())
        .map_err(|e| anyhow::anyhow!("encoding a salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

/// Whether `password` matches `stored`. Without a stored hash it verifies against a dummy one all the same
/// (and answers false), so an unknown username costs exactly what a known one does.
pub fn verify_blocking(password: &str, stored: Option<&str>) -> anyhow::Result<bool> {
    let dummy = DUMMY_HASH
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("the dummy hash could not be made"))?;
    let parsed = PasswordHash::new(stored.unwrap_or(dummy))
        .map_err(|e| anyhow::anyhow!("stored hash is malformed: {e}"))?;
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    Ok(matches && stored.is_some())
}

/// `Ok(false)` for a wrong password; `stored = None` burns the same time and answers false.
pub async fn verify(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || verify_blocking(&password, stored.as_deref())).await?
}

/// Bounds the hashes computed at once (each takes 19 MiB and a core for tens of milliseconds): a flood of
/// sign-ins waits a little for a permit, then is answered 503 `BUSY` instead of exhausting memory.
#[derive(Debug)]
pub struct HashGate {
    permits: Semaphore,
    wait: Duration,
}

impl HashGate {
    pub fn new(concurrent: usize, wait: Duration) -> Self {
        Self {
            permits: Semaphore::new(concurrent.max(1)),
            wait,
        }
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, AppError> {
        match tokio::time::timeout(self.wait, self.permits.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(closed)) => Err(AppError::Internal(closed.into())),
            Err(_) => Err(AppError::Busy {
                retry_after_secs: 1,
            }),
        }
    }

    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        let _permit = self.permit().await?;
        Ok(verify(password, stored).await?)
    }

    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let _permit = self.permit().await?;
        Ok(hash(password).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_user_is_verified_against_a_real_hash() {
        let stored = hash_blocking("right-password-2026").expect("hash");
        assert!(verify_blocking("right-password-2026", Some(&stored)).expect("verify"));
        assert!(!verify_blocking("wrong-password", Some(&stored)).expect("verify"));
        // The dummy hash's own password does not sign in a user that does not exist.
        assert!(!verify_blocking("no such user", None).expect("verify"));
    }

    #[tokio::test]
    async fn the_gate_refuses_past_its_wait() {
        let gate = HashGate::new(1, Duration::from_millis(20));
        let held = gate.permit().await.expect("the first permit");
        assert!(matches!(gate.permit().await, Err(AppError::Busy { .. })));
        drop(held);
        assert!(gate.permit().await.is_ok());
    }
}
