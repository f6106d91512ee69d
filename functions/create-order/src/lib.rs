//! `POST /orders`: any signed-in user. Prices come from the stored products; all lines are
//! placed together or none is; an `Idempotency-Key` makes retries safe.

use lambda_http::Request;
use sha2::{Digest, Sha256};
use shared::auth::Caller;
use shared::domain::{IdempotencyKey, Order, OrderRequest, ProductId, UserId, unix_now};
use shared::http::{ApiResponse, JsonBody, header};
use shared::store::{IDEMPOTENCY_TTL_SECS, IdempotencyClaim, PlaceOrderError};
use shared::{App, AppError, FieldError};

/// Pricings of one request: a product's price may change between pricing the order and
/// placing it (the transaction refuses a stale price), and the order is then priced again.
/// Past this, price changes are racing the request faster than it can place: 409 `CONFLICT`.
const PRICING_ATTEMPTS: usize = 3;

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    let caller = Caller::from_request(&req, &app.tokens).await?;
    let key = idempotency_key(&req)?;
    let request = parse(&req)?;
    let order = place(app, &caller.id, &request, key).await?;
    Ok(ApiResponse::created(
        &order,
        format!("/orders/{}", order.id),
    ))
}

fn parse(req: &Request) -> Result<OrderRequest, AppError> {
    let mut body = JsonBody::parse(req, &["items"])?;
    let request = body.required_with("items", OrderRequest::parse_items);
    body.finish(|| request)
}

fn idempotency_key(req: &Request) -> Result<Option<IdempotencyKey>, AppError> {
    header(req, "idempotency-key")
        .map(|raw| {
            IdempotencyKey::parse(raw)
                .map_err(|why| AppError::invalid_field("Idempotency-Key", why))
        })
        .transpose()
}

/// The order for this request: the one already placed under the same key and body, or a new
/// one.
async fn place(
    app: &App,
    user: &UserId,
    request: &OrderRequest,
    key: Option<IdempotencyKey>,
) -> Result<Order, AppError> {
    let now = unix_now();
    let claim = key.map(|key| IdempotencyClaim {
        key,
        request_digest: hex_sha256(&request.fingerprint()),
        expires_at: now + IDEMPOTENCY_TTL_SECS,
    });
    if let Some(claim) = &claim
        && let Some(order) = replay(app, user, claim, now).await?
    {
        return Ok(order);
    }

    for _ in 0..PRICING_ATTEMPTS {
        let order = price(app, user, request).await?;
        match app.store.place_order(&order, claim.as_ref()).await {
            Ok(()) => {
                shared::metrics::count(shared::metrics::Event::OrderPlaced);
                return Ok(order);
            }
            // Nothing was written: price it again at the product's new price.
            Err(PlaceOrderError::PriceChanged) => continue,
            // Another request with this key won the race (or came first): answer as it was
            // answered.
            Err(PlaceOrderError::KeyTaken) => {
                return match &claim {
                    Some(claim) => replay(app, user, claim, now)
                        .await?
                        .ok_or(AppError::Conflict),
                    None => Err(AppError::Conflict),
                };
            }
            Err(PlaceOrderError::Failed(error)) => return Err(error),
        }
    }
    Err(AppError::Conflict)
}

/// The order first placed with this key, if the key was used with the same body; 422 if it
/// was used with another.
async fn replay(
    app: &App,
    user: &UserId,
    claim: &IdempotencyClaim,
    now: u64,
) -> Result<Option<Order>, AppError> {
    let Some(record) = app
        .store
        .find_idempotency_record(user, &claim.key, now)
        .await?
    else {
        return Ok(None);
    };
    if record.request_digest != claim.request_digest {
        return Err(AppError::IdempotencyKeyReused);
    }
    // Written in the same transaction as its record, so it exists.
    let order = app.store.find_order(&record.order_id).await?;
    if order.is_some() {
        shared::metrics::count(shared::metrics::Event::IdempotentReplay);
    }
    order
        .map(Some)
        .ok_or_else(|| AppError::internal("idempotency record without its order"))
}

/// A new order priced from the products on sale (one batch read); every line naming no
/// product, or an archived one, is reported.
async fn price(app: &App, user: &UserId, request: &OrderRequest) -> Result<Order, AppError> {
    let ids: Vec<ProductId> = request
        .lines
        .iter()
        .filter_map(|line| line.product_id())
        .collect();
    let products = app.store.find_products(&ids).await?;
    let mut missing = Vec::new();
    let mut lines = Vec::with_capacity(request.lines.len());
    for (index, line) in request.lines.iter().enumerate() {
        match line.product_id().and_then(|id| products.get(&id)) {
            Some(product) => lines.push((product.id, line.quantity, product.price_cents)),
            None => missing.push(FieldError::new(
                format!("items[{index}].productId"),
                format!("no product has the id {}", line.product_id),
            )),
        }
    }
    if !missing.is_empty() {
        return Err(AppError::ProductNotFound(missing));
    }
    Ok(Order::place(*user, lines))
}

fn hex_sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}
