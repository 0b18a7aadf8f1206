//! Files people upload with a request (the portal's form): checked (size, count, and that the
//! bytes are what the name says), then stored with the request in one transaction.

use rapport_core::access::Principal;
use rapport_core::audit::AuditEntry;
use rapport_core::ids::MessageId;
use rapport_core::message::{Direction, Message};
use rapport_core::request::{Channel, NewRequest, Request};
use rapport_core::validate::Violations;
use rapport_store::repo::mail::{self as store, NewAttachment};
use rapport_store::repo::messages;
use sha2::{Digest, Sha256};

use crate::{App, AppResult, Ctx};

/// The most files one request may carry, and the largest one.
pub const MAX_FILES: usize = 5;
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// A file as uploaded: its name, the type the browser claimed, and its bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    pub filename: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

/// What a file's name says it is, checked against its first bytes. Returns the type to store.
pub fn sniff(filename: &str, data: &[u8]) -> Result<&'static str, String> {
    let ext = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let starts = |magic: &[u8]| data.starts_with(magic);
    let text_like = || std::str::from_utf8(data).is_ok() && !data.contains(&0);
    let (ct, ok) = match ext.as_str() {
        "pdf" => ("application/pdf", starts(b"%PDF-")),
        "png" => ("image/png", starts(b"\x89PNG\r\n\x1a\n")),
        "jpg" | "jpeg" => ("image/jpeg", starts(b"\xff\xd8\xff")),
        "gif" => ("image/gif", starts(b"GIF87a") || starts(b"GIF89a")),
        "txt" | "log" | "md" => ("text/plain", text_like()),
        "csv" => ("text/csv", text_like()),
        "xlsx" => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            starts(b"PK\x03\x04"),
        ),
        "docx" => (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            starts(b"PK\x03\x04"),
        ),
        "zip" => ("application/zip", starts(b"PK\x03\x04")),
        _ => {
            return Err(format!(
                "{filename:?}: this kind of file is not accepted (pdf, png, jpg, gif, txt, csv, xlsx, docx, zip)"
            ));
        }
    };
    if ok {
        Ok(ct)
    } else {
        Err(format!(
            "{filename:?} does not contain what its name says ({ext})"
        ))
    }
}

fn check(files: &[Upload]) -> Result<Vec<&'static str>, Violations> {
    let mut v = Violations::new();
    if files.len() > MAX_FILES {
        v.add("files", format!("at most {MAX_FILES} files"));
    }
    let mut types = Vec::new();
    for f in files {
        let name = f.filename.trim();
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            v.add("files", "each file needs a name of 1-200 characters");
            continue;
        }
        if f.data.is_empty() {
            v.add("files", format!("{name:?} is empty"));
            continue;
        }
        if f.data.len() > MAX_FILE_BYTES {
            v.add(
                "files",
                format!(
                    "{name:?} is {} KiB; the most is {} KiB",
                    f.data.len() / 1024,
                    MAX_FILE_BYTES / 1024
                ),
            );
            continue;
        }
        match sniff(name, &f.data) {
            Ok(ct) => types.push(ct),
            Err(m) => v.add("files", m),
        }
    }
    v.finish(|| types)
}

impl App {
    /// A new request with files, from a contact in the portal or a member logging it on the
    /// client's behalf: the request, a message carrying the files, and the files, or nothing at
    /// all. The files are the client's, so the message is inbound whoever uploads them.
    pub async fn create_request_with_files(
        &self,
        ctx: &Ctx,
        input: NewRequest,
        channel: Channel,
        files: Vec<Upload>,
    ) -> AppResult<Request> {
        if files.is_empty() {
            return self.create_request(ctx, input, channel).await;
        }
        let types = check(&files)?;
        let (draft, client, scope, sentiment) = self.prepare_request(ctx, input, channel).await?;
        let contact_id = match ctx.principal {
            Principal::Contact { contact_id, .. } => Some(contact_id),
            Principal::Member { .. } => draft.contact_id,
        };
        let now = self.now();
        let ctx = ctx.clone();
        self.store
            .write(move |db| -> AppResult<Request> {
                let r = crate::requests::insert_request(
                    db,
                    &ctx,
                    client,
                    draft,
                    scope,
                    sentiment.as_ref(),
                    now,
                )?;
                let names: Vec<&str> = files.iter().map(|f| f.filename.trim()).collect();
                let m = messages::insert(
                    db,
                    &Message {
                        id: MessageId(0),
                        org_id: ctx.org(),
                        request_id: r.id,
                        direction: Direction::Inbound,
                        author: ctx.principal.actor(),
                        body: format!("Attached: {}", names.join(", ")),
                        body_html: None,
                        subject: None,
                        mail_message_id: None,
                        send_status: None,
                        scheduled_for: None,
                        sent_at: None,
                        sentiment: None,
                        created_at: now,
                    },
                )?;
                for (f, ct) in files.iter().zip(&types) {
                    let sha = hex::encode(Sha256::digest(&f.data));
                    store::insert_attachment(
                        db,
                        ctx.org(),
                        m.id,
                        &NewAttachment {
                            filename: Some(f.filename.trim()),
                            content_type: ct,
                            sha256: &sha,
                            inline: false,
                            content_id: None,
                            data: &f.data,
                        },
                        now,
                    )?;
                }
                ctx.audit(
                    db,
                    now,
                    AuditEntry::new(ctx.principal.actor(), "request.attachments")
                        .target("request", r.id.0)
                        .details(serde_json::json!({"files": names, "contact_id": contact_id})),
                )?;
                Ok(r)
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_match_contents() {
        assert_eq!(sniff("a.pdf", b"%PDF-1.7 ..."), Ok("application/pdf"));
        assert!(sniff("a.pdf", b"MZ\x90\x00 not a pdf").is_err());
        assert!(sniff("photo.PNG", b"\x89PNG\r\n\x1a\n....").is_ok());
        assert!(sniff("photo.png", b"\xff\xd8\xff jpeg bytes").is_err());
        assert!(sniff("notes.txt", b"plain words").is_ok());
        assert!(sniff("notes.txt", b"bin\x00ary").is_err());
        assert!(sniff("run.exe", b"MZ").is_err());
        assert!(sniff("noextension", b"whatever").is_err());
    }

    #[test]
    fn count_size_and_names_are_checked() {
        let f = |name: &str, data: &[u8]| Upload {
            filename: name.into(),
            content_type: "application/octet-stream".into(),
            data: data.to_vec(),
        };
        assert!(check(&[f("a.txt", b"hi")]).is_ok());
        assert!(check(&[f("a.txt", b"")]).is_err());
        assert!(check(&[f("", b"hi")]).is_err());
        assert!(check(&vec![f("a.txt", b"hi"); MAX_FILES + 1]).is_err());
        assert!(check(&[f("big.txt", &vec![b'a'; MAX_FILE_BYTES + 1])]).is_err());
    }
}
