//! The outbound HTTP client for the identity provider: reqwest with rustls, no redirects
//! followed (as openidconnect requires), short timeouts and a cap on response size. It also
//! serves as openidconnect's [`AsyncHttpClient`].

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

/// Largest document accepted from the provider (discovery, keys, token responses).
const MAX_BODY: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("{0}")]
    Request(#[from] reqwest::Error),
    #[error("{0}")]
    Http(#[from] openidconnect::http::Error),
    #[error("{url} answered {status}")]
    Status { url: String, status: u16 },
    #[error("the response is larger than {MAX_BODY} bytes")]
    TooLarge,
}

#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
}

impl HttpClient {
    pub fn new() -> Result<HttpClient, reqwest::Error> {
        let inner = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("tbseq/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(HttpClient { inner })
    }

    async fn body(response: reqwest::Response) -> Result<Vec<u8>, HttpError> {
        if response.content_length().unwrap_or(0) > MAX_BODY as u64 {
            return Err(HttpError::TooLarge);
        }
        let mut response = response;
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_BODY {
                return Err(HttpError::TooLarge);
            }
        }
        Ok(body)
    }

    /// GET a JSON document; any status other than 200 is an error.
    pub async fn get_json(&self, url: &str) -> Result<serde_json::Value, HttpError> {
        let response = self
            .inner
            .get(url)
            .header("Accept", "application/json")
            .send()
            .await?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(HttpError::Status {
                url: url.to_string(),
                status: response.status().as_u16(),
            });
        }
        let body = Self::body(response).await?;
        serde_json::from_slice(&body).map_err(|_| HttpError::Status {
            url: url.to_string(),
            status: 200,
        })
    }
}

impl<'c> AsyncHttpClient<'c> for HttpClient {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request)?;
            let response = self.inner.execute(request).await?;
            let mut builder = openidconnect::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let body = Self::body(response).await?;
            Ok(builder.body(body)?)
        })
    }
}
