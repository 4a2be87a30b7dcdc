//! A game backend tool's first minutes with Xsolla Login: a password sign-in (the user JWT in the
//! answer's `login_url` is captured by the client), the user's details, then the project's users
//! with a server JWT (every page, as a stream).
//!
//! Run it against the mock (`conformance mock --spec xsolla` prints its URL):
//! `GAMESPEC_BASE_URL=http://127.0.0.1:4010 cargo run -p xsolla-login --example login_and_users`.
//! The sign-in and server client come from `GAMESPEC_USERNAME`, `GAMESPEC_PASSWORD`,
//! `GAMESPEC_PROJECT_ID`, `GAMESPEC_CLIENT_ID` and `GAMESPEC_CLIENT_SECRET` (mock-friendly
//! defaults otherwise).

use std::time::Duration;

use futures_util::TryStreamExt;
use xsolla_login::{Client, types};

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = Client::builder()
        .timeout(Duration::from_secs(10))
        .user_agent("gamespec-quickstart/1.0");
    if let Ok(url) = std::env::var("GAMESPEC_BASE_URL") {
        builder = builder.base_url(url);
    }
    let client = builder.build()?;
    let project: uuid::Uuid = env(
        "GAMESPEC_PROJECT_ID",
        "5883ebbd-55bf-4917-9668-293aa8d1e6af",
    )
    .parse()?;

    client
        .login_with_password_jwt()
        .project_id(project)
        .body(
            types::JwtPasswordLoginRequest::builder()
                .username(env("GAMESPEC_USERNAME", "nova_rider"))
                .password(env("GAMESPEC_PASSWORD", "Kestrel-42-Orbit"))
                .remember_me(false),
        )
        .send()
        .await?;
    println!("signed in: {}", client.credentials().user_jwt().is_some());

    let me = client.get_user_details().send().await?;
    println!("user {}", me.id);

    client
        .obtain_server_token(
            env("GAMESPEC_CLIENT_ID", "7104"),
            env("GAMESPEC_CLIENT_SECRET", "example-server-client-secret"),
        )
        .await?;
    let users: Vec<_> = client
        .list_project_users()
        .project_id(project)
        .limit(std::num::NonZeroU64::new(50).ok_or("limit")?)
        .order("desc")
        .into_stream()
        .try_collect()
        .await?;
    println!("{} users in the project", users.len());
    Ok(())
}
