//! Prometheus metrics, kept in atomics and rendered in the text exposition format at
//! `/metrics`. No metrics library: the handful of series tbseq needs fit in a page.

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Series {
    count: AtomicU64,
    micros: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
}

/// (route template, method, status)
type Key = (String, String, u16);

#[derive(Default)]
pub struct Metrics {
    requests: RwLock<HashMap<Key, Arc<Series>>>,
}

/// A gauge or counter computed when scraped (pool sizes, table counts).
pub struct Sample {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: &'static str,
    pub value: f64,
}

impl Metrics {
    /// Records one answered request. `route` is the matched route's template, so that ids in
    /// paths do not create a series each.
    pub fn observe(&self, route: &str, method: &str, status: u16, took: Duration) {
        let series = {
            let map = self.requests.read().unwrap_or_else(|e| e.into_inner());
            map.get(&(route.to_string(), method.to_string(), status))
                .cloned()
        };
        let series = match series {
            Some(s) => s,
            None => {
                let mut map = self.requests.write().unwrap_or_else(|e| e.into_inner());
                map.entry((route.to_string(), method.to_string(), status))
                    .or_default()
                    .clone()
            }
        };
        series.count.fetch_add(1, Ordering::Relaxed);
        series
            .micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                series.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The exposition text: request series, then `extra` samples.
    pub fn render(&self, extra: &[Sample]) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str(
            "# HELP tbseq_http_requests_total Requests answered, by route, method and status.\n",
        );
        out.push_str("# TYPE tbseq_http_requests_total counter\n");
        let map = self.requests.read().unwrap_or_else(|e| e.into_inner());
        let mut keys: Vec<&Key> = map.keys().collect();
        keys.sort();
        for key @ (route, method, status) in &keys {
            let s = &map[*key];
            let _ = writeln!(
                out,
                "tbseq_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {}",
                escape(route),
                s.count.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP tbseq_http_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE tbseq_http_request_duration_seconds histogram\n");
        for key @ (route, method, status) in &keys {
            let s = &map[*key];
            let labels = format!(
                "route=\"{}\",method=\"{method}\",status=\"{status}\"",
                escape(route)
            );
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "tbseq_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}",
                    s.buckets[i].load(Ordering::Relaxed)
                );
            }
            let count = s.count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "tbseq_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(
                out,
                "tbseq_http_request_duration_seconds_sum{{{labels}}} {}",
                s.micros.load(Ordering::Relaxed) as f64 / 1e6
            );
            let _ = writeln!(
                out,
                "tbseq_http_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
        for sample in extra {
            let _ = writeln!(out, "# HELP {} {}", sample.name, sample.help);
            let _ = writeln!(out, "# TYPE {} {}", sample.name, sample.kind);
            let _ = writeln!(out, "{} {}", sample.name, sample.value);
        }
        out
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_land_in_their_buckets() {
        let m = Metrics::default();
        m.observe("/api/v1/x/<id>", "GET", 200, Duration::from_millis(3));
        m.observe("/api/v1/x/<id>", "GET", 200, Duration::from_millis(30));
        let text = m.render(&[Sample {
            name: "tbseq_up",
            help: "Up.",
            kind: "gauge",
            value: 1.0,
        }]);
        assert!(text.contains(
            "tbseq_http_requests_total{route=\"/api/v1/x/<id>\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(text.contains("le=\"0.005\"} 1"));
        assert!(text.contains("le=\"0.05\"} 2"));
        assert!(text.contains("le=\"+Inf\"} 2"));
        assert!(text.contains("tbseq_up 1"));
    }
}
