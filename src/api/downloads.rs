//! Files the portal offers for download: `GET /static/media/GenotypeResistance.csv` (the
//! biosample page's "Download" link, on the frontend's own origin), generated from the data
//! on each request, and the `Content-Disposition` wrapper the exports use.

use rocket::http::{ContentType, Header};
use rocket::request::Request;
use rocket::response::stream::ByteStream;
use rocket::response::{self, Responder};
use rocket::{get, routes, Route, State};

use super::error::ApiResult;
use crate::app::App;
use crate::db::repo::GenotypeResistanceStore;
use crate::domain::csv::push_record;
use crate::domain::genotype::{GenotypeResistanceFilter, GENOTYPE_RESISTANCE_CSV_HEADER};

pub fn routes() -> Vec<Route> {
    routes![genotype_resistance_csv]
}

/// A response offered as a file named `filename`.
pub struct Attachment<R> {
    pub filename: std::borrow::Cow<'static, str>,
    pub inner: R,
}

impl<'r, 'o: 'r, R: Responder<'r, 'o>> Responder<'r, 'o> for Attachment<R> {
    fn respond_to(self, req: &'r Request<'_>) -> response::Result<'o> {
        let mut response = self.inner.respond_to(req)?;
        response.set_header(Header::new(
            "Content-Disposition",
            format!("attachment; filename=\"{}\"", self.filename),
        ));
        Ok(response)
    }
}

/// Rows fetched per query while streaming the file.
const CHUNK: u64 = 5000;

/// Tab-separated, columns `BioSample Accession, Drug, Genotypic Resistance, Variant`, as the
/// original's statistics pipeline wrote it: the latest prediction version of every public
/// sample (see `GenotypeResistanceStore`), by row id. Streamed in chunks so that memory stays flat however large the table.
#[get("/static/media/GenotypeResistance.csv")]
async fn genotype_resistance_csv(
    app: &State<App>,
) -> ApiResult<Attachment<(ContentType, ByteStream![Vec<u8>])>> {
    let db = app.db.clone();
    // The version and the first chunk are read before the response starts, so that a failing
    // database is still a 500 in the envelope.
    let version = db
        .genotype_resistance_version(&GenotypeResistanceFilter::default())
        .await?;
    let first = match version {
        Some(v) => db.genotype_resistance_export(v, 0, CHUNK).await?,
        None => Vec::new(),
    };
    let mut head = String::new();
    push_record(&mut head, &GENOTYPE_RESISTANCE_CSV_HEADER, '\t');
    let stream = ByteStream! {
        yield head.into_bytes();
        let mut chunk = first;
        while let Some(&(last, _)) = chunk.last() {
            let mut text = String::new();
            for (_, row) in &chunk {
                push_record(&mut text, &row.csv_fields(), '\t');
            }
            yield text.into_bytes();
            let Some(version) = version.filter(|_| chunk.len() as u64 == CHUNK) else {
                break;
            };
            chunk = match db.genotype_resistance_export(version, last, CHUNK).await {
                Ok(next) => next,
                Err(e) => {
                    // Too late for an error status; the download ends short.
                    tracing::error!("GenotypeResistance.csv stopped: {e}");
                    break;
                }
            };
        }
    };
    let content_type = ContentType::new("text", "csv").with_params(("charset", "utf-8"));
    Ok(Attachment {
        filename: "GenotypeResistance.csv".into(),
        inner: (content_type, stream),
    })
}
