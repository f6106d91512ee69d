use shared::App;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let app = App::signing_from_env().await?;
    shared::http::run(|req| login::handle(&app, req)).await
}
