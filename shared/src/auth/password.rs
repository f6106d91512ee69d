use std::sync::{Arc, Mutex, PoisonError};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::{
        self, Output, ParamsString, PasswordHash as PhcHash, Salt, SaltString, rand_core::OsRng,
    },
};
use secrecy::ExposeSecret;

use crate::domain::{Password, PasswordHash};
use crate::error::AppError;

/// The most working memory a stored hash may ask of `verify`, in KiB: 64 MiB, over three times
/// today's 19 MiB, leaving room to raise the cost later. The reused memory grows to the largest
/// hash it has verified and stays that size, so without a bound a stored hash with a huge
/// `m` (a corrupt or tampered item) would pin that much memory for the process's lifetime, or
/// exhaust a 128 MB function outright.
const MAX_VERIFY_MEMORY_KIB: u32 = 64 * 1024;

const DUMMY_PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$ubZ7Z9GMswo31ivsTwoI6A$BeE8napNJRgwNXjs5Sxa6DVYMnBqY1kg/WzNGUWbfpw";

/// argon2id at the crate's defaults, which are OWASP's recommendation (m=19456 KiB, t=2, p=1).
/// Hashing takes tens of milliseconds of CPU, so it runs on the blocking pool, off the runtime
/// thread that serves I/O.
///
/// Its 19 MiB of working memory is allocated once and reused by every hash. Left to the
/// `argon2` crate, each hash allocates and frees 19 MiB, on whichever blocking-pool thread
/// runs it; glibc keeps those in per-thread arenas and splits the freed blocks for small
/// allocations, so a warm process's RSS grew many times over (bench/notes.md, "argon2id
/// working memory"). Reused, peak RSS stays flat and no hash pays the page faults of fresh
/// memory. A Lambda process serves one request at a time, so the lock is never
/// contended there; where it is (tests, `cargo lambda watch`), hashes take turns.
#[derive(Clone, Default)]
pub struct PasswordHasher {
    argon2: Argon2<'static>,
    memory: Arc<Mutex<Vec<Block>>>,
}

impl PasswordHasher {
    pub fn new() -> Self {
        Self::default()
    }

    /// A fresh PHC string with a random salt.
    pub async fn hash(&self, password: &Password) -> Result<PasswordHash, AppError> {
        let hasher = self.clone();
        let password = password.clone();
        tokio::task::spawn_blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            let current = (Algorithm::Argon2id, Version::V0x13, hasher.argon2.params());
            hasher
                .phc(current, password.expose_secret().as_bytes(), salt.as_salt())
                .map(|hash| PasswordHash::from_phc(hash.to_string()))
                .map_err(|error| AppError::internal(error.to_string()))
        })
        .await
        .map_err(AppError::internal)?
    }

    /// What `argon2`'s `hash_password` computes (the same PHC string, bit for bit) for
    /// `algorithm`, `version` and `params`, in this hasher's reused memory.
    fn phc<'a>(
        &self,
        (algorithm, version, params): (Algorithm, Version, &Params),
        password: &[u8],
        salt: Salt<'a>,
    ) -> password_hash::Result<PhcHash<'a>> {
        let mut salt_buffer = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_buffer)?;
        let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
        let argon2 = Argon2::new(algorithm, version, params.clone());
        let mut memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        if memory.len() < params.block_count() {
            memory.resize(params.block_count(), Block::default());
        }
        let output = Output::init_with(output_len, |out| {
            argon2.hash_password_into_with_memory(password, salt_bytes, out, &mut memory[..])?;
            Ok(())
        })?;
        Ok(PhcHash {
            algorithm: algorithm.ident(),
            version: Some(version.into()),
            params: ParamsString::try_from(params)?,
            salt: Some(salt),
            hash: Some(output),
        })
    }

    /// The hash login verifies an unknown email's password against, so that path costs the
    /// same argon2id work as a known email. It was made once, from a random password nobody
    /// kept, at today's parameters (a test fails when they change), and lives in the binary:
    /// hashing it at init would add a whole hash to every cold start of login (bench/notes.md,
    /// "Login's dummy hash").
    pub fn dummy_hash(&self) -> PasswordHash {
        PasswordHash::from_phc(DUMMY_PHC.to_owned())
    }

    /// Whether `hash` was made with weaker settings than the current ones (another algorithm
    /// or version, or lower memory, time or parallelism), so it should be replaced.
    pub fn needs_rehash(&self, hash: &PasswordHash) -> bool {
        let Ok(parsed) = PhcHash::new(hash.expose_secret()) else {
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
        let hasher = self.clone();
        let password = password.clone();
        let hash = hash.clone();
        tokio::task::spawn_blocking(move || {
            let malformed = |e: password_hash::Error| AppError::internal(e.to_string());
            let stored = PhcHash::new(hash.expose_secret()).map_err(malformed)?;
            let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
                return Err(AppError::internal(
                    "stored password hash lacks salt or output",
                ));
            };
            // The stored hash's own algorithm, version and cost, as `verify_password` does.
            let algorithm = Algorithm::try_from(stored.algorithm).map_err(malformed)?;
            let version = stored
                .version
                .map(Version::try_from)
                .transpose()
                .map_err(|e| AppError::internal(e.to_string()))?
                .unwrap_or_default();
            let params = Params::try_from(&stored).map_err(malformed)?;
            if params.m_cost() > MAX_VERIFY_MEMORY_KIB {
                return Err(AppError::internal(format!(
                    "stored password hash asks for {} KiB of memory, over the {MAX_VERIFY_MEMORY_KIB} KiB bound",
                    params.m_cost()
                )));
            }
            let computed = hasher
                .phc(
                    (algorithm, version, &params),
                    password.expose_secret().as_bytes(),
                    salt,
                )
                .map_err(malformed)?;
            // `Output`'s equality is constant-time.
            Ok(computed.hash.as_ref() == Some(&expected))
        })
        .await
        .map_err(AppError::internal)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordHasher as _;

    fn password(text: &str) -> Password {
        Password::parse(text.to_owned()).unwrap()
    }

    #[tokio::test]
    async fn hashes_with_argon2id_at_owasp_parameters_and_verifies() {
        let hasher = PasswordHasher::new();
        let hash = hasher.hash(&password("correct horse")).await.unwrap();
        assert!(
            hash.expose_secret()
                .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{:?}",
            hash.expose_secret()
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
    async fn hashes_are_the_argon2_crates_own_bit_for_bit_both_ways() {
        use argon2::password_hash::PasswordVerifier as _;
        let hasher = PasswordHasher::new();
        // Ours verifies with the crate's verifier...
        let ours = hasher.hash(&password("correct horse")).await.unwrap();
        let parsed = PhcHash::new(ours.expose_secret()).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        // With one salt, the two PHC strings are the same text.
        let salt = SaltString::generate(&mut OsRng);
        let current = (Algorithm::Argon2id, Version::V0x13, &Params::default());
        assert_eq!(
            hasher
                .phc(current, b"correct horse", salt.as_salt())
                .unwrap()
                .to_string(),
            Argon2::default()
                .hash_password(b"correct horse", &salt)
                .unwrap()
                .to_string()
        );
        // ... and the crate's hash, at today's and at weaker settings, verifies with ours.
        for argon2 in [
            Argon2::default(),
            Argon2::new(
                Algorithm::Argon2id,
                Version::V0x10,
                Params::new(4096, 3, 1, Some(24)).unwrap(),
            ),
        ] {
            let theirs = argon2.hash_password(b"correct horse", &salt).unwrap();
            let theirs = PasswordHash::from_phc(theirs.to_string());
            assert!(
                hasher
                    .verify(&password("correct horse"), &theirs)
                    .await
                    .unwrap()
            );
            assert!(
                !hasher
                    .verify(&password("wrong horse"), &theirs)
                    .await
                    .unwrap()
            );
        }
    }

    #[tokio::test]
    async fn the_working_memory_is_allocated_once_and_reused() {
        let hasher = PasswordHasher::new();
        let first = hasher.hash(&password("correct horse")).await.unwrap();
        let address = hasher.memory.lock().unwrap().as_ptr();
        hasher
            .verify(&password("correct horse"), &first)
            .await
            .unwrap();
        hasher.hash(&password("another one")).await.unwrap();
        let memory = hasher.memory.lock().unwrap();
        assert_eq!(memory.as_ptr(), address, "the blocks were reallocated");
        assert_eq!(memory.len(), Params::default().block_count());
    }

    #[tokio::test]
    async fn a_stored_hash_asking_for_too_much_memory_is_refused_before_any_is_allocated() {
        let hasher = PasswordHasher::new();
        let greedy = argon2::Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(MAX_VERIFY_MEMORY_KIB + 1024, 1, 1, None).unwrap(),
        )
        .hash_password(b"correct horse", &SaltString::generate(&mut OsRng))
        .unwrap()
        .to_string();
        let error = hasher
            .verify(&password("correct horse"), &PasswordHash::from_phc(greedy))
            .await
            .unwrap_err();
        assert_eq!(error.code(), "INTERNAL");
        assert!(
            hasher.memory.lock().unwrap().is_empty(),
            "memory was allocated"
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
        assert_ne!(a.expose_secret(), b.expose_secret());
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
