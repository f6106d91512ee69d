//! `POST /products`: admins add a product with its price and stock.

use lambda_http::Request;
use shared::auth::Caller;
use shared::domain::{NewProduct, PriceCents, ProductName, Stock};
use shared::http::{ApiResponse, JsonBody};
use shared::{App, AppError};

pub async fn handle(app: &App, req: Request) -> Result<ApiResponse, AppError> {
    Caller::from_request(&req, &app.tokens)
        .await?
        .require_admin()?;
    let product = parse(&req)?.into_product();
    app.store.create_product(&product).await?;
    Ok(ApiResponse::created(
        &product,
        format!("/products/{}", product.id),
    ))
}

fn parse(req: &Request) -> Result<NewProduct, AppError> {
    let mut body = JsonBody::parse(req, &["name", "priceCents", "stock"])?;
    let name = body.required::<ProductName>("name");
    let price_cents = body.required::<PriceCents>("priceCents");
    let stock = body.required::<Stock>("stock");
    body.finish(|| {
        Some(NewProduct {
            name: name?,
            price_cents: price_cents?,
            stock: stock?,
        })
    })
}
