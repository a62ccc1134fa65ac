//! Links tbseq signs itself (upload and download URLs for the local file store, where there
//! is no S3 to presign them): an HMAC-SHA256 over the method, the object key, the expiry and
//! the user, so that a link cannot be reused for another file, method, user or time.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What a link allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant<'a> {
    pub method: &'a str,
    pub key: &'a str,
    /// Unix seconds after which the link is dead.
    pub expires: i64,
    pub user: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the link has expired")]
    Expired,
    #[error("the link's signature does not match")]
    BadSignature,
}

fn mac(secret: &[u8], grant: &Grant<'_>) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    // Length-prefixed fields: no two grants share an encoding.
    for field in [
        grant.method,
        grant.key,
        &grant.expires.to_string(),
        &grant.user.to_string(),
    ] {
        mac.update(&(field.len() as u64).to_be_bytes());
        mac.update(field.as_bytes());
    }
    mac
}

/// The hex signature of a grant.
pub fn sign(secret: &[u8], grant: &Grant<'_>) -> String {
    hex::encode(mac(secret, grant).finalize().into_bytes())
}

/// Checks a signature (in constant time) and the expiry against `now` (Unix seconds).
pub fn verify(
    secret: &[u8],
    grant: &Grant<'_>,
    signature: &str,
    now: i64,
) -> Result<(), LinkError> {
    let bytes = hex::decode(signature).map_err(|_| LinkError::BadSignature)?;
    mac(secret, grant)
        .verify_slice(&bytes)
        .map_err(|_| LinkError::BadSignature)?;
    if now > grant.expires {
        return Err(LinkError::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn grant() -> Grant<'static> {
        Grant {
            method: "PUT",
            key: "temporary/7_sample.fastq.gz",
            expires: 1_000,
            user: 7,
        }
    }

    #[test]
    fn a_signed_grant_verifies_until_it_expires() {
        let sig = sign(SECRET, &grant());
        assert_eq!(verify(SECRET, &grant(), &sig, 999), Ok(()));
        assert_eq!(
            verify(SECRET, &grant(), &sig, 1_001),
            Err(LinkError::Expired)
        );
    }

    #[test]
    fn any_change_breaks_the_signature() {
        let sig = sign(SECRET, &grant());
        let changed = [
            Grant {
                method: "GET",
                ..grant()
            },
            Grant {
                key: "temporary/7_other.fastq.gz",
                ..grant()
            },
            Grant {
                expires: 2_000,
                ..grant()
            },
            Grant { user: 8, ..grant() },
        ];
        for g in changed {
            assert_eq!(
                verify(SECRET, &g, &sig, 0),
                Err(LinkError::BadSignature),
                "{g:?}"
            );
        }
        assert_eq!(
            verify(b"another secret", &grant(), &sig, 0),
            Err(LinkError::BadSignature)
        );
        assert_eq!(
            verify(SECRET, &grant(), "not-hex", 0),
            Err(LinkError::BadSignature)
        );
        let mut tampered = sig.clone().into_bytes();
        tampered[0] = if tampered[0] == b'a' { b'b' } else { b'a' };
        assert_eq!(
            verify(SECRET, &grant(), std::str::from_utf8(&tampered).unwrap(), 0),
            Err(LinkError::BadSignature)
        );
    }
}
