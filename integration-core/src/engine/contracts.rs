//! Templates for a user and idempotent contract creation from a Sale.

use futures::TryStreamExt;
use std::collections::BTreeSet;

use oneflow_client::api::files::FileUpload;
use oneflow_client::models::{
    Contract, ContractFile, ContractId, ContractState, DeliveryChannel, FileType, SignMethod,
    UploadKind,
};
use superoffice_client::models::{PersonId, SaleEntity, SaleId};

use super::sync::Budget;
use super::{EngineError, Integration};
use crate::policy::contract_factory::{
    CompanyFacts, ContractChoices, ContractPlan, OwnerFacts, ParticipantSource, PersonFacts,
    PlannedUpload, SaleContext, SaleFacts, TemplateFacts,
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
    ///
    /// ```no_run
    /// # async fn run(integration: integration_core::Integration, installation: integration_core::store::InstallationId) -> Result<(), integration_core::engine::EngineError> {
    /// for option in integration.templates_for(installation, "seller@example.com").await? {
    ///     println!(
    ///         "{} in workspace {} (PDF section: {})",
    ///         option.template.name, option.workspace_id, option.template.has_pdf_section
    ///     );
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn templates_for(
        &self,
        installation: InstallationId,
        user_email: &str,
    ) -> Result<Vec<TemplateOption>, EngineError> {
        // Also on a replica whose clients are cached: an uninstalled installation says so.
        self.installation(installation).await?;
        let oneflow = self.oneflow(installation).await?.as_user(user_email.trim());
        self.take_budget(installation, Budget::Oneflow).await?;
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
        self.installation(installation).await?;
        let so = self.superoffice(installation).await?;
        self.take_budget(installation, Budget::SuperOffice).await?;
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
                self.take_budget(installation, Budget::SuperOffice).await?;
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
            self.take_budget(installation, Budget::SuperOffice).await?;
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
                    self.take_budget(installation, Budget::SuperOffice).await?;
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
        self.take_budget(installation, Budget::Oneflow).await?;
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
        self.take_budget(installation, Budget::Oneflow).await?;
        let template = oneflow.templates().get(choices.template_id).await?;
        let mut facts =
            TemplateFacts::from_available_options(template.id, &template.available_options);
        self.take_budget(installation, Budget::Oneflow).await?;
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
            self.take_budget(installation, Budget::Oneflow).await?;
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
    /// Retries are safe after any failure, and never make a second contract:
    /// - Oneflow refused the create (a 4xx or 5xx answer other than a gateway's 502/504):
    ///   nothing was created, the key is released and the retry creates.
    /// - The create's outcome is unknown (timeout, dropped connection, 502/504): the key stays
    ///   claimed. The retry looks the contract up by its request key; when Oneflow has none
    ///   and the claim is older than [`IntegrationConfig::stale_claim_after`](super::IntegrationConfig::stale_claim_after),
    ///   it takes the claim over and creates; a younger claim answers "still being processed".
    /// - A step after the create failed (an upload, the publish): the retry uploads the
    ///   planned files Oneflow does not list on the contract, publishes it if it should be
    ///   sent and is still a draft, and answers with `existing: true`. While another request
    ///   with the key is still at work (a double submit), the retry answers at once and leaves
    ///   the steps to it.
    ///
    /// The choices are checked by the [`ContractFactory`](crate::policy::contract_factory::ContractFactory)
    /// before anything is claimed or sent. `file_contents` holds the bytes of
    /// [`ContractChoices::files`], in the same order. Files are uploaded, the contract is
    /// published unless the choices keep it a draft, the link is recorded and audited.
    ///
    /// ```no_run
    /// use integration_core::engine::{EngineError, TemplateOption};
    /// use integration_core::policy::contract_factory::{
    ///     ContractChoices, Delivery, FileChoice, FileKind, ParticipantChoice, ParticipantSource,
    ///     PartyKind,
    /// };
    /// use oneflow_client::models::draft::ParticipantRole;
    ///
    /// # async fn run(integration: integration_core::Integration, installation: integration_core::store::InstallationId, template: TemplateOption, pdf: Vec<u8>) -> Result<(), EngineError> {
    /// // One request key per user action: a retried or double-clicked submit reuses it.
    /// let mut choices = ContractChoices::new(
    ///     template.workspace_id.into(),
    ///     template.template.id.into(),
    ///     "6f1c9a0e-request-key",
    /// );
    /// choices.participants = vec![
    ///     ParticipantChoice::new(ParticipantSource::Person(10), PartyKind::Company, ParticipantRole::Signatory),
    ///     ParticipantChoice::new(ParticipantSource::SaleOwner, PartyKind::Owner, ParticipantRole::Signatory),
    /// ];
    /// choices.files = vec![FileChoice::new("offer.pdf", "application/pdf", pdf.len() as u64, FileKind::Pdf)];
    /// choices.delivery = Delivery::Send {
    ///     subject: "Your contract".into(),
    ///     message: "Please review and sign.".into(),
    /// };
    /// match integration
    ///     .create_contract_from_sale(installation, "seller@example.com", 101, &choices, vec![pdf])
    ///     .await
    /// {
    ///     Ok(created) => println!("contract {} on Sale {}", created.contract_id, created.sale_id),
    ///     // Every problem names its form field and says what to change; nothing was sent.
    ///     Err(EngineError::InvalidChoices(problems)) => println!("{problems}"),
    ///     // A shared request budget is used up: answer 429 with Retry-After.
    ///     Err(EngineError::BudgetExhausted { retry_after, .. }) => println!("retry in {retry_after:?}"),
    ///     Err(other) => return Err(other),
    /// }
    /// # Ok(()) }
    /// ```
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
        self.installation(installation).await?;
        let so = self.superoffice(installation).await?;
        self.take_budget(installation, Budget::SuperOffice).await?;
        let sale = so.sales().get(sale_key(sale_id)?).await?;
        // Checked before anything is claimed or sent.
        let plan = self
            .plan_for(installation, &so, &sale, user_email, choices)
            .await?;
        let store = &self.inner.store;
        let oneflow = self.oneflow(installation).await?;
        let as_user = oneflow.as_user(&plan.act_as);
        match store
            .claim_contract_request(installation, sale_id, request_key, self.now())
            .await?
        {
            ClaimOutcome::AlreadyClaimed {
                contract_id: Some(contract_id),
            } => {
                // Created before; a step after the create (an upload, the publish) may have
                // failed: finish what Oneflow does not have yet, unless another request
                // holds the claim (it is still at work, e.g. a double submit; it finishes).
                let now = self.now();
                let claimed_before = now - self.inner.config.stale_claim_after;
                if store
                    .take_over_contract_claim(installation, request_key, claimed_before, now)
                    .await?
                {
                    let finished = self
                        .finish_contract(
                            installation,
                            &as_user,
                            sale_id,
                            contract_id,
                            &plan,
                            file_contents,
                        )
                        .await;
                    store
                        .release_contract_claim(installation, request_key)
                        .await?;
                    finished?;
                }
                return Ok(CreatedContract {
                    contract_id,
                    sale_id,
                    existing: true,
                });
            }
            ClaimOutcome::AlreadyClaimed { contract_id: None } => {
                let field = &self.inner.config.link_fields.request_key;
                self.take_budget(installation, Budget::Oneflow).await?;
                let found: Vec<_> = oneflow
                    .contracts()
                    .list()
                    .data_field_match(field.clone(), request_key.to_owned())
                    .stream()
                    .try_collect()
                    .await?;
                if let Some(contract) = found.first() {
                    let contract_id = contract.id.get();
                    self.record_contract(installation, sale_id, contract_id, request_key)
                        .await?;
                    // The request that created it gave up (its answer was lost) or stopped.
                    let finished = self
                        .finish_contract(
                            installation,
                            &as_user,
                            sale_id,
                            contract_id,
                            &plan,
                            file_contents,
                        )
                        .await;
                    store
                        .release_contract_claim(installation, request_key)
                        .await?;
                    finished?;
                    return Ok(CreatedContract {
                        contract_id,
                        sale_id,
                        existing: true,
                    });
                }
                // Nothing in Oneflow. A create still under way (or one that may yet land)
                // keeps the key; one older than any create can take is over: take it over.
                let now = self.now();
                let claimed_before = now - self.inner.config.stale_claim_after;
                if !store
                    .take_over_contract_claim(installation, request_key, claimed_before, now)
                    .await?
                {
                    return Err(EngineError::InvalidInput(
                        "this request is still being processed; try again in a moment".into(),
                    ));
                }
            }
            ClaimOutcome::Claimed => {}
        }
        // From here this call owns the claim. Whatever proves that nothing was created gives
        // the key back, so a retry with it creates.
        if let Err(error) = self.take_budget(installation, Budget::Oneflow).await {
            store
                .release_contract_claim(installation, request_key)
                .await?;
            return Err(error);
        }
        let contract = match as_user.contracts().create(&plan.draft).await {
            Ok(contract) => contract,
            Err(error) => {
                if create_refused(&error) {
                    store
                        .release_contract_claim(installation, request_key)
                        .await?;
                }
                return Err(error.into());
            }
        };
        let contract_id = contract.id.get();
        #[cfg(feature = "test-util")]
        self.crash_point(super::crash::CrashPoint::AfterCreate)?;
        self.record_contract(installation, sale_id, contract_id, request_key)
            .await?;
        let steps = self
            .run_steps(installation, &as_user, &contract, &plan, file_contents, &[])
            .await;
        // Done or failed: the claim goes idle, so a retry may finish what is missing.
        store
            .release_contract_claim(installation, request_key)
            .await?;
        steps?;
        Ok(CreatedContract {
            contract_id,
            sale_id,
            existing: false,
        })
    }

    /// Finishes a contract created under the request key before: uploads the planned files
    /// Oneflow does not list on the contract yet and publishes it if it should be sent and
    /// is still a draft. Audits what it did.
    async fn finish_contract(
        &self,
        installation: InstallationId,
        as_user: &oneflow_client::Client,
        sale_id: i64,
        contract_id: i64,
        plan: &ContractPlan,
        file_contents: Vec<Vec<u8>>,
    ) -> Result<(), EngineError> {
        if plan.uploads.is_empty() && plan.publish.is_none() {
            return Ok(());
        }
        self.take_budget(installation, Budget::Oneflow).await?;
        let contract = as_user.contracts().get(ContractId(contract_id)).await?;
        if contract.state != ContractState::Draft {
            // Published (by the first request, or by hand): files can no longer be added.
            return Ok(());
        }
        let present = if plan.uploads.is_empty() {
            Vec::new()
        } else {
            self.take_budget(installation, Budget::Oneflow).await?;
            as_user.files().list(contract.id).await?
        };
        let (uploaded, published) = self
            .run_steps(
                installation,
                as_user,
                &contract,
                plan,
                file_contents,
                &present,
            )
            .await?;
        if uploaded > 0 || published {
            let mut done = format!("{uploaded} file(s) uploaded");
            if published {
                done.push_str(", published");
            }
            self.inner
                .store
                .append_audit(&NewAuditEntry::new(
                    installation,
                    self.now(),
                    "contract",
                    format!(
                        "contract {contract_id} from Sale {sale_id} finished by a retry: {done}"
                    ),
                    None,
                ))
                .await?;
        }
        Ok(())
    }

    /// Uploads the planned files not among `present` (files already on the contract, each
    /// standing for one planned upload of its kind and name), then publishes when the plan
    /// says so. Returns the number of files uploaded and whether it published.
    async fn run_steps(
        &self,
        installation: InstallationId,
        as_user: &oneflow_client::Client,
        contract: &Contract,
        plan: &ContractPlan,
        file_contents: Vec<Vec<u8>>,
        present: &[ContractFile],
    ) -> Result<(usize, bool), EngineError> {
        let mut present: Vec<&ContractFile> = present.iter().collect();
        let mut contents: Vec<Option<Vec<u8>>> = file_contents.into_iter().map(Some).collect();
        let mut uploaded = 0;
        for upload in &plan.uploads {
            if let Some(at) = present.iter().position(|file| is_upload_of(file, upload)) {
                present.swap_remove(at);
                continue;
            }
            let bytes = contents
                .get_mut(upload.file_index)
                .and_then(Option::take)
                .unwrap_or_default();
            let file = FileUpload::new(upload.upload_as, upload.name.clone(), bytes)
                .content_type(upload.content_type.clone());
            self.take_budget(installation, Budget::Oneflow).await?;
            as_user.files().upload(contract, file).await?;
            uploaded += 1;
        }
        let mut published = false;
        if let Some(message) = &plan.publish {
            self.take_budget(installation, Budget::Oneflow).await?;
            as_user.contracts().publish(contract.id, message).await?;
            published = true;
        }
        Ok((uploaded, published))
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

/// Whether Oneflow's answer to a create proves that no contract was created: the request
/// was refused before it was sent, or Oneflow answered with a 4xx or 5xx status. A 502 or
/// 504 comes from a gateway in front of Oneflow, which may have passed the request on, so
/// those (like timeouts and dropped connections) leave the outcome unknown.
fn create_refused(error: &oneflow_client::Error) -> bool {
    if error.invalid_input().is_some() {
        return true;
    }
    error.status().is_some_and(|status| {
        (status.is_client_error() || status.is_server_error())
            && !matches!(status.as_u16(), 502 | 504)
    })
}

/// Whether a file on the contract is the result of this planned upload (same kind; the same
/// name, with or without its extension).
fn is_upload_of(file: &ContractFile, upload: &PlannedUpload) -> bool {
    let kind_matches = matches!(
        (&file.file_type, upload.upload_as),
        (Some(FileType::Pdf), UploadKind::ExpandedPdf)
            | (Some(FileType::Attachment), UploadKind::Attachment)
    );
    let stem = upload
        .name
        .rsplit_once('.')
        .map_or(upload.name.as_str(), |(stem, _)| stem);
    kind_matches
        && file
            .name
            .as_deref()
            .is_some_and(|name| name == upload.name || name == stem)
}

fn sale_key(sale_id: i64) -> Result<SaleId, EngineError> {
    i32::try_from(sale_id)
        .map(SaleId)
        .map_err(|_| EngineError::InvalidInput(format!("Sale id {sale_id} is out of range")))
}
