//! `ACCOUNTS_MAIL_CA_FILE`: root certificates of one's own, for a relay or
//! an SMTP server whose certificate no public authority signed.

use std::path::Path;

use super::MailSetupError;

/// The DER certificates of the PEM file at `path`; at least one.
pub fn read(path: &Path) -> Result<Vec<Vec<u8>>, MailSetupError> {
    let error = |reason: String| MailSetupError::CaFile {
        path: path.to_owned(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| error(e.to_string()))?;
    let mut certificates = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => certificates.push(cert.der().to_vec()),
            Ok(_) => {}
            Err(e) => return Err(error(format!("not a PEM file: {e}"))),
        }
    }
    if certificates.is_empty() {
        return Err(error("holds no PEM certificate".into()));
    }
    Ok(certificates)
}
