//! Persons: `GET /api/v1/Person/{id}` and the OData list `GET /api/v1/Person`.

use crate::api::require_id;
use crate::client::Client;
use crate::error::Result;
use crate::models::{ContactId, PersonEntity, PersonId};
use crate::odata::{Filter, ODataList, ODataRow};
use crate::request::ApiRequest;

/// Handler for persons; see [`Client::persons`].
#[derive(Debug, Clone)]
#[must_use]
pub struct PersonsHandler {
    client: Client,
}

impl Client {
    /// Persons (people at companies).
    pub fn persons(&self) -> PersonsHandler {
        PersonsHandler {
            client: self.clone(),
        }
    }
}

impl PersonsHandler {
    /// `GET /api/v1/Person/{id}`.
    ///
    /// ```no_run
    /// # async fn run(client: superoffice_client::Client) -> superoffice_client::Result<()> {
    /// use superoffice_client::models::PersonId;
    /// let person = client.persons().get(PersonId(8)).await?;
    /// println!("{} <{:?}>", person.display_name(), person.primary_email());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get(&self, id: PersonId) -> Result<PersonEntity> {
        let request = ApiRequest::get(
            "v1/Person/{id}",
            ["v1", "Person", &require_id("PersonId", id.0)?],
        );
        self.client.execute(request).await
    }

    /// The OData list `GET /api/v1/Person`.
    pub fn list(&self) -> ODataList<ODataRow> {
        ODataList::new(
            self.client.clone(),
            "v1/Person",
            vec!["v1".into(), "Person".into()],
        )
    }

    /// Persons of one company: `GET /api/v1/Person?$filter=contactId eq {id}` with the usual
    /// columns of the `Person` archive provider (`personId`, `firstName`, `lastName`,
    /// `fullName`, `email/emailAddress`, `title`).
    pub fn of_contact(&self, contact: ContactId) -> ODataList<ODataRow> {
        let list = match require_id("ContactId", contact.0) {
            Ok(_) => self.list(),
            Err(e) => self.list().invalid(e),
        };
        list.select([
            "personId",
            "firstName",
            "middleName",
            "lastName",
            "fullName",
            "email/emailAddress",
            "title",
            "contactId",
        ])
        .filter(Filter::eq("contactId", i64::from(contact.0)))
    }
}
