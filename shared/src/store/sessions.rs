//! Refresh-session families. A family is one login; each refresh rotates its current token.
//! Only a digest of the current token's id is stored. Expired families are removed by TTL,
//! which can lag by days, so every condition and read also checks `expiresAt` itself.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::{
    UpdateItemError, builders::UpdateItemFluentBuilder,
};
use aws_sdk_dynamodb::types::AttributeValue;

use super::attrs::{
    EXPIRES_AT, GSI1, GSI1_PK, GSI1_SK, PK, REVOKED, TOKEN_DIGEST, TYPE, USER_ID, item_type,
};
use super::errors::is_condition_failure;
use super::item::{ItemReader, n, s};
use super::keys;
use super::{Store, sdk_error};
use crate::domain::{FamilyId, UserId};
use crate::error::AppError;

/// A new family, as login creates it.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub family: FamilyId,
    pub user_id: UserId,
    /// Digest of the current refresh token's `jti`.
    pub token_digest: String,
    /// Epoch seconds; the current refresh token's `exp`.
    pub expires_at: u64,
}

/// What a refresh or logout found when it presented a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented {
    /// The family's current token, and the family was live: the write went through.
    Current,
    /// An earlier token of a live family: a replay. The family is now revoked.
    Reused,
    /// No such family, or revoked, or expired.
    Invalid,
}

impl Store {
    pub async fn create_session(&self, session: &NewSession) -> Result<(), AppError> {
        let mut item = keys::session(&session.family).to_attributes();
        item.extend(keys::user_session(&session.user_id, &session.family).to_index_attributes());
        item.extend([
            (TYPE.to_owned(), s(item_type::SESSION)),
            (USER_ID.to_owned(), s(session.user_id.to_string())),
            (TOKEN_DIGEST.to_owned(), s(&session.token_digest)),
            (REVOKED.to_owned(), AttributeValue::Bool(false)),
            (EXPIRES_AT.to_owned(), n(session.expires_at)),
        ]);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .send()
            .await
            .map_err(sdk_error)?;
        Ok(())
    }

    /// Rotation: one conditional write that replaces the current digest, and only if
    /// `presented` is current and the family is live. Of concurrent refreshes with one token,
    /// exactly one passes the condition.
    pub async fn rotate_session(
        &self,
        family: &FamilyId,
        presented: &str,
        next_digest: &str,
        next_expires_at: u64,
        now: u64,
    ) -> Result<Presented, AppError> {
        let result = self
            .update_if_current(family, presented, now)
            .update_expression("SET #digest = :next, #expiresAt = :nextExpiry")
            .expression_attribute_values(":next", s(next_digest))
            .expression_attribute_values(":nextExpiry", n(next_expires_at))
            .send()
            .await;
        self.presented(result.map(drop), family, presented, now)
            .await
    }

    /// Logout: revokes the family if `presented` is its current token and it is live.
    pub async fn end_session(
        &self,
        family: &FamilyId,
        presented: &str,
        now: u64,
    ) -> Result<Presented, AppError> {
        let result = self
            .update_if_current(family, presented, now)
            .update_expression("SET #revoked = :true")
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .send()
            .await;
        self.presented(result.map(drop), family, presented, now)
            .await
    }

    /// An update of `family` on condition that it exists, is not revoked, has not expired, and
    /// `presented` is its current token.
    fn update_if_current(
        &self,
        family: &FamilyId,
        presented: &str,
        now: u64,
    ) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::session(family).to_attributes()))
            .condition_expression(
                "attribute_exists(#pk) AND #digest = :presented AND #revoked = :false AND #expiresAt > :now",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#digest", TOKEN_DIGEST)
            .expression_attribute_names("#revoked", REVOKED)
            .expression_attribute_names("#expiresAt", EXPIRES_AT)
            .expression_attribute_values(":presented", s(presented))
            .expression_attribute_values(":false", AttributeValue::Bool(false))
            .expression_attribute_values(":now", n(now))
    }

    /// What the outcome of an `update_if_current` says about the presented token.
    async fn presented(
        &self,
        result: Result<(), SdkError<UpdateItemError>>,
        family: &FamilyId,
        presented: &str,
        now: u64,
    ) -> Result<Presented, AppError> {
        match result {
            Ok(()) => Ok(Presented::Current),
            Err(error) if is_condition_failure(&error) => {
                self.after_refused_token(family, presented, now).await
            }
            Err(error) => Err(sdk_error(error)),
        }
    }

    /// Revokes a family whatever its current token (reuse detected, user gone).
    pub async fn revoke_session(&self, family: &FamilyId) -> Result<(), AppError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(keys::session(family).to_attributes()))
            .condition_expression("attribute_exists(#pk)")
            .update_expression("SET #revoked = :true")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#revoked", REVOKED)
            .expression_attribute_values(":true", AttributeValue::Bool(true))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error) if is_condition_failure(&error) => Ok(()),
            Err(error) => Err(sdk_error(error)),
        }
    }

    /// Every session family of `user` (live or not), from `gsi1`.
    pub async fn user_session_families(&self, user: &UserId) -> Result<Vec<FamilyId>, AppError> {
        let mut families = Vec::new();
        let mut start = None;
        loop {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(GSI1)
                .key_condition_expression("#gpk = :user AND begins_with(#gsk, :sessions)")
                .expression_attribute_names("#gpk", GSI1_PK)
                .expression_attribute_names("#gsk", GSI1_SK)
                .expression_attribute_values(":user", s(keys::user_partition(user)))
                .expression_attribute_values(":sessions", s(keys::USER_SESSIONS_PREFIX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk_error)?;
            for item in output.items.unwrap_or_default() {
                let read = ItemReader::new(&item, item_type::SESSION);
                families.push(read.parsed(GSI1_SK, |sk| {
                    sk.strip_prefix(keys::USER_SESSIONS_PREFIX)
                        .and_then(FamilyId::parse)
                })?);
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(families);
            }
        }
    }

    /// A presented token failed the condition: tell a replay of an earlier token of a live
    /// family (revoke the family: RFC 9700 §4.14.2) from a dead or unknown family.
    async fn after_refused_token(
        &self,
        family: &FamilyId,
        presented: &str,
        now: u64,
    ) -> Result<Presented, AppError> {
        let item = self.read_item(&keys::session(family)).await?;
        let Some(item) = item else {
            return Ok(Presented::Invalid);
        };
        let read = ItemReader::new(&item, item_type::SESSION);
        let live = !matches!(item.get(REVOKED), Some(AttributeValue::Bool(true)))
            && read.number::<u64>(EXPIRES_AT)? > now;
        if live && read.string(TOKEN_DIGEST)? != presented {
            self.revoke_session(family).await?;
            tracing::warn!(family = %family, "refresh token reuse detected; session family revoked");
            crate::metrics::count(crate::metrics::Event::RefreshTokenReuse);
            return Ok(Presented::Reused);
        }
        Ok(Presented::Invalid)
    }
}
