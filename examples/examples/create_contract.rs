//! Recipe: a Oneflow contract from a SuperOffice Sale, with the two clients only.
//!
//! ```sh
//! cargo run -p examples --example create_contract            # Sale 101 in the sandboxes
//! cargo run -p examples --example create_contract -- 4711    # another Sale id
//! ```
//!
//! Steps: read the Sale, its company and its person from SuperOffice; pick a template of the
//! "SuperOffice" template type that takes a PDF (from `contract_create_data`, so only
//! templates the acting user may use); build the draft (the company as the counterparty, the
//! person as its signatory, the link data fields); create it; upload the PDF; publish.
//!
//! Without environment variables it runs against both sandboxes started in this process;
//! set the variables listed in `examples/src/recipes.rs` to use real services. The template
//! type must then define the data fields `superoffice_sale_id`, `superoffice_company_id` and
//! `superoffice_sale_heading` (Oneflow refuses unknown ones).
//! `integration-core` does all of this (and remembers the request) for a real host; this
//! recipe shows the bare API calls.

use examples::recipes::{RecipeError, Services, Target};
use oneflow_client::api::files::FileUpload;
use oneflow_client::models::draft::{
    CompanyPartyDraft, ContractDraft, ParticipantDraft, ParticipantRole, PublishMessage,
};
use oneflow_client::models::{Contract, ContractFile, DeliveryChannel};
use superoffice_client::models::SaleId;

/// The data fields that link the contract back to the Sale (custom ids of the template
/// type's data fields).
pub(crate) const SALE_ID_FIELD: &str = "superoffice_sale_id";
pub(crate) const COMPANY_ID_FIELD: &str = "superoffice_company_id";
pub(crate) const HEADING_FIELD: &str = "superoffice_sale_heading";

/// What the recipe made.
#[derive(Debug)]
pub(crate) struct Created {
    /// The contract as Oneflow returned it after publishing.
    pub(crate) contract: Contract,
    /// The uploaded PDF.
    pub(crate) file: ContractFile,
}

/// Creates, fills and publishes a contract for `sale_id`, with `pdf` as its document.
pub(crate) async fn run(
    services: &Services,
    sale_id: SaleId,
    pdf: Vec<u8>,
) -> Result<Created, RecipeError> {
    let so = &services.superoffice;

    // 1. The Sale, its company ("contact" in SuperOffice) and its person.
    let sale = so.sales().get(sale_id).await?;
    let heading = sale.heading.clone().unwrap_or_default();
    let company_id = sale.contact_id().ok_or_else(|| {
        RecipeError::Precondition(format!(
            "Sale {sale_id} has no company; set one in SuperOffice"
        ))
    })?;
    let person_id = sale.person_id().ok_or_else(|| {
        RecipeError::Precondition(format!(
            "Sale {sale_id} has no person; set one in SuperOffice"
        ))
    })?;
    let company = so.contacts().get(company_id).await?;
    let person = so.persons().get(person_id).await?;
    let email = person.primary_email().ok_or_else(|| {
        RecipeError::Precondition(format!(
            "{} has no e-mail address; Oneflow sends the invitation by e-mail",
            person.display_name()
        ))
    })?;

    // 2. A template the acting user may use: `contract_create_data` lists, per workspace, the
    //    active templates this user may create contracts from; keep the SuperOffice type's
    //    templates that have a PDF section.
    let workspaces = services
        .oneflow
        .helpers()
        .contract_create_data()
        .extension_type("superoffice")
        .send()
        .await?;
    let (workspace_id, template) = workspaces
        .iter()
        .flat_map(|w| w.templates.iter().map(move |t| (w.id, t)))
        .find(|(_, t)| t.available_options.can_receive_expanded_pdf)
        .ok_or_else(|| {
            RecipeError::Precondition(format!(
                "{} may use no \"SuperOffice\" template with a PDF section",
                services.user_email
            ))
        })?;

    // 3. The draft: company party with the person as signatory, and the link data fields.
    //    `create` validates it locally first (lengths, delivery channel, …).
    let mut party = CompanyPartyDraft::new(company.name.clone().unwrap_or_default()).participant(
        ParticipantDraft::new(person.display_name())
            .email(email)
            .delivery_channel(DeliveryChannel::Email)
            .role(ParticipantRole::Signatory),
    );
    if let Some(country) = company.country_code() {
        party = party.country_code(country);
    }
    if let Some(org_nr) = company.org_nr.as_deref().filter(|n| !n.is_empty()) {
        party = party.identification_number(org_nr);
    }
    let draft = ContractDraft::new(workspace_id, template.id)
        .name(heading.clone())
        .party(party)
        .data_field(SALE_ID_FIELD, sale_id.to_string())
        .data_field(COMPANY_ID_FIELD, company_id.to_string())
        .data_field(HEADING_FIELD, heading);
    let contract = services.oneflow.contracts().create(&draft).await?;

    // 4. The PDF: `upload` checks the template's sections locally before sending.
    let file = services
        .oneflow
        .files()
        .upload(&contract, FileUpload::expanded_pdf("offer.pdf", pdf))
        .await?;

    // 5. Publish: every participant gets the invitation.
    let message = PublishMessage::new("Your contract", "Please review and sign.");
    let contract = services
        .oneflow
        .contracts()
        .publish(contract.id, &message)
        .await?;
    Ok(Created { contract, file })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = Target::from_env_or_sandboxes().await?;
    let sale_id = match std::env::args().nth(1) {
        Some(arg) => SaleId(arg.parse().map_err(|_| format!("not a Sale id: {arg:?}"))?),
        // The sandbox's open Sale "Fleet tracking licence" (Fjord Shipping ASA, Kari Nordmann).
        None if target.sandboxes.is_some() => {
            SaleId(superoffice_sandbox::default_seed::OPEN_SALE_ID)
        }
        None => return Err("pass the id of a Sale with a company and a person".into()),
    };
    println!("{}", target.describe());
    let pdf = format!("%PDF-1.4\n% Offer for Sale {sale_id}\n%%EOF\n").into_bytes();
    let created = run(&target.services, sale_id, pdf).await?;
    println!(
        "contract {} {:?} is {}; PDF uploaded as file {} ({:?})",
        created.contract.id,
        created.contract.name().unwrap_or_default(),
        created.contract.state,
        created.file.id,
        created.file.name.as_deref().unwrap_or_default(),
    );
    Ok(())
}
