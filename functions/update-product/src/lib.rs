//! `PATCH /products/{id}`: admins rename, reprice and restock a product on sale. One
//! conditional write does it all: a stock delta is added by the write itself (no sale or cancel
//! is lost), and `If-Match` is part of its condition (nothing written unless it names the
//! current version). A new price applies to orders priced from then on.

use lambda_http::Request;
use shared::auth::Caller;
use shared::domain::{PriceCents, ProductId, ProductName, ProductPatch, StockDelta, Timestamp};
use shared::http::{ApiResponse, ETag, IfMatch, JsonBody, path_param};
use shared::{App, AppError};

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    Caller::from_request(&req, &app.tokens)
        .await?
        .require_admin()?;
    let id = ProductId::parse(path_param(&req, "id")?).ok_or(AppError::NotFound)?;
    let patch = parse(&req)?;
    let expected_versions = match IfMatch::from_request(&req)? {
        IfMatch::Versions(versions) => Some(versions),
        // `*` asks that the product exist, which every write here requires anyway.
        IfMatch::Absent | IfMatch::Any => None,
    };
    let product = app
        .store
        .update_product(&id, &patch, expected_versions.as_deref(), Timestamp::now())
        .await?;
    Ok(ApiResponse::ok(&product).with_etag(ETag::of_version(product.version)))
}

fn parse(req: &Request) -> Result<ProductPatch, AppError> {
    const FIELDS: [&str; 3] = ["name", "priceCents", "stockDelta"];
    let mut body = JsonBody::parse(req, &FIELDS)?;
    if !FIELDS.iter().any(|field| body.has(field)) {
        body.reject(
            "name",
            "at least one of name, priceCents or stockDelta must be given",
        );
    }
    let patch = ProductPatch {
        name: body.optional::<ProductName>("name"),
        price_cents: body.optional::<PriceCents>("priceCents"),
        stock_delta: body.optional::<StockDelta>("stockDelta"),
    };
    body.finish(|| Some(patch))
}
