//! The frontend's contract: every public call of `frontend-and-pipelines.md` §A.7 (overview
//! map, drugs, genes, mutations, biosample search, download), made the way the frontend makes
//! it (no token, camelCase parameters, paths with and without the trailing slash), checking
//! the keys and value types the frontend reads. On both databases.

use crate::catalogue_fixtures;
use crate::common;

use catalogue_fixtures::*;
use rocket::http::Status;
use serde_json::Value;

/// The body of a 200 answer.
async fn ok(app: &common::TestApp, uri: &str) -> Value {
    let reply = app.get(uri).await;
    assert_eq!(reply.status, Status::Ok, "{uri}: {}", reply.body);
    assert!(reply.header("www-authenticate").is_none());
    reply.json()
}

fn array<'a>(body: &'a Value, uri: &str) -> &'a Vec<Value> {
    body.as_array()
        .unwrap_or_else(|| panic!("{uri}: not an array: {body}"))
}

/// Asserts that `item` has exactly `expected` keys.
fn has_keys(item: &Value, expected: &[&str], what: &str) {
    let mut expected: Vec<String> = expected.iter().map(|k| k.to_string()).collect();
    expected.sort();
    assert_eq!(keys(item), expected, "{what}: {item}");
}

/// A decimal string the frontend can `parseFloat`.
fn decimal(value: &Value, what: &str) -> f64 {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what}: not a string: {value}"))
        .parse()
        .unwrap_or_else(|_| panic!("{what}: not a number: {value}"))
}

const DRUG_KEYS: [&str; 3] = ["drugId", "drugName", "code"];
const STATS_KEYS: [&str; 7] = [
    "susceptible",
    "resistant",
    "intermediate",
    "total",
    "ratioSusceptible",
    "ratioResistant",
    "ratioIntermediate",
];
const GENE_KEYS: [&str; 10] = [
    "geneDbCrossrefId",
    "geneName",
    "locusTag",
    "ncbiId",
    "geneDescription",
    "geneType",
    "startPos",
    "endPos",
    "strand",
    "proteinLength",
];
const VARIANT_KEYS: [&str; 17] = [
    "drug",
    "drugName",
    "geneDbCrossrefId",
    "geneName",
    "variantName",
    "variantGrade",
    "variantGradeVersion",
    "nucleodicAnnName",
    "proteicAnnName",
    "consequence",
    "resistantCount",
    "susceptbleCount",
    "intermediateCount",
    "globalFrequency",
    "totalCounts",
    "startPos",
    "endPos",
];

fn check_stats(item: &Value, extra: &str, what: &str) {
    let mut expected = STATS_KEYS.to_vec();
    expected.push(extra);
    has_keys(item, &expected, what);
    let total = item["total"].as_i64().unwrap();
    let parts = ["susceptible", "resistant", "intermediate"].map(|k| item[k].as_i64().unwrap());
    assert_eq!(parts.iter().sum::<i64>(), total, "{what}");
    let ratios: f64 = ["ratioSusceptible", "ratioResistant", "ratioIntermediate"]
        .iter()
        .map(|k| decimal(&item[*k], what))
        .sum();
    assert!(
        total == 0 || (ratios - 100.0).abs() < 0.11,
        "{what}: {item}"
    );
}

fn check_variant_row(row: &Value, what: &str) {
    has_keys(row, &VARIANT_KEYS, what);
    for key in [
        "geneName",
        "variantName",
        "nucleodicAnnName",
        "consequence",
        "variantGrade",
        "drugName",
    ] {
        assert!(row[key].is_string(), "{what}: {key} in {row}");
    }
    for key in [
        "totalCounts",
        "resistantCount",
        "susceptbleCount",
        "intermediateCount",
        "drug",
    ] {
        assert!(row[key].is_i64(), "{what}: {key} in {row}");
    }
    let frequency = decimal(&row["globalFrequency"], what);
    assert!((0.0..=100.0).contains(&frequency), "{what}: {row}");
    assert!(row["proteicAnnName"].is_string() || row["proteicAnnName"].is_null());
}

both_backends! {
    async fn every_public_page_gets_what_it_reads(app) {
        let fx = Fixtures::new(&app).await;
        let a = annotations(&fx).await;
        let (inh, rif) = (a.inh, fx.drug("RIF").await);
        fx.associate(DNAN, rif, 2).await;
        let (s, al) = fx.named_sample(Some("FRA"), Some(year(2021))).await;
        fx.pds(s, al, rif, Some("R"), false).await;
        fx.prediction(a.samples[0], rif, 2, "R", "rpoB_p.Ser450Leu").await;
        fx.prediction(a.samples[1], inh, 2, "S", "").await;
        fx.refresh().await;
        let this_year = time::OffsetDateTime::now_utc().year();

        // Overview / world map.
        let uri = "/api/v1/genphen/drugs/?is_associated=1";
        let drugs = ok(&app, uri).await;
        let associated: Vec<i64> = array(&drugs, uri).iter().map(|d| {
            has_keys(d, &DRUG_KEYS, uri);
            d["drugId"].as_i64().unwrap()
        }).collect();
        assert_eq!(associated.len(), 2);
        let body = ok(&app, "/api/v1/overview/global-samples/").await;
        has_keys(&body, &["countries", "total"], "global-samples");
        has_keys(&body["total"], &[
            "totalSum", "monoResSum", "polyResSum", "multiDrugResSum", "extDrugResSum", "rifResSum",
            "ratioMonoRes", "ratioPolyRes", "ratioMultiDrugRes", "ratioExtDrugRes", "ratioRifRes",
        ], "global-samples");
        for (resistance_type, drug) in [("Pheno", rif), ("Geno", rif), ("Pheno", inh)] {
            let uri = format!("/api/v1/overview/global-drugs/map?yearGte=1964&yearLte={this_year}&drug={drug}&resistanceType={resistance_type}");
            let body = ok(&app, &uri).await;
            let items = array(&body, &uri);
            assert!(!items.is_empty(), "{uri}");
            for item in items {
                check_stats(item, "countryId", &uri);
            }
        }

        // Drug overview.
        let region = "countryId=FRA&countryId=DEU&countryId=AGO";
        for resistance_type in ["Pheno", "Geno"] {
            let uri = format!("/api/v1/overview/global-drugs/?{region}&resistanceType={resistance_type}&yearGte=1964&yearLte={this_year}");
            for item in array(&ok(&app, &uri).await, &uri) {
                check_stats(item, "drug", &uri);
            }
        }
        let uri = "/api/v1/overview/global-drugs/?resistanceType=Pheno&yearGte=1964&yearLte=2100";
        let body = ok(&app, uri).await;
        assert_eq!(array(&body, uri).len(), 2);
        for drug in &associated {
            let uri = format!("/api/v1/genphen/gene-drug-resistance-associations/?drugId={drug}");
            let body = ok(&app, &uri).await;
            for item in array(&body, &uri) {
                has_keys(item, &["drugId", "geneDbCrossrefId", "geneName", "locusTag", "tier"], &uri);
                assert!(item["geneName"].is_string() || item["locusTag"].is_string());
                assert!(item["tier"].is_i64());
            }
        }
        for order in ["", "&order=-susceptbleCount", "&order=globalFrequency", "&order=-totalCounts", "&order=resistantCount", "&order=-intermediateCount"] {
            let uri = format!("/api/v1/overview/drug-gene-infos/?drug={inh}&page=1&pageSize=12&paginated=true{order}");
            let body = ok(&app, &uri).await;
            assert_eq!(body["count"], 2, "{uri}");
            for row in array(&body["results"], &uri) {
                check_variant_row(row, &uri);
            }
            let export = format!("/api/v1/overview/drug-gene-infos/?drug={inh}{order}");
            assert_eq!(array(&ok(&app, &export).await, &export).len(), 2);
        }
        let filtered = format!("/api/v1/overview/drug-gene-infos/?drug={inh}&page=1&pageSize=12&paginated=true&geneName=rv&variantName=2160&nucleodicAnnName=a&proteicAnnName=b&consequence=UPSTREAM&variantGrade=1");
        assert_eq!(ok(&app, &filtered).await["count"], 1);

        // Gene search and gene page.
        let uri = "/api/v1/overview/genes/?search=Rv0004";
        let body = ok(&app, uri).await;
        let gene = &array(&body["results"], uri)[0];
        has_keys(gene, &GENE_KEYS, uri);
        let id = gene["geneDbCrossrefId"].as_i64().unwrap();
        for uri in ["/api/v1/overview/gene-search-history/", "/api/v1/overview/gene-search-history/recently/"] {
            let body = ok(&app, uri).await;
            let item = &array(&body, uri)[0];
            has_keys(item, &["geneDbCrossrefId", "geneName", "locusTag", "counter", "date"], uri);
            let date = item["date"].as_str().unwrap();
            assert!(time::PrimitiveDateTime::parse(date, time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]")).is_ok(), "{date}");
        }
        let body = ok(&app, &format!("/api/v1/overview/genes/{id}/")).await;
        has_keys(&body["genesOverview"], &GENE_KEYS, "gene detail");
        let (start, end) = (gene["startPos"].as_i64().unwrap(), gene["endPos"].as_i64().unwrap());
        let uri = format!("/api/v1/overview/genes/genome-context/?startPos={}&endPos={}", (start - 800).max(1), end + 800);
        let body = ok(&app, &uri).await;
        assert!(array(&body, &uri).iter().any(|g| g["geneDbCrossrefId"] == id));
        for g in array(&body, &uri) {
            has_keys(g, &GENE_KEYS, &uri);
        }
        let body = ok(&app, &format!("/api/v1/overview/gene-associations/{id}/")).await;
        has_keys(&body, &["geneDbCrossref", "geneName", "drugs"], "gene associations");
        let first_drug = body["drugs"][0]["drugId"].as_i64().unwrap();
        has_keys(&body["drugs"][0], &DRUG_KEYS, "gene associations");
        let reply = app.get(&format!("/api/v1/overview/gene-associations/{DNAA}/")).await;
        assert_eq!(reply.status, Status::NotFound, "no association: the page shows \"No associated data\"");
        let uri = format!("/api/v1/overview/drug-gene-infos/?geneDbCrossrefId={id}&drug={first_drug}");
        let body = ok(&app, &uri).await;
        for row in array(&body, &uri) {
            check_variant_row(row, &uri);
            assert!(row["startPos"].is_i64() && row["endPos"].is_i64(), "the variant track needs positions");
        }
        let uri = format!("/api/v1/overview/drug-gene-infos/?geneDbCrossrefId={id}&order=-globalFrequency");
        assert_eq!(array(&ok(&app, &uri).await, &uri).len(), 2);

        // Mutation search.
        let all_drugs = associated.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(",");
        let uri = format!("/api/v1/overview/drug-gene-infos/?drug={all_drugs}&page=1&pageSize=12&paginated=true&geneName=Rv0004&order=-resistantCount");
        let body = ok(&app, &uri).await;
        assert_eq!(body["count"], 2);
        for row in array(&body["results"], &uri) {
            check_variant_row(row, &uri);
        }
        let uri = "/api/v1/overview/drug-gene-infos/?geneName=Rv0004";
        assert_eq!(array(&ok(&app, uri).await, uri).len(), 2);

        // Biosample search.
        let uri = format!("/api/v1/submission/genotype-resistance/?drug={all_drugs}&page=1&pageSize=12&paginated=true&sampleAliasesName=a");
        let body = ok(&app, &uri).await;
        assert_eq!(body["count"], 2);
        for row in array(&body["results"], &uri) {
            has_keys(row, &["sampleAliasesName", "drugName", "resistanceFlag", "variant"], &uri);
            assert!(["R", "S", "U", "I"].contains(&row["resistanceFlag"].as_str().unwrap()));
        }
        let reply = app.get("/static/media/GenotypeResistance.csv").await;
        assert_eq!(reply.status, Status::Ok);
        assert_eq!(reply.body.lines().count(), 3);
        assert!(reply.body.starts_with("BioSample Accession\tDrug\tGenotypic Resistance\tVariant\n"));

        // Download page.
        let uri = "/api/v1/genphen/drugs/";
        let all = ok(&app, uri).await;
        for d in array(&all, uri) {
            has_keys(d, &DRUG_KEYS, uri);
        }
        let checked = format!("{inh},{rif}");
        let uri = format!("/api/v1/overview/drug-gene-infos/?drug={checked}");
        let body = ok(&app, &uri).await;
        assert_eq!(array(&body, &uri).len(), 2);
    }
}
