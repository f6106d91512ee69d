//! Every name the table stores: attribute names, the index name and the values of `type`. No
//! other module spells one; condition and update expressions refer to them as `#placeholders`
//! bound to these constants. Renaming one orphans the data already stored under the old name.
//!
//! | Item (`type`)   | Attributes besides `pk`, `sk` and `type`                                  |
//! |-----------------|---------------------------------------------------------------------------|
//! | `user`          | `id`, `name`, `email`, `roles`, `passwordHash`, `version`, `sessionVersion`, `createdAt`, `updatedAt` |
//! | `emailClaim`    | `userId`                                                                  |
//! | `session`       | `userId`, `tokenDigest`, `revoked`, `expiresAt`, `gsi1pk`, `gsi1sk`       |
//! | `loginFailures` | `count`, `expiresAt`                                                      |
//! | `user`          | (also) `gsi2pk`, `gsi2sk`: its entry in the user directory              |
//! | `product`       | `id`, `name`, `priceCents`, `stock`, `version`, `createdAt`, `updatedAt`, `archivedAt` (once archived), `gsi2pk`, `gsi2sk` (while on sale) |
//! | `order`         | `id`, `userId`, `items` (each: `productId`, `quantity`, `unitPriceCents`, `lineTotalCents`), `totalCents`, `status`, `version`, `createdAt`, `cancelledAt` (once cancelled), `gsi1pk`, `gsi1sk` |
//! | `idempotency`   | `requestDigest`, `orderId`, `expiresAt`                                   |
//! | `verificationKeys` | `currentKid`, `currentPublicKey`, `previousKid`, `previousPublicKey` (both absent when none), `cursorKey` |
//!
//! `expiresAt` (epoch seconds) is the table's TTL attribute; `gsi1pk`/`gsi1sk` key the `gsi1`
//! index, `gsi2pk`/`gsi2sk` the `gsi2` index (`keys.rs` has what goes in them). Items written
//! before a field existed may lack it: a product without `version` is at version 0, without
//! `updatedAt` last updated at `createdAt`; an order without `version` is at 1.

/// The table's keys and the index.
pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
/// Whole-collection lists (keys only): the catalogue, the user directory.
pub const GSI2: &str = "gsi2";
pub const GSI2_PK: &str = "gsi2pk";
pub const GSI2_SK: &str = "gsi2sk";

/// On every item: what it is (one of [`item_type`]).
pub const TYPE: &str = "type";
/// On items that expire: the TTL attribute.
pub const EXPIRES_AT: &str = "expiresAt";

// Entities (users, products, orders).
pub const ID: &str = "id";
pub const NAME: &str = "name";
pub const CREATED_AT: &str = "createdAt";
pub const UPDATED_AT: &str = "updatedAt";

// Users.
pub const EMAIL: &str = "email";
pub const ROLES: &str = "roles";
pub const PASSWORD_HASH: &str = "passwordHash";
/// Every write of a user, product or order adds one: optimistic locking, and the `ETag`.
pub const VERSION: &str = "version";
pub const SESSION_VERSION: &str = "sessionVersion";

/// On email claims, sessions and orders: the user they belong to.
pub const USER_ID: &str = "userId";

// Sessions.
pub const TOKEN_DIGEST: &str = "tokenDigest";
pub const REVOKED: &str = "revoked";

// Failed-login counters.
pub const COUNT: &str = "count";

// Products.
pub const PRICE_CENTS: &str = "priceCents";
/// Decremented by orders, on condition that enough is left; added to by restocks and cancels.
pub const STOCK: &str = "stock";
/// Set when an admin archives the product: no longer sold, listed or readable.
pub const ARCHIVED_AT: &str = "archivedAt";

// Orders.
pub const ITEMS: &str = "items";
pub const TOTAL_CENTS: &str = "totalCents";
pub const STATUS: &str = "status";
pub const CANCELLED_AT: &str = "cancelledAt";

/// The attributes of each map in an order's `items`.
pub mod line {
    pub const PRODUCT_ID: &str = "productId";
    pub const QUANTITY: &str = "quantity";
    pub const UNIT_PRICE_CENTS: &str = "unitPriceCents";
    pub const LINE_TOTAL_CENTS: &str = "lineTotalCents";
}

// Idempotency records.
pub const REQUEST_DIGEST: &str = "requestDigest";
pub const ORDER_ID: &str = "orderId";

// The verification keys (public keys are base64url Ed25519 points, a JWK's `x`).
pub const CURRENT_KID: &str = "currentKid";
pub const CURRENT_PUBLIC_KEY: &str = "currentPublicKey";
pub const PREVIOUS_KID: &str = "previousKid";
pub const PREVIOUS_PUBLIC_KEY: &str = "previousPublicKey";
pub const CURSOR_KEY: &str = "cursorKey";

/// The values of [`TYPE`].
pub mod item_type {
    pub const USER: &str = "user";
    pub const EMAIL_CLAIM: &str = "emailClaim";
    pub const SESSION: &str = "session";
    pub const LOGIN_FAILURES: &str = "loginFailures";
    pub const PRODUCT: &str = "product";
    pub const ORDER: &str = "order";
    pub const IDEMPOTENCY: &str = "idempotency";
    pub const VERIFICATION_KEYS: &str = "verificationKeys";
}

/// The values of an order's [`STATUS`].
pub mod order_status {
    pub const PLACED: &str = "placed";
    pub const CANCELLED: &str = "cancelled";
}
