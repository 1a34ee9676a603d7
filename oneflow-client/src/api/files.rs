//! Contract files: list, upload (multipart), download (stream, following the 302).

use std::fmt;

use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt, TryStreamExt};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};

use crate::client::Client;
use crate::error::{Error, InvalidInput, Result, TemplateSection};
use crate::models::{
    Contract, ContractFile, ContractId, FileId, UploadKind, ATTACHMENT_EXTENSIONS,
};
use crate::request::{ApiRequest, MultipartFile};
use crate::stream::ItemStream;

/// File endpoints; from [`Client::files`].
#[derive(Debug, Clone)]
#[must_use]
pub struct FilesHandler {
    client: Client,
}

impl Client {
    /// File endpoints.
    pub fn files(&self) -> FilesHandler {
        FilesHandler {
            client: self.clone(),
        }
    }
}

/// `Accept` of a file download.
const DOWNLOAD_ACCEPT: &str = "application/octet-stream, binary/octet-stream, */*";

/// A file to upload to a contract.
#[derive(Clone)]
#[must_use]
pub struct FileUpload {
    file_name: String,
    data: Bytes,
    kind: UploadKind,
    content_type: Option<String>,
}

impl fmt::Debug for FileUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileUpload")
            .field("file_name", &self.file_name)
            .field("kind", &self.kind)
            .field("content_type", &self.content_type)
            .field("len", &self.data.len())
            .finish()
    }
}

impl FileUpload {
    /// A PDF shown inline as the contract's "PDF document" section (replaces an earlier one).
    pub fn expanded_pdf(file_name: impl Into<String>, data: impl Into<Bytes>) -> Self {
        Self::new(UploadKind::ExpandedPdf, file_name, data)
    }

    /// A file shown in the contract's "Attachments" section.
    pub fn attachment(file_name: impl Into<String>, data: impl Into<Bytes>) -> Self {
        Self::new(UploadKind::Attachment, file_name, data)
    }

    /// An upload of the given kind. The file name must carry its extension.
    pub fn new(kind: UploadKind, file_name: impl Into<String>, data: impl Into<Bytes>) -> Self {
        FileUpload {
            file_name: file_name.into(),
            data: data.into(),
            kind,
            content_type: None,
        }
    }

    /// Overrides the MIME type (default: from the extension).
    pub fn content_type(mut self, mime: impl Into<String>) -> Self {
        self.content_type = Some(mime.into());
        self
    }

    /// The upload kind.
    pub fn kind(&self) -> UploadKind {
        self.kind
    }

    /// The lower-case extension of the file name ("" if none).
    pub fn extension(&self) -> String {
        match self.file_name.rsplit_once('.') {
            Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
            _ => String::new(),
        }
    }

    /// Checks the upload against what the contract's template accepts, without sending
    /// anything: the template section (`available_options`) and the file extension.
    pub fn check_against(&self, contract: &Contract) -> Result<(), InvalidInput> {
        let options = &contract.available_options;
        match self.kind {
            UploadKind::ExpandedPdf if !options.can_receive_expanded_pdf => {
                return Err(InvalidInput::TemplateLacksSection {
                    section: TemplateSection::PdfDocument,
                });
            }
            UploadKind::Attachment if !options.can_receive_attachments => {
                return Err(InvalidInput::TemplateLacksSection {
                    section: TemplateSection::Attachments,
                });
            }
            _ => {}
        }
        let ext = self.extension();
        let ok = match self.kind {
            UploadKind::ExpandedPdf => ext == "pdf",
            UploadKind::Attachment => ATTACHMENT_EXTENSIONS.contains(&ext.as_str()),
        };
        if !ok {
            return Err(InvalidInput::UnsupportedFileExtension {
                extension: ext,
                upload_as: self.kind.as_str(),
            });
        }
        if self.data.is_empty() {
            return Err(InvalidInput::Missing {
                field: "file contents",
            });
        }
        if let Some(m) = &self.content_type {
            if m.parse::<mime::Mime>().is_err() {
                return Err(InvalidInput::Invalid {
                    field: "file content type",
                    reason: "not a MIME type",
                });
            }
        }
        Ok(())
    }

    fn mime(&self) -> String {
        if let Some(m) = &self.content_type {
            return m.clone();
        }
        let m = match self.extension().as_str() {
            "pdf" => "application/pdf",
            "png" => "image/png",
            "jpg" | "jpeg" => "image/jpeg",
            "gif" => "image/gif",
            "txt" => "text/plain",
            "csv" => "text/csv",
            "xml" => "application/xml",
            "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            _ => mime::APPLICATION_OCTET_STREAM.as_ref(),
        };
        m.to_owned()
    }
}

/// Builds the upload request after checking it against the contract.
pub(crate) fn upload_request(contract: &Contract, upload: &FileUpload) -> Result<ApiRequest> {
    upload.check_against(contract)?;
    let id = contract.id;
    Ok(ApiRequest::post(
        "contracts/{id}/files",
        ["contracts", &id.to_string(), "files"],
    )
    .multipart(MultipartFile {
        file_name: upload.file_name.clone(),
        content_type: upload.mime(),
        upload_as: upload.kind,
        data: upload.data.clone(),
    }))
}

/// A file being downloaded: metadata plus a byte stream.
pub struct FileDownload {
    content_type: Option<String>,
    content_length: Option<u64>,
    content_disposition: Option<String>,
    body: BoxStream<'static, Result<Bytes>>,
}

impl fmt::Debug for FileDownload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileDownload")
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}

impl FileDownload {
    /// The `Content-Type` of the file.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The size, if announced.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The raw `Content-Disposition` header (carries the file name), if sent.
    pub fn content_disposition(&self) -> Option<&str> {
        self.content_disposition.as_deref()
    }

    /// The body as a stream of chunks.
    pub fn into_stream(self) -> ItemStream<Bytes> {
        ItemStream::new(self.body)
    }

    /// Reads the whole file into memory.
    pub async fn bytes(self) -> Result<Bytes> {
        let chunks: Vec<Bytes> = self.body.try_collect().await?;
        Ok(chunks.concat().into())
    }
}

impl FilesHandler {
    /// Files of a contract (the contract PDF is always id 1).
    pub async fn list(&self, contract: ContractId) -> Result<Vec<ContractFile>> {
        self.client
            .collect_all(ApiRequest::get(
                "contracts/{id}/files",
                ["contracts", &contract.to_string(), "files"],
            ))
            .await
    }

    /// Uploads a file to a contract you already fetched. The template section and the file
    /// extension are checked **locally first** (nothing is sent if the contract cannot take
    /// the file). Never retried automatically.
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use oneflow_client::api::files::FileUpload;
    /// use oneflow_client::models::ContractId;
    ///
    /// let contract = client.contracts().get(ContractId(101)).await?;
    /// let pdf = std::fs::read("offer.pdf").expect("file");
    /// match client.files().upload(&contract, FileUpload::expanded_pdf("offer.pdf", pdf)).await {
    ///     Ok(file) => println!("uploaded file {}", file.id),
    ///     Err(e) if e.invalid_input().is_some() => eprintln!("refused locally: {e}"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn upload(&self, contract: &Contract, upload: FileUpload) -> Result<ContractFile> {
        self.client
            .execute(upload_request(contract, &upload)?)
            .await
    }

    /// Fetches the contract, then [`upload`](Self::upload)s to it.
    pub async fn upload_to(
        &self,
        contract: ContractId,
        upload: FileUpload,
    ) -> Result<ContractFile> {
        let contract = self.client.contracts().get(contract).await?;
        self.upload(&contract, upload).await
    }

    /// Downloads a file as a stream (`GET /contracts/{id}/files/{file_id}?download=true`).
    /// Oneflow may answer with a 302 to storage on another host: the redirect is followed,
    /// and the API token and acting-user headers are **not** sent to another host.
    ///
    /// ```no_run
    /// # async fn run(client: oneflow_client::Client) -> Result<(), oneflow_client::Error> {
    /// use futures::TryStreamExt;
    /// use oneflow_client::models::{ContractId, FileId};
    /// let download = client.files().download(ContractId(101), FileId(1)).await?;
    /// let mut stream = download.into_stream();
    /// while let Some(chunk) = stream.try_next().await? {
    ///     // write chunk somewhere
    ///     # let _ = chunk;
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn download(&self, contract: ContractId, file: FileId) -> Result<FileDownload> {
        let req = ApiRequest::get(
            "contracts/{id}/files/{file_id}",
            [
                "contracts",
                &contract.to_string(),
                "files",
                &file.to_string(),
            ],
        )
        .query("download", "true")
        // Binary content, not JSON: Oneflow's own connector sends `binary/octet-stream`.
        .accept(DOWNLOAD_ACCEPT);
        let response = self.client.send_following_redirects(&req).await?;
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(CONTENT_TYPE);
        let content_disposition = header(CONTENT_DISPOSITION);
        let content_length = header(CONTENT_LENGTH).and_then(|v| v.parse().ok());
        let body = response
            .bytes_stream()
            // The URL may be a pre-signed storage link (a credential): keep it out of errors.
            .map(|r| r.map_err(|e| Error::Transport(e.without_url())))
            .boxed();
        Ok(FileDownload {
            content_type,
            content_length,
            content_disposition,
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contract(pdf: bool, attachments: bool) -> Contract {
        serde_json::from_value(serde_json::json!({
            "id": 7, "state": "draft",
            "available_options": {"can_receive_expanded_pdf": pdf, "can_receive_attachments": attachments}
        }))
        .unwrap()
    }

    #[test]
    fn upload_request_is_multipart_data() {
        let req = upload_request(
            &contract(true, true),
            &FileUpload::expanded_pdf("Offer.PDF", &b"%PDF"[..]),
        )
        .unwrap();
        assert_eq!(req.path(), "contracts/7/files");
        assert!(!req.is_idempotent());
        match req.body() {
            crate::request::RequestBody::Multipart(f) => {
                assert_eq!(f.upload_as, UploadKind::ExpandedPdf);
                assert_eq!(f.file_name, "Offer.PDF");
                assert_eq!(f.content_type, "application/pdf");
            }
            other => panic!("expected multipart, got {other:?}"),
        }
    }

    #[test]
    fn checks_name_the_missing_section() {
        let err = FileUpload::attachment("a.csv", &b"x"[..])
            .check_against(&contract(true, false))
            .unwrap_err();
        assert_eq!(
            err,
            InvalidInput::TemplateLacksSection {
                section: TemplateSection::Attachments
            }
        );
        let err = FileUpload::expanded_pdf("a.pdf", Bytes::new())
            .check_against(&contract(true, false))
            .unwrap_err();
        assert_eq!(
            err,
            InvalidInput::Missing {
                field: "file contents"
            }
        );
        assert!(FileUpload::attachment("a.XLSX", &b"x"[..])
            .check_against(&contract(false, true))
            .is_ok());
    }
}
