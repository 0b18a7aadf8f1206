//! Moving an org between databases: export to JSON lines, import in one transaction. The
//! command line is the only adapter (an operator's tool: no principal, the whole org).

use std::io::{BufRead, Write};

use rapport_core::access::Actor;
use rapport_core::audit::AuditEntry;
use rapport_core::ids::OrgId;
use rapport_store::repo::audit;
use rapport_store::transfer::{self, ExportSummary, ImportOptions, ImportReport, TransferError};

use crate::{App, AppError, AppResult};

fn app_error(e: TransferError) -> AppError {
    match e {
        TransferError::Store(s) => s.into(),
        e @ TransferError::Format { .. } => AppError::invalid("input", e.to_string()),
        TransferError::Refused(message) => AppError::Conflict {
            message,
            errors: vec![],
        },
        TransferError::NoSuchOrg(_) => AppError::NotFound("organisation"),
        TransferError::Io(m) => AppError::Unavailable(m),
    }
}

impl App {
    /// Write every row of the org `slug` to `out`, from one consistent snapshot.
    pub async fn export_org(
        &self,
        slug: &str,
        mut out: Box<dyn Write + Send>,
    ) -> AppResult<ExportSummary> {
        let slug = slug.to_string();
        let now = self.now();
        self.store
            .read(move |db| transfer::export_org(db, &slug, &mut *out, now).map_err(app_error))
            .await
    }

    /// Read an export into this database as a new org, all or nothing. Records `org.import`
    /// in the new org's audit trail.
    pub async fn import_org(
        &self,
        mut input: Box<dyn BufRead + Send>,
        opts: ImportOptions,
    ) -> AppResult<ImportReport> {
        let now = self.now();
        self.store
            .write(move |db| -> AppResult<ImportReport> {
                let report = transfer::import_org(db, &mut *input, &opts).map_err(app_error)?;
                audit::record(
                    db,
                    OrgId(report.org_id),
                    now,
                    None,
                    &AuditEntry::new(Actor::System, "org.import")
                        .target("org", report.org_id)
                        .details(serde_json::json!({
                            "source_org_id": report.source_org_id,
                            "source_slug": report.source_slug,
                            "schema_version": report.schema_version,
                            "remapped": report.remapped,
                            "rows": report.rows,
                        })),
                )?;
                Ok(report)
            })
            .await
    }
}
