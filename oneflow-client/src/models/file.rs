//! Files on a contract.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{FileId, FileType, Links};

/// A file on a contract (`GET /contracts/{id}/files`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContractFile {
    /// File id (the contract PDF is always 1).
    pub id: FileId,
    /// File name.
    #[serde(default)]
    pub name: Option<String>,
    /// Extension, e.g. `pdf`.
    #[serde(default)]
    pub extension: Option<String>,
    /// Kind of file.
    #[serde(default, rename = "type")]
    pub file_type: Option<FileType>,
    /// Links.
    #[serde(
        default,
        rename = "_links",
        deserialize_with = "super::common::null_as_default"
    )]
    pub links: Links,
}

/// How an uploaded file is shown on the contract (`upload_as`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum UploadKind {
    /// Inline as the contract's "PDF document" section (PDF only; overwrites a previous one).
    ExpandedPdf,
    /// As a clickable attachment in the "Attachments" section.
    Attachment,
}

impl UploadKind {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadKind::ExpandedPdf => "expanded_pdf",
            UploadKind::Attachment => "attachment",
        }
    }
}

impl fmt::Display for UploadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// File extensions Oneflow accepts for attachments (lower case).
pub const ATTACHMENT_EXTENSIONS: &[&str] = &[
    "asice", "bmp", "csv", "doc", "docx", "dotx", "gif", "jpeg", "jpg", "key", "numbers", "ods",
    "pages", "pdf", "png", "ppsx", "ppt", "pptx", "rtf", "tif", "tiff", "txt", "xls", "xlsb",
    "xlsm", "xlsx", "xml",
];
