//! Contract files: list, multipart upload (validated against the template's sections), get,
//! and download through a 302 to a token-free, presigned-style URL on the same server.

use std::sync::Arc;

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use bytes::Bytes;
use serde_json::Value;

use super::input::path_id;
use super::parties::contract_not_found;
use super::{paginate, QueryParams};
use crate::errors::Problem;
use crate::state::{fmt_time, Contract, Download, StoredFile, World};
use crate::Shared;

/// Oneflow's accepted attachment extensions (upper case).
const ALLOWED_EXTENSIONS: [&str; 27] = [
    "ASICE", "BMP", "CSV", "DOC", "DOCX", "DOTX", "GIF", "JPEG", "JPG", "KEY", "NUMBERS", "ODS",
    "PAGES", "PDF", "PNG", "PPSX", "PPT", "PPTX", "RTF", "TIF", "TIFF", "TXT", "XLS", "XLSB",
    "XLSM", "XLSX", "XML",
];

/// Upload size cap of the sandbox (Oneflow's real limit is undocumented).
const MAX_FILE_BYTES: usize = 25 * 1024 * 1024;

/// File 1: the whole contract as PDF, generated from the current state.
fn contract_file(c: &Contract) -> StoredFile {
    // Oneflow keeps the contract's name; only a name without any ASCII letter or digit is
    // replaced by `<type>_<id>.<ext>`.
    let cleaned: String = c.name.chars().filter(|ch| !ch.is_control()).collect();
    let name = if cleaned.chars().any(|ch| ch.is_ascii_alphanumeric()) {
        format!("{}.pdf", cleaned.trim())
    } else {
        "contract_1.pdf".to_owned()
    };
    StoredFile {
        id: 1,
        name,
        extension: "pdf".to_owned(),
        kind: "contract",
        bytes: contract_pdf(c),
    }
}

fn contract_pdf(c: &Contract) -> Bytes {
    let mut lines = vec![
        format!("Contract {}: {}", c.id, c.name),
        format!("State: {}", c.state),
        format!("Created: {}", fmt_time(&c.created)),
    ];
    for party in &c.parties {
        for p in &party.participants {
            lines.push(format!(
                "{} ({}) - {}",
                p.name,
                party.name.as_deref().unwrap_or(""),
                p.sign_state
            ));
        }
    }
    minimal_pdf(&lines)
}

/// A small, structurally valid one-page PDF showing the given lines.
pub(super) fn minimal_pdf(lines: &[String]) -> Bytes {
    let escape = |s: &str| -> String {
        s.chars()
            .map(|ch| match ch {
                '(' | ')' | '\\' => format!("\\{ch}"),
                c if c.is_ascii() && !c.is_ascii_control() => c.to_string(),
                _ => "?".to_owned(),
            })
            .collect()
    };
    let mut content = String::from("BT /F1 12 Tf 72 770 Td 16 TL\n");
    for line in lines {
        content.push_str(&format!("({}) Tj T*\n", escape(line)));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_owned(),
        format!("<< /Length {} >>\nstream\n{}endstream", content.len(), content),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
    ];
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.push_str(&format!("{} 0 obj\n{}\nendobj\n", i + 1, body));
    }
    let xref = out.len();
    out.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for offset in offsets {
        out.push_str(&format!("{offset:010} 00000 n \n"));
    }
    out.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    Bytes::from(out)
}

fn all_files(c: &Contract) -> Vec<StoredFile> {
    let mut files = vec![contract_file(c)];
    files.extend(c.files.iter().map(|f| StoredFile {
        id: f.id,
        name: f.name.clone(),
        extension: f.extension.clone(),
        kind: f.kind,
        bytes: f.bytes.clone(),
    }));
    files
}

pub(super) async fn list(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let q = QueryParams::parse(raw.as_deref())?;
    s.read(|w| {
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        let items = all_files(c).iter().map(|f| w.render_file(id, f)).collect();
        paginate(&w.base, &format!("/contracts/{id}/files"), &q, items).map(Json)
    })
}

pub(super) async fn upload(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let mut multipart = multipart.map_err(|_| {
        Problem::bad_request(
            "The upload must be sent as multipart/form-data with the parts `file` and `upload_as`.",
        )
    })?;
    let mut upload_as: Option<String> = None;
    let mut file: Option<(String, Bytes)> = None;
    loop {
        let field = multipart
            .next_field()
            .await
            .map_err(|_| Problem::bad_request("The multipart body could not be read."))?;
        let Some(field) = field else { break };
        match field.name() {
            Some("upload_as") => {
                let text = field
                    .text()
                    .await
                    .map_err(|_| Problem::bad_param("upload_as", "could not be read"))?;
                upload_as = Some(text.trim().to_owned());
            }
            Some("file") => {
                let name = field.file_name().map(str::to_owned).unwrap_or_default();
                let bytes = field.bytes().await.map_err(|_| {
                    Problem::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("The file is larger than the sandbox's limit of {MAX_FILE_BYTES} bytes."),
                    )
                })?;
                file = Some((name, bytes));
            }
            _ => {}
        }
    }
    let upload_as = upload_as.ok_or_else(|| {
        Problem::bad_param("upload_as", "is required (`expanded_pdf` or `attachment`)")
    })?;
    let (name, bytes) = file.ok_or_else(|| Problem::bad_param("file", "is required"))?;
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("The file is larger than the sandbox's limit of {MAX_FILE_BYTES} bytes."),
        ));
    }
    if bytes.is_empty() {
        return Err(Problem::bad_param("file", "is empty"));
    }
    let extension = name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .filter(|ext| !ext.is_empty())
        .ok_or_else(|| {
            Problem::bad_param(
                "file",
                "the file name must carry an extension, e.g. offer.pdf",
            )
        })?;
    s.mutate(|w| {
        let c = w.contracts.get_mut(&id).ok_or_else(|| contract_not_found(id))?;
        if c.state != "draft" {
            return Err(Problem::conflict(format!(
                "Contract {id} is `{}`; files can only be uploaded to drafts.",
                c.state
            )));
        }
        let kind = match upload_as.as_str() {
            "expanded_pdf" => {
                if !c.options.pdf {
                    return Err(Problem::conflict(
                        "The contract's template has no PDF section, so it cannot receive an expanded PDF \
                         (available_options.can_receive_expanded_pdf is false).",
                    ));
                }
                if extension != "pdf" {
                    return Err(Problem::bad_param("file", "an expanded PDF must be a .pdf file"));
                }
                "pdf"
            }
            "attachment" => {
                if !c.options.attachments {
                    return Err(Problem::conflict(
                        "The contract's template has no attachments section, so it cannot receive attachments \
                         (available_options.can_receive_attachments is false).",
                    ));
                }
                let upper = extension.to_ascii_uppercase();
                if !ALLOWED_EXTENSIONS.contains(&upper.as_str()) {
                    return Err(Problem::bad_param(
                        "file",
                        format!("the extension `.{extension}` is not allowed for attachments (allowed: {})", ALLOWED_EXTENSIONS.join(", ")),
                    ));
                }
                "attachment"
            }
            other => {
                return Err(Problem::bad_param(
                    "upload_as",
                    format!("`{other}` is not one of `expanded_pdf`, `attachment`"),
                ))
            }
        };
        let stored_name = if name.chars().any(|ch| ch.is_ascii_alphanumeric()) {
            name.clone()
        } else {
            String::new()
        };
        let existing_pdf = if kind == "pdf" { c.files.iter().position(|f| f.kind == "pdf") } else { None };
        let file_id = match existing_pdf {
            Some(index) => c.files[index].id,
            None => c.files.iter().map(|f| f.id).max().unwrap_or(2).max(2) + 1,
        };
        let stored = StoredFile {
            id: file_id,
            name: if stored_name.is_empty() { format!("{kind}_{file_id}.{extension}") } else { stored_name },
            extension,
            kind,
            bytes,
        };
        match existing_pdf {
            Some(index) => c.files[index] = stored,
            None => c.files.push(stored),
        }
        c.touch();
        let c = &w.contracts[&id];
        let f = c.files.iter().find(|f| f.id == file_id).map(|f| w.render_file(id, f));
        Ok(Json(f.unwrap_or(Value::Null)))
    })
}

fn content_type(extension: &str) -> &'static str {
    match extension {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "txt" => "text/plain",
        "csv" => "text/csv",
        "xml" => "application/xml",
        "rtf" => "application/rtf",
        _ => "application/octet-stream",
    }
}

pub(super) async fn get_one(
    State(s): State<Arc<Shared>>,
    Path((id, file_id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let id = path_id(&id, "Contract")?;
    let file_id = path_id(&file_id, "File")?;
    let q = QueryParams::parse(raw.as_deref())?;
    let download = match q.get("download") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(Problem::bad_param("download", "must be `true` or `false`")),
    };
    s.mutate(|w| {
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        let file = all_files(c)
            .into_iter()
            .find(|f| f.id == file_id)
            .ok_or_else(|| {
                Problem::not_found(format!("File {file_id} was not found on contract {id}."))
            })?;
        if !download {
            return Ok(Json(w.render_file(id, &file)).into_response());
        }
        let location = presign(w, &file);
        let mut response = StatusCode::FOUND.into_response();
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        Ok(response)
    })
}

/// Store a snapshot of the file under a random key and return its absolute URL.
fn presign(w: &mut World, file: &StoredFile) -> String {
    let key = format!(
        "{:016x}{:016x}",
        rand::random::<u64>(),
        rand::random::<u64>()
    );
    w.downloads.insert(
        key.clone(),
        Download {
            name: file.name.clone(),
            content_type: content_type(&file.extension).to_owned(),
            bytes: file.bytes.clone(),
        },
    );
    let origin = w.base.strip_suffix("/v1").unwrap_or(&w.base);
    format!("{origin}/_downloads/{key}")
}

/// `GET /_downloads/{key}`: no token needed, like a presigned storage URL.
pub(super) async fn download(State(s): State<Arc<Shared>>, Path(key): Path<String>) -> Response {
    let found = s.read(|w| {
        w.downloads
            .get(&key)
            .map(|d| (d.name.clone(), d.content_type.clone(), d.bytes.clone()))
    });
    let Some((name, content_type, bytes)) = found else {
        return (
            StatusCode::NOT_FOUND,
            "The download link is unknown or has expired.",
        )
            .into_response();
    };
    let safe_name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::minimal_pdf;

    #[test]
    fn minimal_pdf_has_header_trailer_and_correct_xref_offset() {
        let pdf = minimal_pdf(&["Hello (world)".to_owned()]);
        let text = std::str::from_utf8(&pdf).expect("ascii");
        assert!(text.starts_with("%PDF-1.4\n"));
        assert!(text.ends_with("%%EOF\n"));
        let startxref: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|rest| rest.lines().next())
            .and_then(|n| n.parse().ok())
            .expect("startxref");
        assert!(text[startxref..].starts_with("xref"));
        assert!(text.contains("(Hello \\(world\\)) Tj"));
    }
}
