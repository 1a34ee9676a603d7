//! Companies: `GET /api/v1/Contact/{id}` and the OData lists `GET /api/v1/Contact`,
//! `GET /api/v1/Contact/{id}/Persons`.

use crate::api::require_id;
use crate::client::Client;
use crate::error::Result;
use crate::models::{ContactEntity, ContactId};
use crate::odata::{ODataList, ODataRow};
use crate::request::ApiRequest;

/// Handler for companies (contacts); see [`Client::contacts`].
#[derive(Debug, Clone)]
#[must_use]
pub struct ContactsHandler {
    client: Client,
}

impl Client {
    /// Companies (SuperOffice "contacts").
    pub fn contacts(&self) -> ContactsHandler {
        ContactsHandler {
            client: self.clone(),
        }
    }
}

impl ContactsHandler {
    /// `GET /api/v1/Contact/{id}`.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// use superoffice_client::models::ContactId;
    /// let company = client.contacts().get(ContactId(7)).await?;
    /// println!("{:?} {:?} {:?}", company.name, company.org_nr, company.country_code());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: ContactId) -> Result<ContactEntity> {
        let request = ApiRequest::get(
            "v1/Contact/{id}",
            ["v1", "Contact", &require_id("ContactId", id.0)?],
        );
        self.client.execute(request).await
    }

    /// The OData list `GET /api/v1/Contact` (columns such as `contactId`, `name`, `orgnr`).
    pub fn list(&self) -> ODataList<ODataRow> {
        ODataList::new(
            self.client.clone(),
            "v1/Contact",
            vec!["v1".into(), "Contact".into()],
        )
    }

    /// The OData list of a company's persons, `GET /api/v1/Contact/{id}/Persons` (columns
    /// such as `personId`, `fullName`, `email`). A non-positive id is refused when the request is built.
    pub fn persons(&self, id: ContactId) -> ODataList<ODataRow> {
        let list = ODataList::new(
            self.client.clone(),
            "v1/Contact/{id}/Persons",
            vec![
                "v1".into(),
                "Contact".into(),
                id.0.to_string(),
                "Persons".into(),
            ],
        );
        match require_id("ContactId", id.0) {
            Ok(_) => list,
            Err(e) => list.invalid(e),
        }
    }
}
