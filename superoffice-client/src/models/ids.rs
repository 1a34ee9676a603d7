//! Id newtypes. SuperOffice ids are 32-bit integers; 0 means "none".

use crate::models::macros::id_newtype;

id_newtype!(
    /// A Sale id (`SaleId`).
    SaleId
);
id_newtype!(
    /// A company id (`ContactId`).
    ContactId
);
id_newtype!(
    /// A person id (`PersonId`).
    PersonId
);
id_newtype!(
    /// A user id (`AssociateId`).
    AssociateId
);
id_newtype!(
    /// A country id (`CountryId`).
    CountryId
);
id_newtype!(
    /// A web panel id (`WebPanelId`).
    WebPanelId
);
id_newtype!(
    /// A webhook id (`WebhookId`).
    WebhookId
);
id_newtype!(
    /// A document id (`DocumentId`).
    DocumentId
);
