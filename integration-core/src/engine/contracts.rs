//! Templates for a user and idempotent contract creation from a Sale.

use futures::TryStreamExt;
use oneflow_client::api::files::FileUpload;
use oneflow_client::models::draft::{
    CompanyPartyDraft, ContractDraft, MyPartyDraft, ParticipantDraft, PublishMessage,
    MAX_CONTRACT_NAME_LEN,
};
use oneflow_client::models::{ContractId, DeliveryChannel, TemplateId, WorkspaceId};
use superoffice_client::models::{SaleEntity, SaleId};

use super::{EngineError, Integration};
use crate::policy::template_filter::{
    TemplateCandidate, TemplateTypeInfo, SUPEROFFICE_EXTENSION_TYPE,
};
use crate::store::{ClaimOutcome, InstallationId, NewAuditEntry, SaleContractLink};

/// A template a user may create a contract from, with the workspace it is offered in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TemplateOption {
    /// The workspace.
    pub workspace_id: i64,
    /// The workspace's name.
    pub workspace_name: Option<String>,
    /// The template.
    pub template: TemplateCandidate,
}

/// What the user chose in the panel.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ContractChoices {
    /// Contract name (default: the Sale heading cut to 130 characters).
    pub name: Option<String>,
    /// Workspace.
    pub workspace_id: i64,
    /// Template.
    pub template_id: i64,
    /// Files to upload (a PDF for a "PDF document" section, others as attachments).
    pub files: Vec<FileUpload>,
    /// `None`: keep the contract as a draft; otherwise publish with this subject and message.
    pub publish: Option<(String, String)>,
}

impl ContractChoices {
    /// A draft from this template in this workspace, without files.
    pub fn new(workspace_id: i64, template_id: i64) -> Self {
        Self {
            name: None,
            workspace_id,
            template_id,
            files: Vec::new(),
            publish: None,
        }
    }

    /// Names the contract.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Adds a file.
    #[must_use]
    pub fn file(mut self, file: FileUpload) -> Self {
        self.files.push(file);
        self
    }

    /// Publishes (sends for signing) with this subject and message.
    #[must_use]
    pub fn publish(mut self, subject: impl Into<String>, message: impl Into<String>) -> Self {
        self.publish = Some((subject.into(), message.into()));
        self
    }
}

/// The contract a request produced.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreatedContract {
    /// Oneflow contract id.
    pub contract_id: i64,
    /// The Sale.
    pub sale_id: i64,
    /// True when the request key had produced it before (a retry or double submit).
    pub existing: bool,
}

impl Integration {
    /// The templates `user_email` may create contracts from: Oneflow's
    /// `contract_create_data` as that user (only workspaces where the user may create), kept
    /// by the [`TemplateFilter`](crate::policy::template_filter::TemplateFilter).
    pub async fn templates_for(
        &self,
        installation: InstallationId,
        user_email: &str,
    ) -> Result<Vec<TemplateOption>, EngineError> {
        let oneflow = self.oneflow(installation).await?.as_user(user_email.trim());
        let workspaces = oneflow
            .helpers()
            .contract_create_data()
            .extension_type(SUPEROFFICE_EXTENSION_TYPE)
            .send()
            .await?;
        let mut options = Vec::new();
        for workspace in workspaces {
            let candidates: Vec<TemplateCandidate> = workspace
                .templates
                .iter()
                .map(|t| TemplateCandidate {
                    id: t.id.get(),
                    name: t.name.clone().unwrap_or_default(),
                    // `contract_create_data` lists only templates that can create contracts.
                    active: true,
                    template_type: t.template_type.as_ref().map(|ty| TemplateTypeInfo {
                        id: ty.id.get(),
                        name: ty.name.clone().unwrap_or_default(),
                        extension_type: ty.extension_type.clone(),
                    }),
                    workspace_id: Some(workspace.id.get()),
                    has_pdf_section: t.available_options.can_receive_expanded_pdf,
                    has_attachments_section: t.available_options.can_receive_attachments,
                })
                .collect();
            for template in self.inner.template_filter.filter(candidates) {
                options.push(TemplateOption {
                    workspace_id: workspace.id.get(),
                    workspace_name: workspace.name.clone(),
                    template,
                });
            }
        }
        Ok(options)
    }

    /// The validated contract draft for a Sale, without creating anything.
    pub async fn preview_contract(
        &self,
        installation: InstallationId,
        user_email: &str,
        sale_id: i64,
        choices: &ContractChoices,
        request_key: &str,
    ) -> Result<ContractDraft, EngineError> {
        let so = self.superoffice(installation).await?;
        let sale = so.sales().get(sale_key(sale_id)?).await?;
        self.draft_for(installation, &so, &sale, user_email, choices, request_key)
            .await
    }

    async fn draft_for(
        &self,
        installation: InstallationId,
        so: &superoffice_client::Client,
        sale: &SaleEntity,
        user_email: &str,
        choices: &ContractChoices,
        request_key: &str,
    ) -> Result<ContractDraft, EngineError> {
        let tenant = self
            .installation(installation)
            .await?
            .tenant
            .ok_or(EngineError::NotConnected(installation))?;
        let fields = &self.inner.config.link_fields;
        let contact_id = sale.contact_id().ok_or_else(|| {
            EngineError::InvalidInput(format!(
                "Sale {} has no company; add one in SuperOffice before creating a contract",
                sale.sale_id.0
            ))
        })?;
        let company = so.contacts().get(contact_id).await?;
        let mut party = CompanyPartyDraft::new(company.name.clone().unwrap_or_default());
        if let Some(org_nr) = company.org_nr.as_deref().filter(|s| !s.trim().is_empty()) {
            party = party.identification_number(org_nr);
        }
        if let Some(cc) = company.country_code() {
            party = party.country_code(cc);
        }
        if let Some(person_id) = sale.person_id() {
            let person = so.persons().get(person_id).await?;
            if let Some(email) = person.primary_email() {
                party = party.participant(
                    ParticipantDraft::new(person.display_name())
                        .email(email)
                        .delivery_channel(DeliveryChannel::Email)
                        .signatory(true),
                );
            }
        }
        let heading = sale.heading.clone().unwrap_or_default();
        let name = choices
            .name
            .clone()
            .unwrap_or(heading)
            .chars()
            .take(MAX_CONTRACT_NAME_LEN)
            .collect::<String>();
        let draft = ContractDraft::new(
            WorkspaceId::from(choices.workspace_id),
            TemplateId::from(choices.template_id),
        )
        .name(name)
        .party(party)
        .my_party(MyPartyDraft::new().participant(ParticipantDraft::user(user_email.trim())))
        .data_field(fields.tenant.clone(), tenant)
        .data_field(fields.sale_id.clone(), sale.sale_id.0.to_string())
        .data_field(fields.request_key.clone(), request_key.to_owned());
        draft
            .validate()
            .map_err(|e| EngineError::Oneflow(e.into()))?;
        Ok(draft)
    }

    /// Creates a contract from a Sale as `user_email`, once per `request_key`: a retried or
    /// double-submitted request returns the contract of the first one. After a crash between
    /// Oneflow's answer and our record, the contract is found by its request-key data field.
    /// Files are uploaded, the contract is published unless the choices keep it a draft, the
    /// link is recorded and audited.
    pub async fn create_contract_from_sale(
        &self,
        installation: InstallationId,
        user_email: &str,
        sale_id: i64,
        choices: ContractChoices,
        request_key: &str,
    ) -> Result<CreatedContract, EngineError> {
        if request_key.trim().is_empty() {
            return Err(EngineError::InvalidInput(
                "a request key is needed (one per user action, e.g. a UUID)".into(),
            ));
        }
        let so = self.superoffice(installation).await?;
        let sale = so.sales().get(sale_key(sale_id)?).await?;
        // Validated before anything is claimed or sent.
        let draft = self
            .draft_for(installation, &so, &sale, user_email, &choices, request_key)
            .await?;
        let store = &self.inner.store;
        let oneflow = self.oneflow(installation).await?;
        if !choices.files.is_empty() {
            check_sections(&oneflow, &choices).await?;
        }
        match store
            .claim_contract_request(installation, sale_id, request_key, self.now())
            .await?
        {
            ClaimOutcome::AlreadyClaimed {
                contract_id: Some(contract_id),
            } => {
                return Ok(CreatedContract {
                    contract_id,
                    sale_id,
                    existing: true,
                })
            }
            ClaimOutcome::AlreadyClaimed { contract_id: None } => {
                let field = &self.inner.config.link_fields.request_key;
                let found: Vec<_> = oneflow
                    .contracts()
                    .list()
                    .data_field_match(field.clone(), request_key.to_owned())
                    .stream()
                    .try_collect()
                    .await?;
                let Some(contract) = found.first() else {
                    return Err(EngineError::InvalidInput(
                        "this request is still being processed; try again in a moment".into(),
                    ));
                };
                let contract_id = contract.id.get();
                self.record_contract(installation, sale_id, contract_id, request_key)
                    .await?;
                return Ok(CreatedContract {
                    contract_id,
                    sale_id,
                    existing: true,
                });
            }
            ClaimOutcome::Claimed => {}
        }
        let as_user = oneflow.as_user(user_email.trim());
        let contract = as_user.contracts().create(&draft).await?;
        let contract_id = contract.id.get();
        self.record_contract(installation, sale_id, contract_id, request_key)
            .await?;
        for file in choices.files {
            as_user.files().upload(&contract, file).await?;
        }
        if let Some((subject, message)) = &choices.publish {
            as_user
                .contracts()
                .publish(
                    ContractId::from(contract_id),
                    &PublishMessage::new(subject.clone(), message.clone()),
                )
                .await?;
        }
        Ok(CreatedContract {
            contract_id,
            sale_id,
            existing: false,
        })
    }

    async fn record_contract(
        &self,
        installation: InstallationId,
        sale_id: i64,
        contract_id: i64,
        request_key: &str,
    ) -> Result<(), EngineError> {
        let store = &self.inner.store;
        let now = self.now();
        store
            .record_created_contract(installation, request_key, contract_id)
            .await?;
        store
            .link_contract(&SaleContractLink::new(
                installation,
                sale_id,
                contract_id,
                now,
            ))
            .await?;
        store
            .append_audit(&NewAuditEntry::new(
                installation,
                now,
                "contract",
                format!("contract {contract_id} created from Sale {sale_id}"),
                None,
            ))
            .await?;
        Ok(())
    }
}

/// Refuses files the template has no section for, before anything is created.
async fn check_sections(
    oneflow: &oneflow_client::Client,
    choices: &ContractChoices,
) -> Result<(), EngineError> {
    use oneflow_client::models::UploadKind;
    let template = oneflow
        .templates()
        .get(TemplateId::from(choices.template_id))
        .await?;
    let options = &template.available_options;
    for file in &choices.files {
        let (allowed, section) = match file.kind() {
            UploadKind::ExpandedPdf => (options.can_receive_expanded_pdf, "PDF document"),
            _ => (options.can_receive_attachments, "Attachments"),
        };
        if !allowed {
            return Err(EngineError::InvalidInput(format!(
                "the template has no \"{section}\" section for the file; \
                 pick a template with one or leave the file out"
            )));
        }
    }
    Ok(())
}

fn sale_key(sale_id: i64) -> Result<SaleId, EngineError> {
    i32::try_from(sale_id)
        .map(SaleId)
        .map_err(|_| EngineError::InvalidInput(format!("Sale id {sale_id} is out of range")))
}
