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

pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| hasher().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Runs the hash on the blocking pool: Argon2 is deliberately slow.
pub async fn hash_async(password: String) -> String {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .expect("hashing task panicked")
}

pub async fn verify_async(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || verify(&password, &stored))
        .await
        .unwrap_or(false)
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
