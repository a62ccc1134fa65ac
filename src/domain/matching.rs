//! Matching a package's sample aliases to samples (the original's `MatchingService`, spec §5),
//! as a pure function from a [`Snapshot`] of the package to a [`Plan`] of changes.
//!
//! The storage layer reads everything the algorithm may look at up front (the package's
//! aliases and FASTQ links, and the candidate samples of every lookup, newest first), so that
//! a package with thousands of aliases costs a handful of set-based queries instead of several
//! queries per alias. The steps, their order, the verdict texts and levels are the original's;
//! state that changes during a run (sequencing data gaining a sample in step 2) is tracked here.
//!
//! Names are compared through *keys*: the database's own `upper()` of a name, so that the
//! comparison is the one the lookups made (SQLite's `upper()` only folds ASCII).

use std::collections::{HashMap, HashSet};

use time::Date;

use super::submission::{Level, MatchSource, Verdict};

/// The NCBI accession kinds recognised in alias names (step 0), in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Accession {
    /// `^SAM(N|EA)\d+$`: samples having a `BioSample` alias of that name.
    BioSample,
    /// `^SAMC\d+$`: samples having a `CNCB` alias of that name.
    Cncb,
    /// `^[ES]RS\d+$`: samples having an `SRS` alias of that name.
    SraSample,
    /// `^[SED]RR\d+$`: samples having sequencing data with that library name.
    Run,
}

impl Accession {
    /// The alias `origin` whose names the kind is looked up among (`None`: library names).
    pub fn alias_origin(self) -> Option<&'static str> {
        match self {
            Accession::BioSample => Some("BioSample"),
            Accession::Cncb => Some("CNCB"),
            Accession::SraSample => Some("SRS"),
            Accession::Run => None,
        }
    }
}

/// Which accession pattern an alias name follows, if any. The patterns are the original's
/// Python regular expressions with `IGNORECASE`: `\d` is any Unicode digit, `$` also matches
/// before one final newline, and `s` also matches `ſ` (U+017F) under Unicode case folding.
/// `SAMD…` and `DRS…` are deliberately not covered.
pub fn accession_kind(name: &str) -> Option<Accession> {
    let digits = |rest: &str| {
        let rest = rest.strip_suffix('\n').unwrap_or(rest);
        !rest.is_empty() && rest.chars().all(char::is_numeric)
    };
    if let Some(rest) = strip_ci(name, "SAM") {
        if let Some(d) = strip_ci(rest, "N").or_else(|| strip_ci(rest, "EA")) {
            if digits(d) {
                return Some(Accession::BioSample);
            }
        }
        if strip_ci(rest, "C").is_some_and(digits) {
            return Some(Accession::Cncb);
        }
    }
    let one_of = |letters: &str| {
        let first = name.chars().next()?;
        letters
            .chars()
            .any(|l| same_letter(first, l))
            .then(|| &name[first.len_utf8()..])
    };
    if one_of("ES")
        .and_then(|r| strip_ci(r, "RS"))
        .is_some_and(digits)
    {
        return Some(Accession::SraSample);
    }
    if one_of("SED")
        .and_then(|r| strip_ci(r, "RR"))
        .is_some_and(digits)
    {
        return Some(Accession::Run);
    }
    None
}

/// Whether `c` matches the upper-case ASCII letter `upper` case-insensitively.
fn same_letter(c: char, upper: char) -> bool {
    c.to_ascii_uppercase() == upper || (upper == 'S' && c == '\u{17F}')
}

/// `text` without the leading `literal` (upper-case ASCII), compared case-insensitively.
fn strip_ci<'a>(text: &'a str, literal: &str) -> Option<&'a str> {
    let mut rest = text;
    for l in literal.chars() {
        let c = rest.chars().next()?;
        if !same_letter(c, l) {
            return None;
        }
        rest = &rest[c.len_utf8()..];
    }
    Some(rest)
}

/// A sample alias of the package, as read after the reset of step 2.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasIn {
    pub id: i64,
    pub name: String,
    /// The name upper-cased by the database.
    pub name_key: String,
    pub fastq_prefix: Option<String>,
    /// The prefix upper-cased by the database.
    pub prefix_key: Option<String>,
    pub country: Option<String>,
    pub sampling_start: Option<Date>,
    /// Exclusive.
    pub sampling_end: Option<Date>,
}

impl AliasIn {
    /// An alias with keys upper-cased here (tests; the database supplies its own keys).
    pub fn new(id: i64, name: &str, fastq_prefix: Option<&str>) -> AliasIn {
        AliasIn {
            id,
            name: name.to_string(),
            name_key: name.to_uppercase(),
            fastq_prefix: fastq_prefix.map(str::to_string),
            prefix_key: fastq_prefix.map(str::to_uppercase),
            country: None,
            sampling_start: None,
            sampling_end: None,
        }
    }
}

/// A FASTQ link of the package and the sequencing data it points to.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkIn {
    pub id: i64,
    /// The original uploaded file name, upper-cased by the database.
    pub filename_key: String,
    pub sequencing_data_id: i64,
    /// The sequencing data's sample before matching.
    pub sample_id: Option<i64>,
    pub data_location: String,
}

/// Candidate samples per name key: for each lookup only the first (newest) candidate counts.
#[derive(Debug, Clone, Default)]
pub struct Candidates {
    /// Step 0, per accession kind with an alias origin (`BioSample`, `CNCB`, `SRS`).
    pub accession: HashMap<Accession, HashMap<String, i64>>,
    /// Samples by library name of their sequencing data (step 0 runs and step 1.2).
    pub library: HashMap<String, i64>,
    /// Step 1.1: samples by alias name in packages of origin NCBI or SRA.
    pub ncbi_alias: HashMap<String, i64>,
    /// Step 1.3: samples by alias name in the owner's ACCEPTED packages.
    pub user_alias: HashMap<String, i64>,
    /// Which of the step-0 candidates have any sequencing data.
    pub with_sequencing_data: HashSet<i64>,
}

impl Candidates {
    fn for_accession(&self, kind: Accession, key: &str) -> Option<i64> {
        match kind {
            Accession::Run => self.library.get(key).copied(),
            _ => self.accession.get(&kind)?.get(key).copied(),
        }
    }
}

/// Everything matching reads. Aliases and links in id order (the order they are visited).
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub aliases: Vec<AliasIn>,
    pub links: Vec<LinkIn>,
    pub candidates: Candidates,
}

/// A sample an alias or sequencing data is given: one that exists or one the plan creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SampleRef {
    Existing(i64),
    /// Index into [`Plan::new_samples`].
    New(usize),
}

/// A sample to create from an alias (step 2): taxon, origin, package and dates are fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSample {
    pub country: Option<String>,
    pub sampling_start: Option<Date>,
    pub sampling_end: Option<Date>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AliasOutcome {
    pub alias_id: i64,
    pub sample: Option<SampleRef>,
    pub match_source: MatchSource,
    pub verdicts: Vec<Verdict>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LinkOutcome {
    pub link_id: i64,
    pub verdicts: Vec<Verdict>,
}

/// What a matching run writes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub new_samples: Vec<NewSample>,
    /// One per alias, in snapshot order.
    pub aliases: Vec<AliasOutcome>,
    /// One per link, in snapshot order.
    pub links: Vec<LinkOutcome>,
    /// Sequencing data (by id) that had no sample and get one, in assignment order.
    pub sequencing_data: Vec<(i64, SampleRef)>,
}

impl Plan {
    /// Aliases that ended up with a sample.
    pub fn matched(&self) -> usize {
        self.aliases.iter().filter(|a| a.sample.is_some()).count()
    }
}

pub const ACCESSION_NOT_FOUND: &str = "Accession not found, match again later";
pub const ACCESSION_WITHOUT_DATA: &str = "Accession exists but has no sequencing data linked";
pub const NO_FASTQ_FOR_PREFIX: &str = "No FASTQ files with such prefix provided";
pub const ALIAS_DIFFERENT_SAMPLES: &str =
    "Some of FASTQ files with such prefix point to different samples";
pub const LINK_DIFFERENT_SAMPLES: &str =
    "Some of files with same prefix point to different samples";
pub const USED: &str = "was used in matching";
pub const NOT_USED: &str = "was not used in matching";

/// `Wrong FASTQ files count for a prefix: <n>`, on the alias and on every file of its group.
pub fn wrong_count(n: usize) -> String {
    format!("Wrong FASTQ files count for a prefix: {n}")
}

/// The original expects a read group of 2, 4 or 6 files (paired reads, up to three runs).
fn allowed_group_size(n: usize) -> bool {
    matches!(n, 2 | 4 | 6)
}

/// Working state of one run.
struct Run<'a> {
    snap: &'a Snapshot,
    sources: Vec<Option<MatchSource>>,
    samples: Vec<Option<SampleRef>>,
    alias_verdicts: Vec<Vec<Verdict>>,
    link_verdicts: Vec<Vec<Verdict>>,
    /// The current sample of each sequencing data the links point to.
    data_sample: HashMap<i64, SampleRef>,
    plan: Plan,
}

/// Which alias field step 2 uses as the prefix; it names the field in the empty-value warning.
#[derive(Clone, Copy)]
enum PrefixField {
    FastqPrefix,
    Name,
}

/// Runs matching steps 0 to 7 over the snapshot (the reset of step 2 happened before it was
/// read).
pub fn plan(snap: &Snapshot) -> Plan {
    let n = snap.aliases.len();
    let mut run = Run {
        snap,
        sources: vec![None; n],
        samples: vec![None; n],
        alias_verdicts: vec![Vec::new(); n],
        link_verdicts: vec![Vec::new(); snap.links.len()],
        data_sample: snap
            .links
            .iter()
            .filter_map(|l| Some((l.sequencing_data_id, SampleRef::Existing(l.sample_id?))))
            .collect(),
        plan: Plan::default(),
    };
    for i in 0..n {
        run.by_accession(i);
    }
    let unmatched: Vec<usize> = run.unmatched().collect();
    for i in unmatched {
        run.by_name(i);
    }
    // Step 2 picks its aliases before it starts, step 2a after step 2 has finished.
    let with_prefix: Vec<usize> = run
        .unmatched()
        .filter(|&i| snap.aliases[i].fastq_prefix.is_some())
        .collect();
    for i in with_prefix {
        run.by_prefix(i, PrefixField::FastqPrefix);
    }
    let without_prefix: Vec<usize> = run
        .unmatched()
        .filter(|&i| snap.aliases[i].fastq_prefix.is_none())
        .collect();
    for i in without_prefix {
        run.by_prefix(i, PrefixField::Name);
    }
    run.finish()
}

impl Run<'_> {
    fn unmatched(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.sources.len()).filter(|&i| self.sources[i].is_none())
    }

    fn associate(&mut self, i: usize, sample: SampleRef, source: MatchSource) {
        self.samples[i] = Some(sample);
        self.sources[i] = Some(source);
    }

    /// Step 0: names shaped like NCBI accessions are looked up by the first pattern they
    /// follow, and only there.
    fn by_accession(&mut self, i: usize) {
        let snap = self.snap;
        let alias = &snap.aliases[i];
        let Some(kind) = accession_kind(&alias.name) else {
            return;
        };
        let candidates = &snap.candidates;
        match candidates.for_accession(kind, &alias.name_key) {
            None => {
                self.alias_verdicts[i].push(Verdict::new(Level::Error, ACCESSION_NOT_FOUND));
                self.sources[i] = Some(MatchSource::NoMatch);
            }
            Some(sample) => {
                if !candidates.with_sequencing_data.contains(&sample) {
                    self.alias_verdicts[i]
                        .push(Verdict::new(Level::Warning, ACCESSION_WITHOUT_DATA));
                }
                self.associate(i, SampleRef::Existing(sample), MatchSource::Ncbi);
            }
        }
    }

    /// Step 1: NCBI/SRA aliases, then library names, then the owner's accepted aliases.
    fn by_name(&mut self, i: usize) {
        let snap = self.snap;
        let key = &snap.aliases[i].name_key;
        let c = &snap.candidates;
        let hit = [
            (&c.ncbi_alias, MatchSource::Ncbi),
            (&c.library, MatchSource::FastqExisting),
            (&c.user_alias, MatchSource::UserAlias),
        ]
        .into_iter()
        .find_map(|(map, source)| Some((*map.get(key)?, source)));
        if let Some((sample, source)) = hit {
            self.associate(i, SampleRef::Existing(sample), source);
        }
    }

    /// Steps 2 and 2a: the package's files named `<prefix>_…` form the alias's read group.
    fn by_prefix(&mut self, i: usize, field: PrefixField) {
        let snap = self.snap;
        let alias = &snap.aliases[i];
        let (value, key, what) = match field {
            PrefixField::FastqPrefix => (
                alias.fastq_prefix.as_deref().unwrap_or_default(),
                alias.prefix_key.as_deref().unwrap_or_default(),
                "fastq_prefix",
            ),
            PrefixField::Name => (alias.name.as_str(), alias.name_key.as_str(), "name"),
        };
        if value.is_empty() {
            self.alias_verdicts[i]
                .push(Verdict::new(Level::Warning, format!("No {what} provided")));
            return;
        }
        let head = format!("{key}_");
        let group: Vec<usize> = (0..snap.links.len())
            .filter(|&l| snap.links[l].filename_key.starts_with(&head))
            .collect();
        if group.is_empty() {
            self.alias_verdicts[i].push(Verdict::new(Level::Warning, NO_FASTQ_FOR_PREFIX));
            return;
        }
        if !allowed_group_size(group.len()) {
            let text = wrong_count(group.len());
            self.alias_verdicts[i].push(Verdict::new(Level::Error, text.clone()));
            for &l in &group {
                self.link_verdicts[l].push(Verdict::new(Level::Error, text.clone()));
            }
            return;
        }
        let sample_of = |l: usize| {
            self.data_sample
                .get(&snap.links[l].sequencing_data_id)
                .copied()
        };
        let distinct: HashSet<SampleRef> = group.iter().filter_map(|&l| sample_of(l)).collect();
        if distinct.len() > 1 {
            self.alias_verdicts[i].push(Verdict::new(Level::Error, ALIAS_DIFFERENT_SAMPLES));
            for &l in &group {
                self.link_verdicts[l].push(Verdict::new(Level::Error, LINK_DIFFERENT_SAMPLES));
            }
            self.sources[i] = Some(MatchSource::NoMatch);
            return;
        }
        let existing = group
            .iter()
            .find_map(|&l| Some((sample_of(l)?, &snap.links[l])));
        let (sample, source) = match existing {
            Some((sample, link)) if link.data_location == "NCBI" => {
                (sample, MatchSource::NcbiFastq)
            }
            Some((sample, _)) => (sample, MatchSource::FastqUploaded),
            None => {
                self.plan.new_samples.push(NewSample {
                    country: alias.country.clone(),
                    sampling_start: alias.sampling_start,
                    sampling_end: alias.sampling_end,
                });
                (
                    SampleRef::New(self.plan.new_samples.len() - 1),
                    MatchSource::FastqUploadedNewSample,
                )
            }
        };
        for &l in &group {
            let data = snap.links[l].sequencing_data_id;
            if let std::collections::hash_map::Entry::Vacant(e) = self.data_sample.entry(data) {
                e.insert(sample);
                self.plan.sequencing_data.push((data, sample));
            }
            self.link_verdicts[l].push(Verdict::new(Level::Info, USED));
        }
        self.associate(i, sample, source);
    }

    /// Steps 3 and 7: the rest is NO_MATCH, and files nothing said anything about are unused.
    fn finish(mut self) -> Plan {
        let snap = self.snap;
        for (i, alias) in snap.aliases.iter().enumerate() {
            self.plan.aliases.push(AliasOutcome {
                alias_id: alias.id,
                sample: self.samples[i],
                match_source: self.sources[i].unwrap_or(MatchSource::NoMatch),
                verdicts: std::mem::take(&mut self.alias_verdicts[i]),
            });
        }
        for (l, link) in snap.links.iter().enumerate() {
            let mut verdicts = std::mem::take(&mut self.link_verdicts[l]);
            if verdicts.is_empty() {
                verdicts.push(Verdict::new(Level::Warning, NOT_USED));
            }
            self.plan.links.push(LinkOutcome {
                link_id: link.id,
                verdicts,
            });
        }
        self.plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(id: i64, filename: &str, data: i64, sample: Option<i64>) -> LinkIn {
        LinkIn {
            id,
            filename_key: filename.to_uppercase(),
            sequencing_data_id: data,
            sample_id: sample,
            data_location: "TB-Kb".into(),
        }
    }

    fn snapshot(aliases: Vec<AliasIn>, links: Vec<LinkIn>) -> Snapshot {
        Snapshot {
            aliases,
            links,
            candidates: Candidates::default(),
        }
    }

    fn v(level: Level, text: &str) -> Vec<Verdict> {
        vec![Verdict::new(level, text)]
    }

    fn pair(prefix: &str, first: i64) -> Vec<LinkIn> {
        vec![
            link(first, &format!("{prefix}_R1.fastq.gz"), first, None),
            link(first + 1, &format!("{prefix}_R2.fastq.gz"), first + 1, None),
        ]
    }

    #[test]
    fn accession_patterns_follow_the_original_regexes() {
        use Accession::*;
        for (name, kind) in [
            ("SAMN123", Some(BioSample)),
            ("samea9", Some(BioSample)),
            ("SAMN12\n", Some(BioSample)),
            ("SAMC77", Some(Cncb)),
            ("ERS1", Some(SraSample)),
            ("srs42", Some(SraSample)),
            ("\u{17F}RR1", Some(Run)),
            ("DRR5", Some(Run)),
            ("ERR5", Some(Run)),
            ("SAMD123", None),
            ("DRS1", None),
            ("SAMN", None),
            ("SAMN12a", None),
            ("SAMN12\n\n", None),
            ("XSAMN1", None),
            ("", None),
        ] {
            assert_eq!(accession_kind(name), kind, "{name:?}");
        }
    }

    #[test]
    fn accession_not_found_is_an_error_and_no_match() {
        let snap = snapshot(vec![AliasIn::new(1, "SAMN1", Some("p"))], pair("p", 10));
        let plan = plan(&snap);
        let a = &plan.aliases[0];
        assert_eq!(a.match_source, MatchSource::NoMatch);
        assert_eq!(a.sample, None);
        assert_eq!(a.verdicts, v(Level::Error, ACCESSION_NOT_FOUND));
        // Not retried by prefix: its files stay unused.
        assert!(plan
            .links
            .iter()
            .all(|l| l.verdicts == v(Level::Warning, NOT_USED)));
        assert!(plan.new_samples.is_empty());
    }

    #[test]
    fn accession_found_matches_ncbi_and_warns_without_data() {
        let mut snap = snapshot(
            vec![
                AliasIn::new(1, "samn1", None),
                AliasIn::new(2, "ERR7", None),
            ],
            vec![],
        );
        let c = &mut snap.candidates;
        c.accession
            .entry(Accession::BioSample)
            .or_default()
            .insert("SAMN1".into(), 5);
        c.library.insert("ERR7".into(), 6);
        c.with_sequencing_data.insert(6);
        let plan = plan(&snap);
        assert_eq!(plan.aliases[0].sample, Some(SampleRef::Existing(5)));
        assert_eq!(plan.aliases[0].match_source, MatchSource::Ncbi);
        assert_eq!(
            plan.aliases[0].verdicts,
            v(Level::Warning, ACCESSION_WITHOUT_DATA)
        );
        assert_eq!(plan.aliases[1].sample, Some(SampleRef::Existing(6)));
        assert_eq!(plan.aliases[1].match_source, MatchSource::Ncbi);
        assert!(plan.aliases[1].verdicts.is_empty());
    }

    #[test]
    fn only_the_first_matching_pattern_is_used() {
        // A BioSample-shaped name known only as an SRS alias is not found.
        let mut snap = snapshot(vec![AliasIn::new(1, "SAMEA1", None)], vec![]);
        snap.candidates
            .accession
            .entry(Accession::SraSample)
            .or_default()
            .insert("SAMEA1".into(), 5);
        snap.candidates.ncbi_alias.insert("SAMEA1".into(), 6);
        let plan = plan(&snap);
        assert_eq!(plan.aliases[0].match_source, MatchSource::NoMatch);
        assert_eq!(
            plan.aliases[0].verdicts,
            v(Level::Error, ACCESSION_NOT_FOUND)
        );
    }

    #[test]
    fn names_match_ncbi_then_library_then_user_aliases() {
        let mut snap = snapshot(
            vec![
                AliasIn::new(1, "a", None),
                AliasIn::new(2, "b", None),
                AliasIn::new(3, "c", None),
                AliasIn::new(4, "d", None),
            ],
            vec![],
        );
        let c = &mut snap.candidates;
        c.ncbi_alias.insert("A".into(), 1);
        c.library.insert("A".into(), 2);
        c.library.insert("B".into(), 3);
        c.user_alias.insert("B".into(), 4);
        c.user_alias.insert("C".into(), 5);
        let plan = plan(&snap);
        let got: Vec<_> = plan
            .aliases
            .iter()
            .map(|a| (a.sample, a.match_source))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(SampleRef::Existing(1)), MatchSource::Ncbi),
                (Some(SampleRef::Existing(3)), MatchSource::FastqExisting),
                (Some(SampleRef::Existing(5)), MatchSource::UserAlias),
                // No hit by name, no files named `d_…`: a warning and NO_MATCH.
                (None, MatchSource::NoMatch),
            ]
        );
        assert_eq!(
            plan.aliases[3].verdicts,
            v(Level::Warning, NO_FASTQ_FOR_PREFIX)
        );
        assert_eq!(plan.matched(), 3);
    }

    #[test]
    fn a_prefix_group_without_sample_creates_one_from_the_alias() {
        let mut alias = AliasIn::new(1, "SAMPLE1", Some("12345"));
        alias.country = Some("ABW".into());
        alias.sampling_start = Some(time::macros::date!(2021 - 01 - 01));
        alias.sampling_end = Some(time::macros::date!(2021 - 12 - 31));
        let mut links = pair("12345", 10);
        links.push(link(12, "other.fastq.gz", 12, None));
        let plan = plan(&snapshot(vec![alias], links));
        assert_eq!(
            plan.new_samples,
            vec![NewSample {
                country: Some("ABW".into()),
                sampling_start: Some(time::macros::date!(2021 - 01 - 01)),
                sampling_end: Some(time::macros::date!(2021 - 12 - 31)),
            }]
        );
        assert_eq!(plan.aliases[0].sample, Some(SampleRef::New(0)));
        assert_eq!(
            plan.aliases[0].match_source,
            MatchSource::FastqUploadedNewSample
        );
        assert!(plan.aliases[0].verdicts.is_empty());
        assert_eq!(
            plan.sequencing_data,
            vec![(10, SampleRef::New(0)), (11, SampleRef::New(0))]
        );
        assert_eq!(plan.links[0].verdicts, v(Level::Info, USED));
        assert_eq!(plan.links[1].verdicts, v(Level::Info, USED));
        assert_eq!(plan.links[2].verdicts, v(Level::Warning, NOT_USED));
    }

    #[test]
    fn the_name_is_the_prefix_when_there_is_none() {
        let plan = plan(&snapshot(
            vec![AliasIn::new(1, "sample1", None)],
            pair("SAMPLE1", 10),
        ));
        assert_eq!(plan.aliases[0].sample, Some(SampleRef::New(0)));
        assert_eq!(plan.sequencing_data.len(), 2);
    }

    #[test]
    fn empty_prefix_or_name_is_a_warning_and_not_retried() {
        let plan = plan(&snapshot(
            vec![AliasIn::new(1, "x", Some("")), AliasIn::new(2, "", None)],
            pair("x", 10),
        ));
        assert_eq!(
            plan.aliases[0].verdicts,
            v(Level::Warning, "No fastq_prefix provided")
        );
        assert_eq!(
            plan.aliases[1].verdicts,
            v(Level::Warning, "No name provided")
        );
        assert!(plan
            .aliases
            .iter()
            .all(|a| a.match_source == MatchSource::NoMatch && a.sample.is_none()));
    }

    #[test]
    fn an_alias_with_a_prefix_is_not_retried_by_name() {
        let plan = plan(&snapshot(
            vec![AliasIn::new(1, "name", Some("missing"))],
            pair("name", 10),
        ));
        assert_eq!(
            plan.aliases[0].verdicts,
            v(Level::Warning, NO_FASTQ_FOR_PREFIX)
        );
        assert_eq!(plan.aliases[0].match_source, MatchSource::NoMatch);
        assert!(plan.new_samples.is_empty());
    }

    #[test]
    fn groups_must_have_two_four_or_six_files() {
        for n in 1..=8usize {
            let links: Vec<LinkIn> = (0..n as i64)
                .map(|j| link(j, &format!("prefix_{j}.fastq.gz"), j, None))
                .collect();
            let plan = plan(&snapshot(
                vec![AliasIn::new(1, "A1", Some("prefix"))],
                links,
            ));
            if matches!(n, 2 | 4 | 6) {
                assert_eq!(plan.aliases[0].sample, Some(SampleRef::New(0)));
                assert!(plan
                    .links
                    .iter()
                    .all(|l| l.verdicts == v(Level::Info, USED)));
            } else {
                let text = wrong_count(n);
                assert_eq!(plan.aliases[0].verdicts, v(Level::Error, &text));
                assert_eq!(plan.aliases[0].match_source, MatchSource::NoMatch);
                assert!(plan
                    .links
                    .iter()
                    .all(|l| l.verdicts == v(Level::Error, &text)));
                assert!(plan.new_samples.is_empty() && plan.sequencing_data.is_empty());
            }
        }
    }

    #[test]
    fn different_samples_in_a_group_are_errors() {
        let links = vec![
            link(1, "12345_1.fastq.gz", 1, Some(7)),
            link(2, "12345_2.fastq.gz", 2, Some(8)),
        ];
        let plan = plan(&snapshot(vec![AliasIn::new(1, "A", Some("12345"))], links));
        assert_eq!(
            plan.aliases[0].verdicts,
            v(Level::Error, ALIAS_DIFFERENT_SAMPLES)
        );
        assert_eq!(plan.aliases[0].match_source, MatchSource::NoMatch);
        for l in &plan.links {
            assert_eq!(l.verdicts, v(Level::Error, LINK_DIFFERENT_SAMPLES));
        }
    }

    #[test]
    fn a_group_shares_its_existing_sample() {
        let mut links = vec![
            link(1, "prefix_file1.fastq.gz", 1, Some(7)),
            link(2, "prefix_file2.fastq.gz", 2, None),
        ];
        let plan1 = plan(&snapshot(
            vec![AliasIn::new(1, "A", Some("PREFIX"))],
            links.clone(),
        ));
        assert_eq!(plan1.aliases[0].sample, Some(SampleRef::Existing(7)));
        assert_eq!(plan1.aliases[0].match_source, MatchSource::FastqUploaded);
        assert_eq!(plan1.sequencing_data, vec![(2, SampleRef::Existing(7))]);
        links[0].data_location = "NCBI".into();
        let plan2 = plan(&snapshot(vec![AliasIn::new(1, "A", Some("PREFIX"))], links));
        assert_eq!(plan2.aliases[0].match_source, MatchSource::NcbiFastq);
    }

    #[test]
    fn overlapping_groups_see_samples_given_earlier_in_the_run() {
        // Prefix `A` also catches `A_B_…`; alias `A_B` then finds the new sample.
        let mut links = pair("A", 1);
        links.extend(pair("A_B", 3));
        let plan = plan(&snapshot(
            vec![
                AliasIn::new(1, "x", Some("A")),
                AliasIn::new(2, "y", Some("A_B")),
            ],
            links,
        ));
        assert_eq!(plan.new_samples.len(), 1);
        assert_eq!(plan.aliases[0].sample, Some(SampleRef::New(0)));
        assert_eq!(plan.aliases[1].sample, Some(SampleRef::New(0)));
        assert_eq!(plan.aliases[1].match_source, MatchSource::FastqUploaded);
        assert_eq!(plan.sequencing_data.len(), 4);
        assert_eq!(plan.links[2].verdicts.len(), 2);
    }

    #[test]
    fn links_sharing_sequencing_data_assign_it_once() {
        let links = vec![
            link(1, "p_1.fastq.gz", 9, None),
            link(2, "p_2.fastq.gz", 9, None),
        ];
        let plan = plan(&snapshot(vec![AliasIn::new(1, "A", Some("p"))], links));
        assert_eq!(plan.sequencing_data, vec![(9, SampleRef::New(0))]);
    }

    #[test]
    fn unused_files_are_marked() {
        let plan = plan(&snapshot(
            vec![],
            vec![link(1, "whatever.fastq.gz", 1, None)],
        ));
        assert_eq!(plan.links[0].verdicts, v(Level::Warning, NOT_USED));
        assert!(plan.aliases.is_empty());
    }
}
