use argon2::{
    Argon2,
    password_hash::{
        PasswordHash as PhcHash, PasswordHasher as _, PasswordVerifier, SaltString,
        rand_core::OsRng,
    },
};

use crate::domain::{Password, PasswordHash};
use crate::error::AppError;

const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$ubZ7Z9GMswo31ivsTwoI6A$BeE8napNJRgwNXjs5Sxa6DVYMnBqY1kg/WzNGUWbfpw";

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

    /// The hash login verifies an unknown email's password against, so that path costs the
    /// same argon2id work as a known email. It was made once, from a random password nobody
    /// kept, at today's parameters (a test fails when they change), and lives in the binary:
    /// hashing it at init would add ~45 ms of CPU to every cold start of login.
    pub fn dummy_hash(&self) -> PasswordHash {
        PasswordHash::from_phc(DUMMY_PHC.to_owned())
    }

    /// Whether `hash` was made with weaker settings than the current ones (another algorithm
    /// or version, or lower memory, time or parallelism), so it should be replaced.
    pub fn needs_rehash(&self, hash: &PasswordHash) -> bool {
        let Ok(parsed) = PhcHash::new(hash.as_phc()) else {
            return true;
        };
        let Ok(params) = argon2::Params::try_from(&parsed) else {
            return true;
        };
        let current = self.argon2.params();
        parsed.algorithm != argon2::Algorithm::Argon2id.ident()
            || parsed.version != Some(argon2::Version::V0x13.into())
            || params.m_cost() < current.m_cost()
            || params.t_cost() < current.t_cost()
            || params.p_cost() < current.p_cost()
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
    async fn weaker_hashes_need_a_rehash_and_current_ones_do_not() {
        let hasher = PasswordHasher::new();
        let current = hasher.hash(&password("correct horse")).await.unwrap();
        assert!(!hasher.needs_rehash(&current));

        let weak = Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(8192, 1, 1, None).unwrap(),
        );
        let salt = SaltString::generate(&mut OsRng);
        let weak_hash = PasswordHash::from_phc(
            weak.hash_password(b"correct horse", &salt)
                .unwrap()
                .to_string(),
        );
        assert!(hasher.needs_rehash(&weak_hash));
        // A weak hash still verifies, so the login that finds it can replace it.
        assert!(
            hasher
                .verify(&password("correct horse"), &weak_hash)
                .await
                .unwrap()
        );

        let argon2i = Argon2::new(
            argon2::Algorithm::Argon2i,
            argon2::Version::V0x13,
            argon2::Params::default(),
        );
        let argon2i_hash = PasswordHash::from_phc(
            argon2i
                .hash_password(b"correct horse", &salt)
                .unwrap()
                .to_string(),
        );
        assert!(hasher.needs_rehash(&argon2i_hash));
        assert!(hasher.needs_rehash(&PasswordHash::from_phc("garbage".into())));
    }

    #[tokio::test]
    async fn the_dummy_hash_matches_no_real_password() {
        let hasher = PasswordHasher::new();
        let dummy = hasher.dummy_hash();
        // At today's parameters, so it costs what a real verification costs.
        assert!(!hasher.needs_rehash(&dummy));
        assert!(
            !hasher
                .verify(&password("correct horse"), &dummy)
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
