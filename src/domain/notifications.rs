//! PLACEHOLDER until the notify branch lands (interface only).
pub struct Person {
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}
pub struct Mail {
    pub kind: &'static str,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
    pub package_id: Option<i64>,
}
fn mail(kind: &'static str, package_id: i64) -> Mail {
    Mail {
        kind,
        recipients: vec![],
        subject: String::new(),
        body: String::new(),
        package_id: Some(package_id),
    }
}
pub fn package_submitted(package_id: i64, _n: &str, _o: &Person, _s: &[String]) -> Mail {
    mail("package_submitted", package_id)
}
pub fn package_accepted(package_id: i64, _n: &str, _o: &Person) -> Mail {
    mail("package_accepted", package_id)
}
pub fn package_rejected(package_id: i64, _n: &str, _o: &Person, _r: &str) -> Mail {
    mail("package_rejected", package_id)
}
pub fn new_message(
    package_id: i64,
    _n: &str,
    _s: &Person,
    _so: bool,
    _o: &Person,
    _st: &[String],
    _c: &str,
) -> Mail {
    mail("new_message", package_id)
}
