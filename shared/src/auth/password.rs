use argon2::{
    Argon2,
    password_hash::{
        PasswordHash as PhcHash, PasswordHasher as _, PasswordVerifier, SaltString,
        rand_core::OsRng,
    },
};

use crate::domain::{Password, PasswordHash};
use crate::error::AppError;

/// argon2id at the crate's defaults, which are OWASP's recommendation (m=19456 KiB, t=2, p=1).
/// Hashing takes tens of milliseconds of CPU, so it runs on the blocking pool, off the runtime
/// thread that serves I/O.
#[derive(Clone, Default)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
}

impl PasswordHasher {
    pub fn new() -> Self {
        Self::default()
    }

    /// A fresh PHC string with a random salt.
    pub async fn hash(&self, password: &Password) -> Result<PasswordHash, AppError> {
        let argon2 = self.argon2.clone();
        let password = password.clone();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2
                .hash_password(password.expose().as_bytes(), &salt)
                .map(|hash| PasswordHash::from_phc(hash.to_string()))
                .map_err(|error| AppError::internal(error.to_string()))
        })
        .await
        .map_err(AppError::internal)?
    }

    /// Whether `password` matches `hash`. A malformed stored hash is an internal error, not a
    /// wrong password.
    pub async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, AppError> {
        let argon2 = self.argon2.clone();
        let password = password.clone();
        let hash = hash.clone();
        tokio::task::spawn_blocking(move || {
            let parsed =
                PhcHash::new(hash.as_phc()).map_err(|e| AppError::internal(e.to_string()))?;
            match argon2.verify_password(password.expose().as_bytes(), &parsed) {
                Ok(()) => Ok(true),
                Err(argon2::password_hash::Error::Password) => Ok(false),
                Err(error) => Err(AppError::internal(error.to_string())),
            }
        })
        .await
        .map_err(AppError::internal)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn password(text: &str) -> Password {
        Password::parse(text.to_owned()).unwrap()
    }

    #[tokio::test]
    async fn hashes_with_argon2id_at_owasp_parameters_and_verifies() {
        let hasher = PasswordHasher::new();
        let hash = hasher.hash(&password("correct horse")).await.unwrap();
        assert!(
            hash.as_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{:?}",
            hash.as_phc()
        );
        assert!(
            hasher
                .verify(&password("correct horse"), &hash)
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(&password("correct horsE"), &hash)
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn salts_every_hash() {
        let hasher = PasswordHasher::new();
        let a = hasher.hash(&password("same password")).await.unwrap();
        let b = hasher.hash(&password("same password")).await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_is_internal_not_a_wrong_password() {
        let hasher = PasswordHasher::new();
        let corrupt = PasswordHash::from_phc("not-a-phc-string".into());
        assert_eq!(
            hasher
                .verify(&password("whatever1"), &corrupt)
                .await
                .unwrap_err()
                .code(),
            "INTERNAL"
        );
    }
}
