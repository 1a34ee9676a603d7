//! `DocumentEntity`: a document record (`/api/v1/Document`), e.g. a signed contract PDF
//! archived on a Sale. The record is created first; its content is uploaded separately
//! (`PUT /api/v1/Document/{id}/Content`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::models::common::{Associate, Contact, Person};
use crate::models::date::SoDateTime;
use crate::models::ids::{ContactId, DocumentId, PersonId, SaleId};

/// The document template (document type) of a document: Swagger definition
/// `DocumentTemplate` (MDO list `doctmpl`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct DocumentTemplateRef {
    /// `DocumentTemplateId`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub document_template_id: i32,
    /// `Name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The Sale a document belongs to: Swagger definition `Sale` (a carrier).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct SaleCarrier {
    /// `SaleId`.
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub sale_id: SaleId,
    /// `Heading`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading: Option<String>,
    /// Fields this crate does not model.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A document: Swagger definition `DocumentEntity` (file
/// `api-sources/openapi/rest/Swagger-v1-Document.json` of the SuperOffice docs).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct DocumentEntity {
    /// `DocumentId` (0 before creation).
    #[serde(default, deserialize_with = "crate::models::de::null_default")]
    pub document_id: DocumentId,
    /// Visible document name (`Header`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// File name, e.g. `contract.pdf` (`Name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `Description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `OurRef`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub our_ref: Option<String>,
    /// `YourRef`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub your_ref: Option<String>,
    /// Document type (`DocumentTemplate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_template: Option<DocumentTemplateRef>,
    /// Company (`Contact`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Contact>,
    /// Person (`Person`), a contact person of [`contact`](Self::contact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Person>,
    /// The Sale it is archived on (`Sale`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale: Option<SaleCarrier>,
    /// Owner (`Associate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associate: Option<Associate>,
    /// `CreatedDate`.
    #[serde(
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_date: Option<SoDateTime>,
    /// `UpdatedDate`.
    #[serde(
        default,
        with = "crate::models::date::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_date: Option<SoDateTime>,
    /// Fields this crate does not model, kept so a GET → PUT round trip loses nothing.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl DocumentEntity {
    /// A new document record (no id yet): visible `header`, file name `file_name` and
    /// document template `template_id`. Link it with [`on_sale`](Self::on_sale).
    pub fn new(header: impl Into<String>, file_name: impl Into<String>, template_id: i32) -> Self {
        DocumentEntity {
            header: Some(header.into()),
            name: Some(file_name.into()),
            document_template: Some(DocumentTemplateRef {
                document_template_id: template_id,
                ..DocumentTemplateRef::default()
            }),
            ..DocumentEntity::default()
        }
    }

    /// Archive the document on a Sale (and its company and person, as the Sale has them).
    pub fn on_sale(mut self, sale: SaleId, contact: ContactId, person: Option<PersonId>) -> Self {
        self.sale = Some(SaleCarrier {
            sale_id: sale,
            ..SaleCarrier::default()
        });
        self.contact = Some(Contact {
            contact_id: contact,
            ..Contact::default()
        });
        self.person = person.map(|person_id| Person {
            person_id,
            ..Person::default()
        });
        self
    }
}
