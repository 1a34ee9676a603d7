//! Read-only questions the web panel and the settings page ask: the contracts linked to a
//! Sale, the Sale as the panel form needs it, the audit log, parked jobs, the reason lists and
//! who sees the panel.

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use oneflow_client::models::{ContractId, ContractState};
use superoffice_client::models::{SaleId, WebPanelId};
use url::Url;

use super::{EngineError, Integration};
use crate::policy::contract_factory::default_contract_name;
use crate::store::{AuditEntry, InstallationId, Job};

/// Where a contract opens in Oneflow's web app: `{ONEFLOW_APP_URL}/contracts/{id}`.
///
/// Assumed, not documented: the Oneflow API's contract model has no link to the web app (its
/// `_links` point at API endpoints), so the panel builds the address of the contract page the
/// app shows today.
pub const ONEFLOW_APP_URL: &str = "https://app.oneflow.com";

/// How many parked jobs [`Integration::parked_jobs`] lists at most.
pub const PARKED_JOBS_SHOWN: u32 = 50;

/// A contract linked to a Sale, as the panel lists it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LinkedContract {
    /// Oneflow contract id.
    pub contract_id: i64,
    /// The contract's name in Oneflow (`None` when it has none or is gone).
    pub name: Option<String>,
    /// Its signing state now, read from Oneflow; `None` when Oneflow no longer has the
    /// contract (deleted there).
    pub state: Option<ContractState>,
    /// When it was linked to the Sale.
    pub linked_at: DateTime<Utc>,
    /// Where it opens in Oneflow's web app (see [`ONEFLOW_APP_URL`]; the address is assumed).
    pub open_url: Url,
}

/// A person the panel offers as a participant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SalePerson {
    /// SuperOffice person id.
    pub person_id: i32,
    /// Full name.
    pub name: String,
    /// E-mail, if SuperOffice has one.
    pub email: Option<String>,
    /// Whether this is the Sale's own contact person.
    pub on_sale: bool,
}

/// The Sale as the panel shows it and the create form needs it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PanelSale {
    /// Sale id.
    pub sale_id: i64,
    /// Heading (empty when the Sale has none).
    pub heading: String,
    /// The default contract name: the heading cut to 130 characters.
    pub default_contract_name: String,
    /// The Sale's company, if any.
    pub company_name: Option<String>,
    /// The Sale's person first, then the company's other persons.
    pub persons: Vec<SalePerson>,
    /// The Sale owner's name (empty when none).
    pub owner_name: String,
}

/// A SuperOffice list item (a reason), as the settings page offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListChoice {
    /// Id.
    pub id: i32,
    /// Name.
    pub name: String,
}

/// The reasons an admin may pick for won and lost Sales (deleted items left out).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SaleReasons {
    /// SuperOffice's "reasons sold" list.
    pub won: Vec<ListChoice>,
    /// SuperOffice's "reasons lost" list.
    pub lost: Vec<ListChoice>,
}

/// A user group and whether it sees the web panel.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PanelGroup {
    /// User group id.
    pub id: i32,
    /// Name.
    pub name: String,
    /// Whether the group sees the panel.
    pub sees_panel: bool,
}

impl Integration {
    /// The contracts linked to a Sale (oldest first) with their name and state read from
    /// Oneflow now, and a link to open each in Oneflow.
    pub async fn linked_contracts(
        &self,
        installation: InstallationId,
        sale_id: i64,
    ) -> Result<Vec<LinkedContract>, EngineError> {
        self.installation(installation).await?;
        let links = self
            .inner
            .store
            .links_for_sale(installation, sale_id)
            .await?;
        if links.is_empty() {
            return Ok(Vec::new());
        }
        let oneflow = self.oneflow(installation).await?;
        let mut contracts = Vec::with_capacity(links.len());
        for link in links {
            let (name, state) = match oneflow
                .contracts()
                .get(ContractId::from(link.contract_id))
                .await
            {
                Ok(contract) => (contract.name().map(str::to_owned), Some(contract.state)),
                Err(e) if e.is_not_found() => (None, None),
                Err(e) => return Err(e.into()),
            };
            contracts.push(LinkedContract {
                contract_id: link.contract_id,
                name,
                state,
                linked_at: link.created_at,
                open_url: contract_url(link.contract_id)?,
            });
        }
        Ok(contracts)
    }

    /// The Sale as the panel form needs it: heading, default contract name, company and the
    /// persons who can be participants (the Sale's person first).
    pub async fn panel_sale(
        &self,
        installation: InstallationId,
        sale_id: i64,
    ) -> Result<PanelSale, EngineError> {
        let so = self.superoffice(installation).await?;
        let id = i32::try_from(sale_id)
            .map(SaleId)
            .map_err(|_| EngineError::InvalidInput(format!("Sale id {sale_id} is out of range")))?;
        let sale = so.sales().get(id).await?;
        let heading = sale.heading.clone().unwrap_or_default();
        let sale_person = sale.person_id().map(|p| p.0);
        let mut persons = Vec::new();
        if let Some(person) = &sale.person {
            if person.person_id.0 > 0 {
                let full = so.persons().get(person.person_id).await?;
                persons.push(SalePerson {
                    person_id: person.person_id.0,
                    name: full
                        .full_name
                        .clone()
                        .unwrap_or_else(|| {
                            format!(
                                "{} {}",
                                full.firstname.clone().unwrap_or_default(),
                                full.lastname.clone().unwrap_or_default()
                            )
                        })
                        .trim()
                        .to_owned(),
                    email: full.primary_email().map(str::to_owned),
                    on_sale: true,
                });
            }
        }
        let mut company_name = None;
        if let Some(contact) = sale.contact_id().filter(|c| c.0 > 0) {
            let company = so.contacts().get(contact).await?;
            company_name = company.name.clone();
            let rows: Vec<_> = so
                .contacts()
                .persons(contact)
                .select(["personId", "fullName", "email/emailAddress"])
                .stream()
                .try_collect()
                .await?;
            for row in rows {
                let Some(person_id) = row.int("personId").and_then(|i| i32::try_from(i).ok())
                else {
                    continue;
                };
                if Some(person_id) == sale_person {
                    continue;
                }
                persons.push(SalePerson {
                    person_id,
                    name: row.text("fullName").unwrap_or_default(),
                    email: row
                        .text("email/emailAddress")
                        .filter(|e| !e.trim().is_empty()),
                    on_sale: false,
                });
            }
        }
        let owner_name = sale
            .associate
            .as_ref()
            .and_then(|a| a.full_name.clone().or_else(|| a.name.clone()))
            .unwrap_or_default();
        Ok(PanelSale {
            sale_id,
            default_contract_name: default_contract_name(&heading),
            heading,
            company_name,
            persons,
            owner_name,
        })
    }

    /// Whether the signed-in user may see the Sale in SuperOffice: the Sale is read with the
    /// user's own access token (e.g. the panel session's), so SuperOffice's own rights decide.
    /// `false` when SuperOffice answers 404 or 403; the panel refuses such a Sale (its URL
    /// parameters are hints, never identity).
    pub async fn sale_visible_to(
        &self,
        installation: InstallationId,
        superoffice_access_token: &secrecy::SecretString,
        sale_id: i64,
    ) -> Result<bool, EngineError> {
        use secrecy::ExposeSecret;
        let tenant = self
            .installation(installation)
            .await?
            .tenant
            .ok_or(EngineError::NotConnected(installation))?;
        let Ok(id) = i32::try_from(sale_id).map(SaleId) else {
            return Ok(false);
        };
        if id.0 <= 0 {
            return Ok(false);
        }
        let customer = superoffice_client::CustomerId::parse(&tenant)
            .map_err(|e| EngineError::InvalidInput(format!("tenant {tenant}: {e}")))?;
        let api_base = self.inner.locator.api_base(&customer).await?;
        let client = superoffice_client::Client::builder()
            .api_base(api_base.to_string())
            .customer_id(customer)
            .token_provider(std::sync::Arc::new(
                superoffice_client::credentials::StaticToken::new(
                    superoffice_client::Credential::bearer(
                        superoffice_access_token.expose_secret(),
                    ),
                ),
            ))
            .api_base_resolver(self.inner.locator.clone())
            .http_client(self.inner.http.clone())
            .retry_policy(superoffice_client::RetryPolicy::never())
            .build()
            .map_err(|e| EngineError::SuperOffice(e.into()))?;
        match client.sales().get(id).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() || e.status().map(|s| s.as_u16()) == Some(403) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The installation's most recent decisions and actions (the audit log), newest first.
    pub async fn recent_decisions(
        &self,
        installation: InstallationId,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, EngineError> {
        self.installation(installation).await?;
        Ok(self.inner.store.recent_audit(installation, limit).await?)
    }

    /// The installation's parked jobs (webhooks the worker gave up on, with the reason),
    /// newest first, at most [`PARKED_JOBS_SHOWN`].
    pub async fn parked_jobs(&self, installation: InstallationId) -> Result<Vec<Job>, EngineError> {
        self.installation(installation).await?;
        Ok(self
            .inner
            .store
            .parked_jobs(installation, PARKED_JOBS_SHOWN)
            .await?)
    }

    /// SuperOffice's won and lost reasons, for the settings page.
    pub async fn sale_reasons(
        &self,
        installation: InstallationId,
    ) -> Result<SaleReasons, EngineError> {
        let so = self.superoffice(installation).await?;
        let keep = |items: Vec<superoffice_client::models::ListItemEntity>| {
            items
                .into_iter()
                .filter(|i| !i.deleted)
                .map(|i| ListChoice {
                    id: i.id,
                    name: i.name.unwrap_or_else(|| format!("Reason {}", i.id)),
                })
                .collect()
        };
        Ok(SaleReasons {
            won: keep(so.lists().reasons_sold().await?),
            lost: keep(so.lists().reasons_lost().await?),
        })
    }

    /// The user groups and whether each sees the web panel.
    pub async fn panel_groups(
        &self,
        installation: InstallationId,
    ) -> Result<Vec<PanelGroup>, EngineError> {
        let (doc, _) = self.doc(installation).await?;
        let panel = doc
            .connection
            .panel_id
            .ok_or(EngineError::NotConnected(installation))?;
        let so = self.superoffice(installation).await?;
        Ok(so
            .web_panels()
            .user_groups(WebPanelId(panel))
            .await?
            .into_iter()
            .filter(|g| !g.deleted)
            .map(|g| PanelGroup {
                id: g.id,
                name: g.name.unwrap_or_else(|| format!("Group {}", g.id)),
                sees_panel: g.selected,
            })
            .collect())
    }

    /// Hides the web panel from exactly these user groups: every other group sees it (the
    /// settings page's "hide the panel from" form; compare
    /// [`hide_panel_from`](Integration::hide_panel_from), which only adds to the hidden ones).
    pub async fn set_hidden_panel_groups(
        &self,
        installation: InstallationId,
        hidden: &[i32],
    ) -> Result<(), EngineError> {
        let (doc, _) = self.doc(installation).await?;
        let panel = WebPanelId(
            doc.connection
                .panel_id
                .ok_or(EngineError::NotConnected(installation))?,
        );
        let so = self.superoffice(installation).await?;
        let mut groups = so.web_panels().user_groups(panel).await?;
        for group in &mut groups {
            group.selected = !hidden.contains(&group.id);
        }
        so.web_panels().set_user_groups(panel, &groups).await?;
        let hidden_text = if hidden.is_empty() {
            "none".to_owned()
        } else {
            hidden
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        self.audit(
            installation,
            "panel",
            format!("panel hidden from user groups: {hidden_text}; shown to the others"),
            None,
        )
        .await
    }
}

/// The (assumed) address of a contract in Oneflow's web app.
fn contract_url(contract_id: i64) -> Result<Url, EngineError> {
    format!("{ONEFLOW_APP_URL}/contracts/{contract_id}")
        .parse()
        .map_err(|e| EngineError::Config(format!("contract URL: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contract_opens_on_its_app_page() {
        assert_eq!(
            contract_url(4711).unwrap().as_str(),
            "https://app.oneflow.com/contracts/4711"
        );
    }
}
