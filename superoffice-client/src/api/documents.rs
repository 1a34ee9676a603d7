//! Documents: `POST /api/v1/Document` (the record), `PUT /api/v1/Document/{id}/Content` (the
//! file), `GET …/Content`. To archive a signed contract on a Sale: create the record with
//! [`DocumentEntity::on_sale`], then upload the PDF (docs: "Generate a document", REST tab).

use bytes::Bytes;
use http::Method;

use crate::api::require_id;
use crate::client::Client;
use crate::error::{InvalidInput, Result};
use crate::models::{DocumentEntity, DocumentId};
use crate::request::ApiRequest;

/// Media type of uploaded content (listed by the Swagger for `PUT …/Content`).
pub const OCTET_STREAM: &str = "application/octet-stream";

/// Handler for documents; see [`Client::documents`].
#[derive(Debug, Clone)]
#[must_use]
pub struct DocumentsHandler {
    client: Client,
}

impl Client {
    /// Document records and their content.
    pub fn documents(&self) -> DocumentsHandler {
        DocumentsHandler {
            client: self.clone(),
        }
    }
}

impl DocumentsHandler {
    /// `GET /api/v1/Document/default`: a new document with the tenant's defaults.
    pub async fn default_document(&self) -> Result<DocumentEntity> {
        let request = ApiRequest::get("v1/Document/default", ["v1", "Document", "default"]);
        self.client.execute(request).await
    }

    /// Create the document record, `POST /api/v1/Document`. Never retried automatically.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client, pdf: Vec<u8>) -> superoffice_client::Result<()> {
    /// use superoffice_client::models::{ContactId, DocumentEntity, PersonId, SaleId};
    ///
    /// let record = DocumentEntity::new("Signed contract", "contract-42.pdf", 3)
    ///     .on_sale(SaleId(42), ContactId(7), Some(PersonId(8)));
    /// let created = client.documents().create(&record).await?;
    /// client.documents().upload_content(created.document_id, pdf).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn create(&self, document: &DocumentEntity) -> Result<DocumentEntity> {
        self.client.execute(create_request(document)?).await
    }

    /// `GET /api/v1/Document/{id}`.
    pub async fn get(&self, id: DocumentId) -> Result<DocumentEntity> {
        let request = ApiRequest::get(
            "v1/Document/{id}",
            ["v1", "Document", &require_id("DocumentId", id.0)?],
        );
        self.client.execute(request).await
    }

    /// Store the document's content, `PUT /api/v1/Document/{id}/Content` with the raw bytes
    /// (`application/octet-stream`). Replaces any earlier content.
    pub async fn upload_content(&self, id: DocumentId, content: impl Into<Bytes>) -> Result<()> {
        self.client
            .execute_empty(upload_content_request(id, content)?)
            .await
    }

    /// The document's content, `GET /api/v1/Document/{id}/Content`.
    pub async fn content(&self, id: DocumentId) -> Result<Bytes> {
        let request = content_request(Method::GET, id)?;
        Ok(self.client.send(request).await?.body)
    }
}

fn content_request(method: Method, id: DocumentId) -> Result<ApiRequest> {
    Ok(ApiRequest::new(
        method,
        "v1/Document/{id}/Content",
        [
            "v1",
            "Document",
            &require_id("DocumentId", id.0)?,
            "Content",
        ],
    ))
}

/// The request of [`DocumentsHandler::upload_content`]; refuses empty content.
pub fn upload_content_request(id: DocumentId, content: impl Into<Bytes>) -> Result<ApiRequest> {
    let content = content.into();
    if content.is_empty() {
        return Err(InvalidInput::BlankField {
            field: "document content",
        }
        .into());
    }
    Ok(content_request(Method::PUT, id)?.bytes(OCTET_STREAM, content))
}

/// The request of [`DocumentsHandler::create`], checked locally: no id yet, a `Header`, a plain
/// file `Name` and a document template.
pub fn create_request(document: &DocumentEntity) -> Result<ApiRequest> {
    if document.document_id.0 != 0 {
        return Err(InvalidInput::IdOnCreate {
            field: "DocumentId",
        }
        .into());
    }
    if document
        .header
        .as_deref()
        .is_none_or(|h| h.trim().is_empty())
    {
        return Err(InvalidInput::BlankField { field: "Header" }.into());
    }
    let name = document.name.as_deref().unwrap_or("");
    if name.trim().is_empty() || name.contains(['/', '\\']) || name.chars().any(char::is_control) {
        return Err(InvalidInput::DocumentFileName.into());
    }
    if document
        .document_template
        .as_ref()
        .is_none_or(|t| t.document_template_id <= 0)
    {
        return Err(InvalidInput::DocumentTemplateMissing.into());
    }
    ApiRequest::new(Method::POST, "v1/Document", ["v1", "Document"]).json(document)
}
