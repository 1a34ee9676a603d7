//! Templates for a user and idempotent contract creation from a Sale.

use futures::TryStreamExt;
use std::collections::BTreeSet;

use oneflow_client::api::files::FileUpload;
use oneflow_client::models::{DeliveryChannel, SignMethod};
use superoffice_client::models::{PersonId, SaleEntity, SaleId};

use super::{EngineError, Integration};
use crate::policy::contract_factory::{
    CompanyFacts, ContractChoices, ContractPlan, OwnerFacts, ParticipantSource, PersonFacts,
    SaleContext, SaleFacts, TemplateFacts,
};
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
    /// The delivery channels the template offers (empty: no restriction stated).
    pub delivery_channels: Vec<DeliveryChannel>,
    /// The sign methods the template offers (empty: no restriction stated).
    pub sign_methods: Vec<SignMethod>,
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
                let offered = workspace
                    .templates
                    .iter()
                    .find(|t| t.id.get() == template.id);
                let (delivery_channels, sign_methods) = match offered {
                    Some(t) => (
                        t.available_options
                            .delivery_channels
                            .iter()
                            .map(|o| o.name.clone())
                            .collect(),
                        t.available_options
                            .sign_methods
                            .iter()
                            .map(|o| o.name.clone())
                            .collect(),
                    ),
                    None => (Vec::new(), Vec::new()),
                };
                options.push(TemplateOption {
                    workspace_id: workspace.id.get(),
                    workspace_name: workspace.name.clone(),
                    template,
                    delivery_channels,
                    sign_methods,
                });
            }
        }
        Ok(options)
    }

    /// The checked plan for a contract from a Sale (the create request, uploads, publish
    /// step) through the [`ContractFactory`](crate::policy::contract_factory::ContractFactory),
    /// without creating anything. Every problem with the choices comes back at once as
    /// [`EngineError::InvalidChoices`].
    pub async fn preview_contract(
        &self,
        installation: InstallationId,
        user_email: &str,
        sale_id: i64,
        choices: &ContractChoices,
    ) -> Result<ContractPlan, EngineError> {
        let so = self.superoffice(installation).await?;
        let sale = so.sales().get(sale_key(sale_id)?).await?;
        self.plan_for(installation, &so, &sale, user_email, choices)
            .await
    }

    /// Gathers the factory's input from both systems and asks it for the plan.
    async fn plan_for(
        &self,
        installation: InstallationId,
        so: &superoffice_client::Client,
        sale: &SaleEntity,
        user_email: &str,
        choices: &ContractChoices,
    ) -> Result<ContractPlan, EngineError> {
        let tenant = self
            .installation(installation)
            .await?
            .tenant
            .ok_or(EngineError::NotConnected(installation))?;
        let oneflow = self.oneflow(installation).await?;
        let settings = self.doc(installation).await?.0.settings;

        // The Sale side.
        let company = match sale.contact_id() {
            Some(id) => {
                let contact = so.contacts().get(id).await?;
                Some(CompanyFacts {
                    name: contact.name.clone().unwrap_or_default(),
                    org_number: contact.org_nr.clone().filter(|s| !s.trim().is_empty()),
                    country_code: contact.country_code().map(str::to_owned),
                })
            }
            None => None,
        };
        let mut person_ids: Vec<i32> = sale.person_id().map(|p| p.0).into_iter().collect();
        for participant in &choices.participants {
            if let ParticipantSource::Person(id) = participant.source {
                if !person_ids.contains(&id) {
                    person_ids.push(id);
                }
            }
        }
        let mut persons = Vec::new();
        for id in person_ids {
            let person = match so.persons().get(PersonId(id)).await {
                Ok(person) => person,
                // A person the user picked that does not exist is the factory's to report.
                Err(e) if e.is_not_found() => continue,
                Err(e) => return Err(e.into()),
            };
            persons.push(PersonFacts {
                id,
                first_name: person.firstname.clone().unwrap_or_default(),
                last_name: person.lastname.clone().unwrap_or_default(),
                full_name: person.full_name.clone(),
                email: person.primary_email().map(str::to_owned),
                mobile: person.mobile_phone().map(str::to_owned),
                phone: person.primary_phone().map(str::to_owned),
                title: person.title.clone(),
            });
        }
        let owner = match &sale.associate {
            Some(associate) => {
                let email = if associate.person_id.0 > 0 {
                    match so.persons().get(associate.person_id).await {
                        Ok(person) => person.primary_email().map(str::to_owned),
                        Err(e) if e.is_not_found() => None,
                        Err(e) => return Err(e.into()),
                    }
                } else {
                    None
                };
                OwnerFacts {
                    associate_id: associate.associate_id.0,
                    name: associate
                        .full_name
                        .clone()
                        .or_else(|| associate.name.clone())
                        .unwrap_or_default(),
                    email,
                }
            }
            None => OwnerFacts {
                associate_id: 0,
                name: String::new(),
                email: None,
            },
        };
        let active_oneflow_users: BTreeSet<String> = oneflow
            .users()
            .list()
            .stream()
            .try_filter_map(|user| async move { Ok(user.active.then_some(user.email).flatten()) })
            .try_collect()
            .await?;
        let context = SaleContext {
            tenant,
            sale: SaleFacts {
                id: sale.sale_id.0,
                heading: sale.heading.clone().unwrap_or_default(),
                amount: sale.amount,
                currency: sale.currency.as_ref().and_then(|c| c.value.clone()),
                person_id: sale.person_id().map(|p| p.0),
            },
            company,
            persons,
            owner,
            acting_user_email: user_email.trim().to_owned(),
            active_oneflow_users,
            field_mappings: settings.field_mappings.clone(),
            link_fields: self.inner.config.link_fields.clone(),
        };

        // The template side: its options, the workspaces where this user may create from it,
        // and its template type's data fields.
        let template = oneflow.templates().get(choices.template_id).await?;
        let mut facts =
            TemplateFacts::from_available_options(template.id, &template.available_options);
        let workspaces = oneflow
            .as_user(user_email.trim())
            .helpers()
            .contract_create_data()
            .extension_type(SUPEROFFICE_EXTENSION_TYPE)
            .send()
            .await?;
        facts.workspace_ids = workspaces
            .iter()
            .filter(|w| w.templates.iter().any(|t| t.id == template.id))
            .map(|w| w.id)
            .collect();
        if let Some(ty) = &template.template_type {
            facts.data_field_custom_ids = oneflow
                .template_types()
                .data_fields(ty.id)
                .await?
                .into_iter()
                .filter_map(|f| f.custom_id)
                .collect();
        }
        self.inner
            .contract_factory
            .plan(&context, &facts, choices)
            .map_err(EngineError::InvalidChoices)
    }

    /// Creates a contract from a Sale as `user_email`, once per request key
    /// ([`ContractChoices::request_key`]): a retried or double-submitted request returns the
    /// contract of the first one. After a crash between Oneflow's answer and our record, the
    /// contract is found by its request-key data field.
    ///
    /// The choices are checked by the [`ContractFactory`](crate::policy::contract_factory::ContractFactory)
    /// before anything is claimed or sent. `file_contents` holds the bytes of
    /// [`ContractChoices::files`], in the same order. Files are uploaded, the contract is
    /// published unless the choices keep it a draft, the link is recorded and audited.
    pub async fn create_contract_from_sale(
        &self,
        installation: InstallationId,
        user_email: &str,
        sale_id: i64,
        choices: &ContractChoices,
        file_contents: Vec<Vec<u8>>,
    ) -> Result<CreatedContract, EngineError> {
        let request_key = choices.request_key.trim();
        if request_key.is_empty() {
            return Err(EngineError::InvalidInput(
                "a request key is needed (one per user action, e.g. a UUID)".into(),
            ));
        }
        if file_contents.len() != choices.files.len() {
            return Err(EngineError::InvalidInput(format!(
                "{} files were chosen but {} were handed over",
                choices.files.len(),
                file_contents.len()
            )));
        }
        let so = self.superoffice(installation).await?;
        let sale = so.sales().get(sale_key(sale_id)?).await?;
        // Checked before anything is claimed or sent.
        let plan = self
            .plan_for(installation, &so, &sale, user_email, choices)
            .await?;
        let store = &self.inner.store;
        let oneflow = self.oneflow(installation).await?;
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
        let as_user = oneflow.as_user(&plan.act_as);
        let contract = as_user.contracts().create(&plan.draft).await?;
        let contract_id = contract.id.get();
        self.record_contract(installation, sale_id, contract_id, request_key)
            .await?;
        let mut contents: Vec<Option<Vec<u8>>> = file_contents.into_iter().map(Some).collect();
        for upload in &plan.uploads {
            let bytes = contents
                .get_mut(upload.file_index)
                .and_then(Option::take)
                .unwrap_or_default();
            let file = FileUpload::new(upload.upload_as, upload.name.clone(), bytes)
                .content_type(upload.content_type.clone());
            as_user.files().upload(&contract, file).await?;
        }
        if let Some(message) = &plan.publish {
            as_user.contracts().publish(contract.id, message).await?;
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

fn sale_key(sale_id: i64) -> Result<SaleId, EngineError> {
    i32::try_from(sale_id)
        .map(SaleId)
        .map_err(|_| EngineError::InvalidInput(format!("Sale id {sale_id} is out of range")))
}
