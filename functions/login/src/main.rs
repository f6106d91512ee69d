use login::Login;
use shared::App;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    shared::telemetry::init();
    let login = Login::init(App::from_env().await?).await?;
    shared::http::run(|req| login::handle(&login, req)).await
}
