//! Failed-login counters: one atomic counter per email and per source IP in fixed windows
//! (`window = now / window_secs`), expired by TTL. Login reads both, with the email claim, in
//! one batch read; any other password check (`currentPassword`) reads and counts the same ones.

use super::attrs::{COUNT, EXPIRES_AT, PK, SK, TYPE, USER_ID, item_type};
use super::item::{Item, ItemReader, n, s};
use super::keys::{self, Key};
use super::{Store, sdk_error};
use crate::config::LoginLimits;
use crate::domain::{Email, UserId};
use crate::error::AppError;

/// The fixed window an instant falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginWindow {
    pub number: u64,
    /// Epoch seconds at which the window opens and closes.
    pub starts_at: u64,
    pub ends_at: u64,
}

impl LoginWindow {
    pub fn at(now: u64, limits: &LoginLimits) -> Self {
        let number = now / limits.window_secs;
        Self {
            number,
            starts_at: number * limits.window_secs,
            ends_at: (number + 1) * limits.window_secs,
        }
    }
}

/// Failed logins counted in one window against one email and one source IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginFailures {
    pub by_email: u32,
    pub by_ip: u32,
}

impl LoginFailures {
    /// The throttle: once either count has reached its limit, every password check in the
    /// window is refused, the right password too, until the window ends.
    pub fn refuse_if_over(
        &self,
        limits: &LoginLimits,
        window: LoginWindow,
        now: u64,
    ) -> Result<(), AppError> {
        if self.by_email >= limits.per_email || self.by_ip >= limits.per_ip {
            crate::metrics::count(crate::metrics::Event::LoginThrottled);
            return Err(AppError::RateLimited {
                retry_after_secs: (window.ends_at - now).max(1),
            });
        }
        Ok(())
    }
}

/// What login needs before it checks a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginLookup {
    /// The owner of the email claim, if the email is registered.
    pub user_id: Option<UserId>,
    pub failures: LoginFailures,
}

/// The keys of the two counters an attempt reads and counts against.
struct FailureCounters {
    by_email: Key,
    by_ip: Key,
}

impl FailureCounters {
    fn of(email: &Email, ip: &str, window: LoginWindow) -> Self {
        Self {
            by_email: keys::login_failures_of_email(email, window.number),
            by_ip: keys::login_failures_of_ip(ip, window.number),
        }
    }

    /// The counts among the items of a batch read (an absent counter is zero).
    fn counts_in(&self, items: &[Item]) -> Result<LoginFailures, AppError> {
        let count = |key: &Key| -> Result<u32, AppError> {
            find(items, key).map_or(Ok(0), |item| {
                ItemReader::new(item, item_type::LOGIN_FAILURES).number(COUNT)
            })
        };
        Ok(LoginFailures {
            by_email: count(&self.by_email)?,
            by_ip: count(&self.by_ip)?,
        })
    }
}

/// The item with this key, if read: a batch read answers in no particular order.
fn find<'a>(items: &'a [Item], key: &Key) -> Option<&'a Item> {
    items.iter().find(|item| {
        item.get(PK).and_then(|v| v.as_s().ok()) == Some(&key.pk)
            && item.get(SK).and_then(|v| v.as_s().ok()) == Some(&key.sk)
    })
}

impl Store {
    /// One strongly consistent batch read: the email claim and both failure counters.
    pub async fn login_lookup(
        &self,
        email: &Email,
        ip: &str,
        window: LoginWindow,
    ) -> Result<LoginLookup, AppError> {
        let claim = keys::email_claim(email);
        let counters = FailureCounters::of(email, ip, window);
        let items = self
            .read_items(vec![
                claim.to_attributes(),
                counters.by_email.to_attributes(),
                counters.by_ip.to_attributes(),
            ])
            .await?;
        let user_id = find(&items, &claim)
            .map(|item| {
                ItemReader::new(item, item_type::EMAIL_CLAIM).parsed(USER_ID, UserId::parse)
            })
            .transpose()?;
        Ok(LoginLookup {
            user_id,
            failures: counters.counts_in(&items)?,
        })
    }

    /// One strongly consistent batch read of both failure counters, for a password check whose
    /// account is already known.
    pub async fn login_failures(
        &self,
        email: &Email,
        ip: &str,
        window: LoginWindow,
    ) -> Result<LoginFailures, AppError> {
        let counters = FailureCounters::of(email, ip, window);
        let items = self
            .read_items(vec![
                counters.by_email.to_attributes(),
                counters.by_ip.to_attributes(),
            ])
            .await?;
        counters.counts_in(&items)
    }

    /// Counts one failed login against the email and the IP (atomic `ADD`s). The counters
    /// expire by TTL a window after theirs closes.
    pub async fn record_login_failure(
        &self,
        email: &Email,
        ip: &str,
        window: LoginWindow,
    ) -> Result<(), AppError> {
        crate::metrics::count(crate::metrics::Event::LoginFailure);
        let expires_at = window.ends_at + (window.ends_at - window.starts_at);
        let counters = FailureCounters::of(email, ip, window);
        let by_email = self.count_failure(counters.by_email, expires_at);
        let by_ip = self.count_failure(counters.by_ip, expires_at);
        let (a, b) = tokio::join!(by_email, by_ip);
        a.and(b)
    }

    async fn count_failure(&self, key: Key, expires_at: u64) -> Result<(), AppError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key.to_attributes()))
            .update_expression("ADD #count :one SET #type = :type, #expiresAt = :expiresAt")
            .expression_attribute_names("#count", COUNT)
            .expression_attribute_names("#type", TYPE)
            .expression_attribute_names("#expiresAt", EXPIRES_AT)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":type", s(item_type::LOGIN_FAILURES))
            .expression_attribute_values(":expiresAt", n(expires_at))
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_fixed_and_know_when_they_end() {
        let limits = LoginLimits::default();
        let window = LoginWindow::at(1_800_000_123, &limits);
        assert_eq!(window.number, 1_800_000_123 / 900);
        assert_eq!(window.ends_at % 900, 0);
        assert!(window.ends_at > 1_800_000_123 && window.ends_at - 1_800_000_123 <= 900);
        assert_eq!(LoginWindow::at(window.ends_at - 1, &limits), window);
        assert_ne!(LoginWindow::at(window.ends_at, &limits), window);
    }

    #[test]
    fn either_count_at_its_limit_refuses_until_the_window_ends() {
        let limits = LoginLimits::default();
        let now = 1_800_000_123;
        let window = LoginWindow::at(now, &limits);
        let check = |by_email, by_ip| {
            LoginFailures { by_email, by_ip }.refuse_if_over(&limits, window, now)
        };
        assert!(check(limits.per_email - 1, limits.per_ip - 1).is_ok());
        for (by_email, by_ip) in [(limits.per_email, 0), (0, limits.per_ip)] {
            let refused = check(by_email, by_ip);
            assert!(
                matches!(refused, Err(AppError::RateLimited { retry_after_secs })
                    if retry_after_secs == window.ends_at - now),
                "{by_email} by email, {by_ip} by IP: {refused:?}"
            );
        }
    }
}
