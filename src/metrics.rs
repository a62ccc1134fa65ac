//! Prometheus metrics, kept in atomics and rendered in the text exposition format at
//! `/metrics`. No metrics library: the handful of series tbseq needs fit in a page.
//!
//! Requests are on the hot path: recording one takes a read lock and a hash lookup by the
//! borrowed route template, and allocates only the first time a route answers. Uploads,
//! imports and summary refreshes are rare and simply take a mutex.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// Upper bounds (seconds) of the request latency buckets.
const REQUEST_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Upper bounds (seconds) of the summary refresh buckets: seconds to minutes.
const REFRESH_BUCKETS: &[f64] = &[0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0];

/// A histogram: count, sum and cumulative buckets.
struct Histogram {
    bounds: &'static [f64],
    count: AtomicU64,
    micros: AtomicU64,
    buckets: Vec<AtomicU64>,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Self {
        Histogram {
            bounds,
            count: AtomicU64::new(0),
            micros: AtomicU64::new(0),
            buckets: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
        }
    }

    fn record(&self, took: Duration) {
        self.count.fetch_add(1, Ordering::Relaxed);
        self.micros
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
        let secs = took.as_secs_f64();
        // Buckets are cumulative: only the first one that fits is counted here, render
        // adds them up. One atomic add per request instead of up to twelve.
        if let Some(i) = self.bounds.iter().position(|b| secs <= *b) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Writes the `_bucket`, `_sum` and `_count` lines of `name` with `labels` (may be empty).
    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, bucket) in self.bounds.iter().zip(&self.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}"
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let sum = self.micros.load(Ordering::Relaxed) as f64 / 1e6;
        if labels.is_empty() {
            let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
        } else {
            let _ = writeln!(
                out,
                "{name}_sum{{{labels}}} {sum}\n{name}_count{{{labels}}} {count}"
            );
        }
    }
}

/// The series of one route: by method and status, a handful at most.
type RouteSeries = Vec<(&'static str, u16, Arc<Histogram>)>;

/// The rare events counted by label: (series, kind, outcome) → value.
type EventKey = (&'static str, String, &'static str);

pub struct Metrics {
    requests: RwLock<HashMap<String, RouteSeries>>,
    events: Mutex<BTreeMap<EventKey, u64>>,
    refresh: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: RwLock::default(),
            events: Mutex::default(),
            refresh: Histogram::new(REFRESH_BUCKETS),
        }
    }
}

/// A gauge or counter computed when scraped (pool sizes, table counts).
pub struct Sample {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: &'static str,
    pub value: f64,
}

/// How an upload or import ended.
#[derive(Clone, Copy)]
pub enum Handled {
    Accepted,
    Refused,
}

impl Handled {
    fn label(self) -> &'static str {
        match self {
            Handled::Accepted => "accepted",
            Handled::Refused => "refused",
        }
    }
}

/// An event counter: its name, help, and labels.
struct Event {
    name: &'static str,
    help: &'static str,
    by_kind: bool,
    by_outcome: bool,
}

const EVENTS: &[Event] = &[
    Event {
        name: "tbseq_uploads_total",
        help: "FASTQ uploads received, by outcome.",
        by_kind: false,
        by_outcome: true,
    },
    Event {
        name: "tbseq_upload_bytes_total",
        help: "Bytes of FASTQ uploads stored.",
        by_kind: false,
        by_outcome: false,
    },
    Event {
        name: "tbseq_imports_total",
        help: "Imports (workbooks and catalogue files), by kind and outcome.",
        by_kind: true,
        by_outcome: true,
    },
    Event {
        name: "tbseq_import_rows_total",
        help: "Rows written by accepted imports, by kind.",
        by_kind: true,
        by_outcome: false,
    },
];

impl Metrics {
    /// Records one answered request. `route` is the matched route's template, so that ids in
    /// paths do not create a series each.
    pub fn observe(&self, route: &str, method: &'static str, status: u16, took: Duration) {
        let found = {
            let map = self.requests.read().unwrap_or_else(|e| e.into_inner());
            map.get(route).and_then(|series| {
                series
                    .iter()
                    .find(|(m, s, _)| *m == method && *s == status)
                    .map(|(_, _, h)| h.clone())
            })
        };
        let histogram = match found {
            Some(h) => h,
            None => {
                let mut map = self.requests.write().unwrap_or_else(|e| e.into_inner());
                let series = map.entry(route.to_string()).or_default();
                match series.iter().find(|(m, s, _)| *m == method && *s == status) {
                    Some((_, _, h)) => h.clone(),
                    None => {
                        let h = Arc::new(Histogram::new(REQUEST_BUCKETS));
                        series.push((method, status, h.clone()));
                        h
                    }
                }
            }
        };
        histogram.record(took);
    }

    /// Records a FASTQ upload; `bytes` counts only when it was stored.
    pub fn upload(&self, outcome: Handled, bytes: u64) {
        self.add("tbseq_uploads_total", "", outcome.label(), 1);
        if let Handled::Accepted = outcome {
            self.add("tbseq_upload_bytes_total", "", "", bytes);
        }
    }

    /// Records an import of `kind` (`mic`, `pds`, or a catalogue file kind); `rows` counts
    /// only when it was accepted.
    pub fn import(&self, kind: &str, outcome: Handled, rows: u64) {
        self.add("tbseq_imports_total", kind, outcome.label(), 1);
        if let Handled::Accepted = outcome {
            self.add("tbseq_import_rows_total", kind, "", rows);
        }
    }

    /// Records one refresh of the summary tables.
    pub fn summary_refresh(&self, took: Duration) {
        self.refresh.record(took);
    }

    fn add(&self, series: &'static str, kind: &str, outcome: &'static str, by: u64) {
        let mut events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        *events
            .entry((series, kind.to_string(), outcome))
            .or_default() += by;
    }

    /// The exposition text: request series, events, the refresh histogram, then `extra`.
    pub fn render(&self, extra: &[Sample]) -> String {
        let mut out = String::with_capacity(4096);
        self.render_requests(&mut out);
        self.render_events(&mut out);
        out.push_str(
            "# HELP tbseq_summary_refresh_duration_seconds Time to rebuild the summary tables.\n\
             # TYPE tbseq_summary_refresh_duration_seconds histogram\n",
        );
        self.refresh
            .render(&mut out, "tbseq_summary_refresh_duration_seconds", "");
        for sample in extra {
            let _ = writeln!(out, "# HELP {} {}", sample.name, sample.help);
            let _ = writeln!(out, "# TYPE {} {}", sample.name, sample.kind);
            let _ = writeln!(out, "{} {}", sample.name, sample.value);
        }
        out
    }

    fn render_requests(&self, out: &mut String) {
        let map = self.requests.read().unwrap_or_else(|e| e.into_inner());
        let mut rows: Vec<(&str, &'static str, u16, &Histogram)> = map
            .iter()
            .flat_map(|(route, series)| {
                series
                    .iter()
                    .map(move |(m, s, h)| (route.as_str(), *m, *s, h.as_ref()))
            })
            .collect();
        rows.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
        out.push_str(
            "# HELP tbseq_http_requests_total Requests answered, by route, method and status.\n\
             # TYPE tbseq_http_requests_total counter\n",
        );
        for (route, method, status, h) in &rows {
            let _ = writeln!(
                out,
                "tbseq_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {}",
                escape(route),
                h.count.load(Ordering::Relaxed)
            );
        }
        out.push_str(
            "# HELP tbseq_http_request_duration_seconds Time to answer a request.\n\
             # TYPE tbseq_http_request_duration_seconds histogram\n",
        );
        for (route, method, status, h) in &rows {
            let labels = format!(
                "route=\"{}\",method=\"{method}\",status=\"{status}\"",
                escape(route)
            );
            h.render(out, "tbseq_http_request_duration_seconds", &labels);
        }
    }

    fn render_events(&self, out: &mut String) {
        let events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        for event in EVENTS {
            let name = event.name;
            let _ = writeln!(out, "# HELP {name} {}\n# TYPE {name} counter", event.help);
            let mut any = false;
            for ((series, kind, outcome), value) in events.iter() {
                if *series != name {
                    continue;
                }
                any = true;
                let mut labels = Vec::new();
                if event.by_kind {
                    labels.push(format!("kind=\"{}\"", escape(kind)));
                }
                if event.by_outcome {
                    labels.push(format!("outcome=\"{outcome}\""));
                }
                if labels.is_empty() {
                    let _ = writeln!(out, "{name} {value}");
                } else {
                    let _ = writeln!(out, "{name}{{{}}} {value}", labels.join(","));
                }
            }
            // An unlabelled counter that never moved is still shown, so dashboards see it.
            if !any && !event.by_kind && !event.by_outcome {
                let _ = writeln!(out, "{name} 0");
            }
        }
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
        m.observe("/api/v1/x/<id>", "GET", 404, Duration::from_millis(1));
        let text = m.render(&[Sample {
            name: "tbseq_up",
            help: "Up.",
            kind: "gauge",
            value: 1.0,
        }]);
        assert!(text.contains(
            "tbseq_http_requests_total{route=\"/api/v1/x/<id>\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "tbseq_http_requests_total{route=\"/api/v1/x/<id>\",method=\"GET\",status=\"404\"} 1"
        ));
        assert!(text.contains("status=\"200\",le=\"0.0025\"} 0"), "{text}");
        assert!(text.contains("status=\"200\",le=\"0.005\"} 1"), "{text}");
        assert!(text.contains("status=\"200\",le=\"0.05\"} 2"));
        assert!(text.contains("status=\"200\",le=\"+Inf\"} 2"));
        assert!(text.contains("tbseq_up 1"));
    }

    #[test]
    fn events_and_refreshes_are_counted() {
        let m = Metrics::default();
        let empty = m.render(&[]);
        assert!(empty.contains("tbseq_upload_bytes_total 0"), "{empty}");
        assert!(empty.contains("tbseq_summary_refresh_duration_seconds_count 0"));
        m.upload(Handled::Accepted, 1000);
        m.upload(Handled::Accepted, 24);
        m.upload(Handled::Refused, 99);
        m.import("mic", Handled::Accepted, 12);
        m.import("mic", Handled::Refused, 5);
        m.summary_refresh(Duration::from_millis(700));
        let text = m.render(&[]);
        assert!(
            text.contains("tbseq_uploads_total{outcome=\"accepted\"} 2"),
            "{text}"
        );
        assert!(text.contains("tbseq_uploads_total{outcome=\"refused\"} 1"));
        assert!(text.contains("tbseq_upload_bytes_total 1024"));
        assert!(text.contains("tbseq_imports_total{kind=\"mic\",outcome=\"accepted\"} 1"));
        assert!(text.contains("tbseq_imports_total{kind=\"mic\",outcome=\"refused\"} 1"));
        assert!(text.contains("tbseq_import_rows_total{kind=\"mic\"} 12"));
        assert!(text.contains("tbseq_summary_refresh_duration_seconds_bucket{le=\"0.5\"} 0"));
        assert!(text.contains("tbseq_summary_refresh_duration_seconds_bucket{le=\"1\"} 1"));
        assert!(text.contains("tbseq_summary_refresh_duration_seconds_count 1"));
    }
}
