use std::sync::{Arc, Mutex, PoisonError};

use argon2::{
    Algorithm, Params, Version,
    password_hash::{
        self, Output, ParamsString, PasswordHash as PhcHash, Salt, SaltString, rand_core::OsRng,
    },
};
use argon2_rust::params::{Memory, TagLen};
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

/// argon2id at the `argon2` crate's defaults, which are OWASP's recommendation (m=19456 KiB,
/// t=2, p=1). Hashing takes tens of milliseconds of CPU, so it runs on the blocking pool, off
/// the runtime thread that serves I/O.
///
/// Two crates, one hash. The `argon2` crate is the reference: PHC strings are parsed and
/// written with its types, and tests hold every tag to its output bit for bit. The tag itself
/// is computed by `argon2-rust`, the reference C ported with runtime-dispatched SIMD, which
/// costs ~30 % less CPU here and is what the Node.js peer runs (bench/notes.md, "argon2id: the
/// fast path").
///
/// Its 19 MiB of working memory is allocated once and reused by every hash (`argon2_rust::Hasher`
/// keeps its arena). Allocated per hash, on whichever blocking-pool thread runs it, glibc kept
/// the freed blocks in per-thread arenas and a warm process's RSS grew many times over
/// (bench/notes.md, "argon2id working memory"). A Lambda process serves one request at a time,
/// so the lock is never contended there; where it is (tests, `cargo lambda watch`), hashes take
/// turns.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    fill: Arc<Mutex<argon2_rust::Hasher>>,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        let params = Params::default();
        let current = fast_argon2(Algorithm::Argon2id, Version::V0x13, &params)
            .expect("the argon2 crate's default parameters are valid for argon2-rust");
        Self {
            params,
            fill: Arc::new(Mutex::new(current.hasher())),
        }
    }
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
            let current = (Algorithm::Argon2id, Version::V0x13, &hasher.params);
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
        let fast = fast_argon2(algorithm, version, params)?;
        let mut fill = self.fill.lock().unwrap_or_else(PoisonError::into_inner);
        fill.set_argon2(fast);
        let output = Output::init_with(fast.params().tag_len_bytes(), |out| {
            fill.hash_into(password, salt_bytes, out)
                .map_err(|_| password_hash::Error::Crypto)
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
        let current = &self.params;
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

/// `argon2-rust`'s configuration for the `argon2` crate's `algorithm`, `version` and `params`
/// (no secret or associated data: this API uses neither).
fn fast_argon2(
    algorithm: Algorithm,
    version: Version,
    params: &Params,
) -> password_hash::Result<argon2_rust::Argon2> {
    let algorithm = match algorithm {
        Algorithm::Argon2d => argon2_rust::Algorithm::Argon2d,
        Algorithm::Argon2i => argon2_rust::Algorithm::Argon2i,
        Algorithm::Argon2id => argon2_rust::Algorithm::Argon2id,
    };
    let version = match version {
        Version::V0x10 => argon2_rust::Version::V0x10,
        Version::V0x13 => argon2_rust::Version::V0x13,
    };
    let tag_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let params = argon2_rust::Params::builder()
        .memory(Memory::kib(params.m_cost().into()))
        .passes(params.t_cost())
        .lanes(params.p_cost())
        .tag_len(TagLen::bytes(tag_len as u64))
        .build()
        .map_err(|_| password_hash::Error::ParamsMaxExceeded)?;
    Ok(argon2_rust::Argon2::new(algorithm, version, params))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::Argon2;
    use argon2::password_hash::PasswordHasher as _;
    use proptest::prelude::*;

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
        let blocks = || hasher.fill.lock().unwrap().reserved_blocks();
        assert_eq!(blocks(), Params::default().block_count());
        hasher
            .verify(&password("correct horse"), &first)
            .await
            .unwrap();
        hasher.hash(&password("another one")).await.unwrap();
        assert_eq!(blocks(), Params::default().block_count());
    }

    /// A stored hash from before the fast path: made by the `argon2` crate alone (whose output
    /// the earlier code matched bit for bit) for `TEST_PASSWORD`, at today's parameters.
    const HASH_FROM_BEFORE_THE_FAST_PATH: &str = "$argon2id$v=19$m=19456,t=2,p=1$+uQx6XFWDZWf/7uBpil1iQ$sg2mMjVCQjkDemTxMl70mvQ+fFyWSjlPczYBOG2hmQU";

    #[tokio::test]
    async fn a_hash_made_before_the_fast_path_still_verifies() {
        let hasher = PasswordHasher::new();
        let legacy = PasswordHash::from_phc(HASH_FROM_BEFORE_THE_FAST_PATH.to_owned());
        assert!(!hasher.needs_rehash(&legacy));
        assert!(
            hasher
                .verify(&password("correct horse battery staple"), &legacy)
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify(&password("correct horse battery stapler"), &legacy)
                .await
                .unwrap()
        );
    }

    fn algorithms() -> impl Strategy<Value = Algorithm> {
        prop_oneof![
            Just(Algorithm::Argon2d),
            Just(Algorithm::Argon2i),
            Just(Algorithm::Argon2id)
        ]
    }

    fn versions() -> impl Strategy<Value = Version> {
        prop_oneof![Just(Version::V0x10), Just(Version::V0x13)]
    }

    /// Small memory so a case takes microseconds; the code paths are the same at 19 MiB. Tags
    /// from 10 bytes, the shortest a PHC string holds.
    fn params() -> impl Strategy<Value = Params> {
        (1u32..=4, 0u32..=64, 1u32..=3, 10usize..=64).prop_map(|(lanes, extra, passes, len)| {
            Params::new(8 * lanes + extra, passes, lanes, Some(len)).unwrap()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The fast path's PHC string is the `argon2` crate's, bit for bit, for any password,
        /// salt, algorithm, version and parameters; and each one verifies with the other.
        #[test]
        fn the_fast_path_is_the_argon2_crates_hash_bit_for_bit(
            secret in proptest::collection::vec(any::<u8>(), 0..48),
            salt in proptest::collection::vec(any::<u8>(), 8..32),
            algorithm in algorithms(),
            version in versions(),
            params in params(),
        ) {
            let salt = SaltString::encode_b64(&salt).unwrap();
            let reference = Argon2::new(algorithm, version, params.clone())
                .hash_password(&secret, &salt)
                .unwrap()
                .to_string();
            let hasher = PasswordHasher::new();
            let ours = hasher
                .phc((algorithm, version, &params), &secret, salt.as_salt())
                .unwrap()
                .to_string();
            prop_assert_eq!(&ours, &reference);

            // Verification across the two, through the API's own entry point, for passwords
            // the API accepts.
            if let Ok(text) = String::from_utf8(secret.clone()) && let Ok(valid) = Password::parse(text) {
                let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
                let theirs = PasswordHash::from_phc(reference);
                prop_assert!(runtime.block_on(hasher.verify(&valid, &theirs)).unwrap());
                use argon2::password_hash::PasswordVerifier as _;
                let parsed = PhcHash::new(&ours).unwrap();
                prop_assert!(Argon2::default().verify_password(&secret, &parsed).is_ok());
            }
        }
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
        assert_eq!(
            hasher.fill.lock().unwrap().reserved_blocks(),
            0,
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
