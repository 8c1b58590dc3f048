//! Passwords: how they are stored and which new ones are accepted, to meet OWASP ASVS 5.0 level 2
//! (V6 Authentication: length limits, no composition rules, a common-password blocklist; V11
//! Cryptography: passwords stored with a memory-hard, salted KDF at OWASP's recommended cost).
//!
//! Each argon2id hash holds 19 MiB for its duration, so [`Hasher`] runs them on the blocking pool
//! behind a semaphore: a login flood then waits or gets [`PasswordError::Busy`] instead of
//! exhausting memory or starving the async workers.
//!
//! The blocklist in `data/common-passwords.txt` is the first 10,000 entries, in frequency order, of
//! `src/passwords.json` in the npm package `@zxcvbn-ts/language-common` 4.1.3 (MIT licence,
//! Copyright (c) zxcvbn-ts; tarball sha256
//! `bf3027c16c069d7877e25dc8751bc819e10e479afcc5ee1a323eb2ab73129ca9`). zxcvbn-ts built that list
//! from Mark Burnett's 2015 "ten million passwords" (Xato) data set: lower-cased, ASCII only,
//! ordered by how often each occurs, less the entries its own pattern matchers (repeats,
//! sequences, keyboard walks, dates) would guess sooner than their rank. Regenerate with
//! `npm pack @zxcvbn-ts/language-common@4.1.3`, then write the first 10,000 elements of that
//! JSON array one per line.

use std::collections::HashSet;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use argon2::password_hash::Error as HashError;
use argon2::{Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version};
use tokio::sync::Semaphore;

/// Fewest characters (Unicode scalar values) a new password may have.
pub const MIN_CHARS: usize = 12;
/// Most characters (Unicode scalar values) a new password may have.
pub const MAX_CHARS: usize = 128;

/// Memory cost in KiB (19 MiB): OWASP's argon2id baseline with `T_COST` 2 and `P_COST` 1.
const M_COST: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;
const OUTPUT_LEN: usize = 32;

/// Evaluated at compile time, so a bad cost fails the build rather than a login.
const PARAMS: Params = match Params::new(M_COST, T_COST, P_COST, Some(OUTPUT_LEN)) {
    Ok(params) => params,
    Err(_) => panic!("argon2 parameters out of range"),
};

/// How long a caller waits for a hashing slot before being told to come back later.
const DEFAULT_WAIT: Duration = Duration::from_secs(3);

const COMMON_PASSWORDS: &str = include_str!("../../data/common-passwords.txt");

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// Every hashing slot stayed taken for the whole wait: 503 with `Retry-After`.
    #[error("too many password checks are running; try again shortly")]
    Busy,
    /// The stored hash cannot be read or was not written by this server: opaque 500.
    #[error("stored password hash is unusable: {0}")]
    Corrupt(String),
    /// Hashing itself failed (random source, allocation, task panic): opaque 500.
    #[error("password hashing failed: {0}")]
    Internal(String),
}

/// Hashes and verifies passwords with a bounded number running at once.
#[derive(Clone, Debug)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    wait: Duration,
}

impl Hasher {
    /// A hasher running at most `max_concurrent` hashes (at least one), waiting up to 3 s for a slot.
    #[must_use]
    pub fn new(max_concurrent: usize) -> Self {
        Self::with_wait(max_concurrent, DEFAULT_WAIT)
    }

    /// A hasher running at most `max_concurrent` hashes (at least one), waiting up to `wait`.
    #[must_use]
    pub fn with_wait(max_concurrent: usize, wait: Duration) -> Self {
        // Zero slots would turn every login into Busy; one is the least that works.
        let slots = max_concurrent.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            permits: Arc::new(Semaphore::new(slots)),
            wait,
        }
    }

    /// Hashes `password` with argon2id and a fresh random salt, returning a PHC string.
    ///
    /// # Errors
    /// [`PasswordError::Busy`] when no slot frees within the wait; `Internal` if hashing fails.
    #[tracing::instrument(skip_all)]
    pub async fn hash(&self, password: &str) -> Result<String, PasswordError> {
        let password = password.to_owned();
        self.run(move || hash_blocking(password.as_bytes())).await
    }

    /// Checks `password` against `stored`, in constant time.
    ///
    /// `stored` None (unknown account or no password): verifies against a fixed dummy hash with
    /// the same parameters so the time taken does not reveal whether the account exists; always
    /// returns false then.
    ///
    /// # Errors
    /// `Busy` as for [`Hasher::hash`]; `Corrupt` when `stored` is unreadable or costs more than
    /// this server's parameters; `Internal` if hashing fails.
    #[tracing::instrument(skip_all)]
    pub async fn verify(
        &self,
        password: &str,
        stored: Option<&str>,
    ) -> Result<bool, PasswordError> {
        let password = password.to_owned();
        let stored = stored.map(str::to_owned);
        self.run(move || match stored {
            Some(phc) => verify_blocking(password.as_bytes(), &phc),
            None => {
                verify_blocking(password.as_bytes(), dummy_hash()?)?;
                Ok(false)
            }
        })
        .await
    }

    async fn run<T, F>(&self, work: F) -> Result<T, PasswordError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, PasswordError> + Send + 'static,
    {
        let permit = tokio::time::timeout(self.wait, Arc::clone(&self.permits).acquire_owned())
            .await
            .map_err(|_| PasswordError::Busy)?
            .map_err(|_| PasswordError::Internal("password hasher closed".to_owned()))?;
        tokio::task::spawn_blocking(move || {
            // The permit lives as long as the hash, not the caller: a client that disconnects
            // mid-login must not free a slot whose 19 MiB are still in use.
            let _permit = permit;
            work()
        })
        .await
        .map_err(|error| PasswordError::Internal(format!("hashing task failed: {error}")))?
    }
}

/// The argon2 cost `(m_cost, t_cost, p_cost)` recorded in a PHC string, or None if unreadable.
#[must_use]
pub fn params_of(phc: &str) -> Option<(u32, u32, u32)> {
    let hash = PasswordHash::new(phc).ok()?;
    let params = Params::try_from(&hash).ok()?;
    Some((params.m_cost(), params.t_cost(), params.p_cost()))
}

/// Why a proposed new password was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRejection {
    /// Fewer than [`MIN_CHARS`] characters.
    #[error("Use at least {MIN_CHARS} characters.")]
    TooShort,
    /// More than [`MAX_CHARS`] characters.
    #[error("Use at most {MAX_CHARS} characters.")]
    TooLong,
    /// Among the 10,000 most common passwords.
    #[error("This password is one of the most commonly used; choose another.")]
    Common,
}

impl PasswordRejection {
    /// The sentence to show the person choosing the password.
    #[must_use]
    pub fn message(&self) -> String {
        self.to_string()
    }
}

/// Accepts a new password when it is 12 to 128 characters long and not a common password.
///
/// # Errors
/// The first rule the password breaks, as a [`PasswordRejection`].
pub fn check_new(password: &str) -> Result<(), PasswordRejection> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordRejection::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(PasswordRejection::TooLong);
    }
    if is_common(password) {
        return Err(PasswordRejection::Common);
    }
    Ok(())
}

fn is_common(password: &str) -> bool {
    static COMMON: OnceLock<HashSet<String>> = OnceLock::new();
    COMMON
        .get_or_init(|| {
            COMMON_PASSWORDS
                .lines()
                .filter(|line| !line.is_empty())
                .map(str::to_lowercase)
                .collect()
        })
        .contains(&password.to_lowercase())
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, PARAMS)
}

fn hash_blocking(password: &[u8]) -> Result<String, PasswordError> {
    argon2()
        .hash_password(password)
        .map(|hash| hash.to_string())
        .map_err(|error| PasswordError::Internal(error.to_string()))
}

fn verify_blocking(password: &[u8], phc: &str) -> Result<bool, PasswordError> {
    let hash = PasswordHash::new(phc).map_err(|error| PasswordError::Corrupt(error.to_string()))?;
    // The generic verifier answers "wrong password" for a hash without salt or output; that is a
    // damaged record, and saying so keeps the account from looking merely mistyped.
    if hash.salt.is_none() || hash.hash.is_none() {
        return Err(PasswordError::Corrupt("salt or hash missing".to_owned()));
    }
    // The semaphore bounds memory only if no stored hash asks for more than we would write.
    let params =
        Params::try_from(&hash).map_err(|error| PasswordError::Corrupt(error.to_string()))?;
    if params.m_cost() > M_COST || params.t_cost() > T_COST || params.p_cost() > P_COST {
        return Err(PasswordError::Corrupt(
            "cost above this server's parameters".to_owned(),
        ));
    }
    match argon2().verify_password(password, &hash) {
        Ok(()) => Ok(true),
        Err(HashError::PasswordInvalid) => Ok(false),
        Err(
            error @ (HashError::Algorithm
            | HashError::Version
            | HashError::EncodingInvalid
            | HashError::OutputSize
            | HashError::ParamInvalid { .. }
            | HashError::ParamsInvalid
            | HashError::SaltInvalid),
        ) => Err(PasswordError::Corrupt(error.to_string())),
        Err(error) => Err(PasswordError::Internal(error.to_string())),
    }
}

/// A hash of a random secret nobody knows, so unknown accounts cost one real verification too.
fn dummy_hash() -> Result<&'static str, PasswordError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DUMMY.get() {
        return Ok(hash);
    }
    // Two first callers may both compute one; only the first is kept, which is harmless.
    let secret: [u8; 32] = rand::random();
    let hash = hash_blocking(&secret)?;
    Ok(DUMMY.get_or_init(|| hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_no_other() {
        let hasher = Hasher::new(2);
        let phc = hasher.hash("correct horse battery staple").await.unwrap();
        assert!(
            hasher
                .verify("correct horse battery staple", Some(&phc))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("correct horse battery stapler", Some(&phc))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn hashes_are_argon2id_v19_at_owasp_cost_with_a_fresh_salt() {
        let hasher = Hasher::new(2);
        let first = hasher.hash("same password twice").await.unwrap();
        let second = hasher.hash("same password twice").await.unwrap();
        assert!(first.starts_with("$argon2id$v=19$"), "{first}");
        assert_eq!(params_of(&first), Some((19_456, 2, 1)));
        assert_ne!(first, second);
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        let hasher = Hasher::new(2);
        assert!(!hasher.verify("anything at all", None).await.unwrap());
        assert!(!hasher.verify("", None).await.unwrap());
    }

    #[tokio::test]
    async fn an_unreadable_stored_hash_is_corrupt() {
        let hasher = Hasher::new(2);
        let phc = hasher.hash("a fine long password").await.unwrap();
        let without_output = phc.rsplit_once('$').unwrap().0;
        let stronger = phc.replace("m=19456", "m=1048576");
        for stored in [
            "",
            "not a hash",
            "$argon2id$v=19$m=19456,t=2,p=1$!!!$???",
            "$bcrypt$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
            without_output,
            &stronger,
        ] {
            let outcome = hasher.verify("a fine long password", Some(stored)).await;
            assert!(
                matches!(outcome, Err(PasswordError::Corrupt(_))),
                "{stored:?} gave {outcome:?}"
            );
        }
        assert_eq!(params_of("not a hash"), None);
    }

    #[tokio::test]
    async fn a_caller_gets_busy_when_no_slot_frees_in_time() {
        let hasher = Hasher::with_wait(1, Duration::from_millis(50));
        let held = Arc::clone(&hasher.permits).acquire_owned().await.unwrap();
        assert!(matches!(
            hasher.hash("some password").await,
            Err(PasswordError::Busy)
        ));
        assert!(matches!(
            hasher.verify("some password", None).await,
            Err(PasswordError::Busy)
        ));
        drop(held);
        assert!(hasher.hash("some password").await.is_ok());
    }

    #[tokio::test]
    async fn a_caller_waits_for_a_slot_that_frees_in_time() {
        let hasher = Hasher::with_wait(1, Duration::from_secs(10));
        let held = Arc::clone(&hasher.permits).acquire_owned().await.unwrap();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            drop(held);
        });
        assert!(hasher.hash("some password").await.is_ok());
        assert_eq!(hasher.permits.available_permits(), 1);
    }

    #[test]
    fn length_is_counted_in_characters_between_12_and_128() {
        assert_eq!(check_new("abcdefghijk"), Err(PasswordRejection::TooShort));
        assert_eq!(check_new("abcdefghijkl"), Ok(()));
        assert_eq!(check_new(&"x".repeat(64)), Ok(()));
        assert_eq!(check_new(&"x".repeat(128)), Ok(()));
        assert_eq!(check_new(&"x".repeat(129)), Err(PasswordRejection::TooLong));
        // 12 characters but 24 bytes: counted as 12.
        assert_eq!(check_new("ééééééééééé"), Err(PasswordRejection::TooShort));
        assert_eq!(check_new("éééééééééééé"), Ok(()));
    }

    #[test]
    fn no_composition_rules() {
        assert_eq!(check_new("all lower case words"), Ok(()));
        assert_eq!(check_new("918273645546372"), Ok(()));
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert!(is_common("password"));
        assert!(is_common("123456"));
        assert!(is_common("PassWord"));
        assert_eq!(check_new("qwerty123456"), Err(PasswordRejection::Common));
        assert_eq!(check_new("1qaz2wsx3edc"), Err(PasswordRejection::Common));
        assert_eq!(check_new("LeaveMeAlone"), Err(PasswordRejection::Common));
        // No trimming: surrounding spaces make a different password.
        assert_eq!(check_new(" leavemealone "), Ok(()));
    }

    #[test]
    fn the_list_holds_10000_distinct_lower_case_passwords() {
        let lines: Vec<&str> = COMMON_PASSWORDS.lines().collect();
        assert_eq!(lines.len(), 10_000);
        assert!(lines.iter().all(|line| !line.is_empty()));
        assert!(lines.iter().all(|line| *line == line.to_lowercase()));
        assert_eq!(lines.iter().collect::<HashSet<_>>().len(), 10_000);
        assert_eq!(lines.first(), Some(&"123456"));
    }

    #[test]
    fn rejections_tell_the_user_the_limits() {
        assert!(PasswordRejection::TooShort.message().contains("12"));
        assert!(PasswordRejection::TooLong.message().contains("128"));
        assert!(!PasswordRejection::Common.message().is_empty());
    }
}
