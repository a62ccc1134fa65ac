//! Page-number pagination as the original serves it: `page` (1-based, or `last`) and
//! `page_size` (default 12, at most 1500; an invalid size falls back to the default), with
//! absolute `next` / `previous` links whose query keys are sorted.

use serde::Serialize;

pub const DEFAULT_PAGE_SIZE: u64 = 12;
pub const MAX_PAGE_SIZE: u64 = 1500;

/// The detail of the 404 the original answers for a page that does not exist.
pub const INVALID_PAGE: &str = "Invalid page.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PageNumber {
    Number(u64),
    Last,
}

/// What the client asked for, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: PageNumber,
    pub size: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidPage;

impl PageRequest {
    pub fn parse(page: Option<&str>, size: Option<&str>) -> Result<PageRequest, InvalidPage> {
        let page = match page.map(str::trim) {
            None | Some("") => PageNumber::Number(1),
            Some("last") => PageNumber::Last,
            Some(text) => match text.parse::<u64>() {
                Ok(n) if n >= 1 => PageNumber::Number(n),
                _ => return Err(InvalidPage),
            },
        };
        let size = match size.and_then(|s| s.trim().parse::<i64>().ok()) {
            Some(n) if n > 0 => (n as u64).min(MAX_PAGE_SIZE),
            _ => DEFAULT_PAGE_SIZE,
        };
        Ok(PageRequest { page, size })
    }

    /// The page to serve once the total is known.
    pub fn resolve(&self, count: u64) -> Result<Page, InvalidPage> {
        let pages = count.div_ceil(self.size).max(1);
        let number = match self.page {
            PageNumber::Last => pages,
            PageNumber::Number(n) if n <= pages => n,
            PageNumber::Number(_) => return Err(InvalidPage),
        };
        Ok(Page {
            number,
            pages,
            size: self.size,
            count,
        })
    }
}

/// A resolved page: which rows to fetch and how to link to its neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub number: u64,
    pub pages: u64,
    pub size: u64,
    pub count: u64,
}

impl Page {
    pub fn offset(&self) -> u64 {
        (self.number - 1) * self.size
    }

    /// `next` and `previous` links: `base` is the absolute URL without a query, `query` the
    /// request's own pairs with their original spelling.
    pub fn links(
        &self,
        base: &str,
        query: &[(String, String)],
    ) -> (Option<String>, Option<String>) {
        let next = (self.number < self.pages).then(|| link(base, query, Some(self.number + 1)));
        let previous = (self.number > 1).then(|| {
            let target = self.number - 1;
            link(base, query, (target > 1).then_some(target))
        });
        (next, previous)
    }
}

fn link(base: &str, query: &[(String, String)], page: Option<u64>) -> String {
    let mut pairs: Vec<(String, String)> =
        query.iter().filter(|(k, _)| k != "page").cloned().collect();
    if let Some(page) = page {
        pairs.push(("page".into(), page.to_string()));
    }
    // Stable sort by key keeps repeated keys in their original order.
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    if pairs.is_empty() {
        return base.to_string();
    }
    let encoded = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{base}?{encoded}")
}

/// The paginated envelope.
#[derive(Debug, Serialize)]
pub struct Paginated<T: Serialize> {
    pub count: u64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub results: Vec<T>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn sizes_fall_back_and_cap() {
        assert_eq!(PageRequest::parse(None, Some("abc")).unwrap().size, 12);
        assert_eq!(PageRequest::parse(None, Some("0")).unwrap().size, 12);
        assert_eq!(PageRequest::parse(None, Some("-3")).unwrap().size, 12);
        assert_eq!(PageRequest::parse(None, Some("5000")).unwrap().size, 1500);
        assert_eq!(PageRequest::parse(None, Some("20")).unwrap().size, 20);
    }

    #[test]
    fn bad_pages_are_invalid() {
        for bad in ["abc", "0", "-1", "1.5"] {
            assert_eq!(
                PageRequest::parse(Some(bad), None),
                Err(InvalidPage),
                "{bad}"
            );
        }
        let req = PageRequest::parse(Some("3"), Some("10")).unwrap();
        assert_eq!(req.resolve(20), Err(InvalidPage));
        assert_eq!(req.resolve(21).unwrap().offset(), 20);
        // An empty result still has a first page.
        assert_eq!(
            PageRequest::parse(None, None)
                .unwrap()
                .resolve(0)
                .unwrap()
                .number,
            1
        );
        assert_eq!(
            PageRequest::parse(Some("last"), Some("10"))
                .unwrap()
                .resolve(25)
                .unwrap()
                .number,
            3
        );
    }

    #[test]
    fn links_sort_keys_and_drop_page_one() {
        let query = q(&[
            ("paginated", "true"),
            ("order", "-globalFrequency"),
            ("pageSize", "1"),
        ]);
        let page = PageRequest::parse(None, Some("1"))
            .unwrap()
            .resolve(2)
            .unwrap();
        let (next, previous) =
            page.links("http://testserver/api/v1/overview/drug-gene-infos/", &query);
        assert_eq!(
            next.as_deref(),
            Some("http://testserver/api/v1/overview/drug-gene-infos/?order=-globalFrequency&page=2&pageSize=1&paginated=true")
        );
        assert_eq!(previous, None);

        let query = q(&[("page", "2"), ("search", "rpo b")]);
        let page = PageRequest::parse(Some("2"), None)
            .unwrap()
            .resolve(30)
            .unwrap();
        let (next, previous) = page.links("http://h/g/", &query);
        assert_eq!(next.as_deref(), Some("http://h/g/?page=3&search=rpo+b"));
        assert_eq!(previous.as_deref(), Some("http://h/g/?search=rpo+b"));
    }
}
