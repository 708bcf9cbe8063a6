//! Argon2id password hashing for administrators and users.

use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Moderate parameters (19 MiB, 2 passes): OWASP's minimum for Argon2id,
/// so that bulk billing password changes stay fast.
fn hasher() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19 * 1024, 2, 1, None).expect("valid argon2 params"),
    )
}

pub fn hash(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing cannot fail with valid params")
        .to_string()
}

/// A real hash to verify against when a login is unknown, so that timing
/// does not tell which logins exist (console and web client sign-in).
pub static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| hash("not a password"));

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| hasher().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Argon2 runs (hashes and checks) on the blocking pool at once, process
/// wide: each takes 19 MiB and a core, and the pool would otherwise start
/// hundreds (a signed-in client changing sub-user passwords in a loop, a
/// burst of billing password updates). The excess queues. Sign-in has its
/// own gate with a time limit (`throttle`).
static ARGON2_RUNS: std::sync::LazyLock<std::sync::Arc<tokio::sync::Semaphore>> = std::sync::LazyLock::new(|| {
    std::sync::Arc::new(tokio::sync::Semaphore::new(
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
    ))
});

async fn on_blocking_pool<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let permit = ARGON2_RUNS.clone().acquire_owned().await.ok()?;
    tokio::task::spawn_blocking(move || {
        // Held until the hash is done, even if the caller went away.
        let _permit = permit;
        work()
    })
    .await
    .ok()
}

/// Runs the hash on the blocking pool: Argon2 is deliberately slow.
pub async fn hash_async(password: String) -> String {
    on_blocking_pool(move || hash(&password)).await.expect("hashing task panicked")
}

pub async fn verify_async(password: String, stored: String) -> bool {
    on_blocking_pool(move || verify(&password, &stored)).await.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let h = super::hash("s3cret");
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("s3cret", &h));
        assert!(!super::verify("wrong", &h));
        assert!(!super::verify("s3cret", "not a hash"));
    }
}
