//! Request ids, one log line per request, and the metrics behind `/metrics`.

use std::time::Instant;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{ContentType, Header, Status};
use rocket::request::{FromRequest, Outcome};
use rocket::{get, routes, Data, Request, Response, Route, State};

use super::error::ApiError;
use crate::app::App;
use crate::metrics::{Metrics, Sample};

pub fn routes() -> Vec<Route> {
    routes![metrics]
}

/// What the fairing remembers about a request between arrival and answer.
#[derive(Clone)]
struct Started {
    at: Instant,
    id: String,
}

/// A request id taken from `X-Request-Id` (when it is short and plain) or made up.
fn request_id(req: &Request<'_>) -> String {
    match req.headers().get_one("X-Request-Id") {
        Some(id)
            if !id.is_empty()
                && id.len() <= 64
                && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            id.to_string()
        }
        _ => hex::encode(rand::random::<[u8; 8]>()),
    }
}

pub struct Observe {
    pub log_requests: bool,
    /// `metrics_enabled`: when false, requests are not recorded (and `/metrics` is 404).
    pub record_metrics: bool,
}

#[rocket::async_trait]
impl Fairing for Observe {
    fn info(&self) -> Info {
        Info {
            name: "request ids, logs and metrics",
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        let started = Started {
            at: Instant::now(),
            id: request_id(req),
        };
        req.local_cache(|| started);
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let started = req.local_cache(|| Started {
            at: Instant::now(),
            id: request_id(req),
        });
        let took = started.at.elapsed();
        // The route template, not the path, so that ids do not make a series each.
        let route = req.route().map_or("unmatched", |r| r.uri.path());
        if let Some(app) = req.rocket().state::<App>().filter(|_| self.record_metrics) {
            app.metrics
                .observe(route, req.method().as_str(), res.status().code, took);
        }
        res.set_header(Header::new("X-Request-Id", started.id.clone()));
        if self.log_requests {
            // The query string is left out: it may carry search terms or tokens.
            tracing::info!(
                request_id = %started.id,
                method = %req.method(),
                path = %req.uri().path(),
                status = res.status().code,
                micros = took.as_micros() as u64,
                "request"
            );
        }
    }
}

/// Lets `/metrics` through when no token is configured, or with the right bearer token.
struct MetricsAccess;

#[rocket::async_trait]
impl<'r> FromRequest<'r> for MetricsAccess {
    type Error = ();

    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        let Some(expected) = req
            .rocket()
            .state::<App>()
            .and_then(|a| a.config.metrics_token.clone())
        else {
            return Outcome::Success(MetricsAccess);
        };
        let given = req
            .headers()
            .get_one("Authorization")
            .and_then(|h| h.strip_prefix("Bearer "))
            .unwrap_or("");
        // Compare in constant time: the token is a secret.
        let same = given.len() == expected.len()
            && given
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if same {
            Outcome::Success(MetricsAccess)
        } else {
            Outcome::Error((Status::Unauthorized, ()))
        }
    }
}

#[get("/metrics")]
async fn metrics(
    app: &State<App>,
    access: Result<MetricsAccess, ()>,
) -> Result<(ContentType, String), ApiError> {
    if !app.config.metrics_enabled {
        return Err(ApiError::not_found());
    }
    if access.is_err() {
        let mut e = ApiError::new(
            Status::Unauthorized,
            "not_authenticated",
            "A valid metrics token is required.",
        );
        e.authenticate = Some("Bearer".into());
        return Err(e);
    }
    let (size, idle, max) = app.db.pool_state();
    let mut extra = vec![
        Sample {
            name: "tbseq_db_pool_connections",
            help: "Open database connections.",
            kind: "gauge",
            value: size as f64,
        },
        Sample {
            name: "tbseq_db_pool_idle_connections",
            help: "Idle database connections.",
            kind: "gauge",
            value: idle as f64,
        },
        Sample {
            name: "tbseq_db_pool_max_connections",
            help: "Database pool size.",
            kind: "gauge",
            value: max as f64,
        },
    ];
    extra.push(Sample {
        name: "tbseq_db_writes_total",
        help: "Writes made through this process's database pool.",
        kind: "counter",
        value: app.db.write_generation() as f64,
    });
    let text = Metrics::render(&app.metrics, &extra);
    Ok((
        ContentType::new("text", "plain").with_params(("version", "0.0.4")),
        text,
    ))
}
