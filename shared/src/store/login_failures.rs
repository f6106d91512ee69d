//! Failed-login counters: one atomic counter per email and per source IP in fixed windows
//! (`window = now / window_secs`), expired by TTL. Login reads both, with the email claim, in
//! one batch read.

use super::attrs::{COUNT, EXPIRES_AT, PK, SK, TYPE, USER_ID, item_type};
use super::item::{ItemReader, n, s};
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

/// What login needs before it checks a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginLookup {
    /// The owner of the email claim, if the email is registered.
    pub user_id: Option<UserId>,
    pub email_failures: u32,
    pub ip_failures: u32,
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
        let by_email = keys::login_failures_of_email(email, window.number);
        let by_ip = keys::login_failures_of_ip(ip, window.number);
        let items = self
            .read_items(vec![
                claim.to_attributes(),
                by_email.to_attributes(),
                by_ip.to_attributes(),
            ])
            .await?;
        let find = |key: &Key| {
            items.iter().find(|item| {
                item.get(PK).and_then(|v| v.as_s().ok()) == Some(&key.pk)
                    && item.get(SK).and_then(|v| v.as_s().ok()) == Some(&key.sk)
            })
        };
        let count = |key: &Key| -> Result<u32, AppError> {
            find(key).map_or(Ok(0), |item| {
                ItemReader::new(item, item_type::LOGIN_FAILURES).number(COUNT)
            })
        };
        let user_id = find(&claim)
            .map(|item| {
                ItemReader::new(item, item_type::EMAIL_CLAIM).parsed(USER_ID, UserId::parse)
            })
            .transpose()?;
        Ok(LoginLookup {
            user_id,
            email_failures: count(&by_email)?,
            ip_failures: count(&by_ip)?,
        })
    }

    /// Counts one failed login against the email and the IP (atomic `ADD`s). The counters
    /// expire by TTL a window after theirs closes.
    pub async fn record_login_failure(
        &self,
        email: &Email,
        ip: &str,
        window: LoginWindow,
    ) -> Result<(), AppError> {
        let expires_at = window.ends_at + (window.ends_at - window.starts_at);
        let by_email = self.count_failure(
            keys::login_failures_of_email(email, window.number),
            expires_at,
        );
        let by_ip = self.count_failure(keys::login_failures_of_ip(ip, window.number), expires_at);
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
}
