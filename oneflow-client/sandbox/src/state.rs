//! The sandbox's in-memory account: entities, id allocation, JSON rendering and event emission.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{json, Value};

use super::errors::SandboxError;
use super::seed::{SandboxBuilder, Seeded, SeededEntity, SeededTemplateType, SeededUser};

pub(crate) type Time = DateTime<Utc>;

/// Oneflow's timestamp format: `2020-06-30T07:15:23+0000`.
pub(crate) fn fmt_time(time: &Time) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%z").to_string()
}

fn opt_time(time: Option<&Time>) -> Value {
    time.map_or(Value::Null, |t| Value::String(fmt_time(t)))
}

/// Fixed creation time of all seeded entities (keeps the seed deterministic).
fn seed_time() -> Time {
    Utc.with_ymd_and_hms(2024, 1, 15, 9, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}

/// Who a request acts as (from `x-oneflow-user-email`, or the anonymous admin).
#[derive(Debug, Clone)]
pub(crate) struct Actor {
    pub user_id: i64,
    pub name: String,
    pub is_admin: bool,
}

pub(crate) struct Account {
    pub id: i64,
    pub name: String,
    pub created: Time,
}

pub(crate) struct User {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub is_admin: bool,
    pub active: bool,
}

pub(crate) struct Workspace {
    pub id: i64,
    pub name: String,
    /// `None`: everyone may create contracts; `Some`: only these users (and admins).
    pub members: Option<Vec<i64>>,
    pub created: Time,
}

#[derive(Clone)]
pub(crate) struct DataFieldDef {
    pub id: i64,
    pub custom_id: String,
    pub name: String,
    pub description: String,
    pub placeholder: String,
    pub value: String,
    pub system: bool,
}

pub(crate) struct TemplateType {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub extension_type: Option<String>,
    pub data_fields: Vec<DataFieldDef>,
    pub created: Time,
    pub updated: Time,
}

/// What a template (and a contract made from it) can receive; rendered as `available_options`.
#[derive(Clone)]
pub(crate) struct Options {
    pub pdf: bool,
    pub attachments: bool,
    pub products: bool,
    pub delivery_channels: Vec<String>,
    pub sign_methods: Vec<String>,
    pub two_step: Vec<String>,
}

pub(crate) struct Template {
    pub id: i64,
    pub name: String,
    pub workspace_ids: Vec<i64>,
    pub template_type_id: Option<i64>,
    pub active: bool,
    pub options: Options,
    pub created: Time,
    pub updated: Time,
}

#[derive(Clone)]
pub(crate) struct Participant {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub title: Option<String>,
    pub identification_number: Option<String>,
    pub signatory: bool,
    pub organizer: bool,
    pub options: Option<Value>,
    pub delivery_channel: String,
    pub delivery_status: String,
    pub sign_method: String,
    pub two_step: String,
    pub sign_state: String,
    pub sign_state_updated: Option<Time>,
    pub can_update: bool,
    pub user_id: Option<i64>,
    pub custom_id: Option<String>,
    pub visits: u32,
    pub first_visited: Option<Time>,
    pub last_visited: Option<Time>,
    pub created: Time,
    pub updated: Time,
}

/// A product table of a contract; products are kept as their validated JSON attributes
/// (plus `id`).
pub(crate) struct ProductGroup {
    pub id: i64,
    pub products: Vec<serde_json::Map<String, Value>>,
}

pub(crate) struct Party {
    pub id: i64,
    pub kind: String,
    pub name: Option<String>,
    pub identification_number: Option<String>,
    pub country_code: Option<String>,
    pub my_party: bool,
    pub participants: Vec<Participant>,
    pub created: Time,
    pub updated: Time,
}

pub(crate) struct ContractField {
    pub id: i64,
    pub def: DataFieldDef,
    pub value: String,
    pub created: Time,
    pub updated: Time,
}

pub(crate) struct StoredFile {
    pub id: i64,
    pub name: String,
    pub extension: String,
    pub kind: &'static str,
    pub bytes: Bytes,
}

pub(crate) struct EventActor {
    pub id: i64,
    pub name: String,
    pub party: Option<(i64, String)>,
}

pub(crate) struct Event {
    pub id: i64,
    pub kind: String,
    pub created: Time,
    pub actor: Option<EventActor>,
    pub data: Value,
}

pub(crate) struct Contract {
    pub id: i64,
    pub name: String,
    pub value: Value,
    pub workspace_id: i64,
    pub template_id: i64,
    pub template_type_id: Option<i64>,
    pub options: Options,
    pub state: String,
    pub created: Time,
    pub updated: Time,
    pub state_updated: Time,
    pub published: Option<Time>,
    pub signing_period_expiration: Value,
    pub signing_period_expiry_time: Option<Time>,
    pub sign_order: Value,
    pub tags: Vec<i64>,
    pub product_groups: Vec<ProductGroup>,
    pub parties: Vec<Party>,
    pub data_fields: Vec<ContractField>,
    pub files: Vec<StoredFile>,
    pub events: Vec<Event>,
}

impl Contract {
    pub(crate) fn participant(&self, id: i64) -> Option<&Participant> {
        self.parties
            .iter()
            .flat_map(|p| p.participants.iter())
            .find(|p| p.id == id)
    }

    pub(crate) fn participant_mut(&mut self, id: i64) -> Option<(&mut Participant, i64, String)> {
        for party in &mut self.parties {
            let party_id = party.id;
            let party_name = party.name.clone().unwrap_or_default();
            if let Some(p) = party.participants.iter_mut().find(|p| p.id == id) {
                return Some((p, party_id, party_name));
            }
        }
        None
    }

    pub(crate) fn participant_count(&self) -> usize {
        self.parties.iter().map(|p| p.participants.len()).sum()
    }

    pub(crate) fn touch(&mut self) {
        self.updated = Utc::now();
    }

    pub(crate) fn set_state(&mut self, state: &str) {
        let now = Utc::now();
        self.state = state.to_owned();
        self.state_updated = now;
        self.updated = now;
    }
}

pub(crate) struct Webhook {
    pub id: i64,
    pub callback_url: String,
    pub sign_key: Option<String>,
    pub template_group_id: Option<i64>,
    pub filters: Value,
    pub configuration: Value,
}

pub(crate) struct Download {
    pub name: String,
    pub content_type: String,
    pub bytes: Bytes,
}

/// An event waiting to be turned into webhook notifications.
pub(crate) struct Emitted {
    pub contract_id: i64,
    pub workspace_id: i64,
    pub template_type_id: Option<i64>,
    pub event_id: i64,
    pub kind: String,
    pub created: Time,
}

/// How far apart the id ranges of two accounts of one sandbox are.
pub(crate) const ACCOUNT_ID_STRIDE: i64 = 10_000_000;

/// Monotonic id counters, one per entity kind.
pub(crate) struct Ids {
    contract: i64,
    party: i64,
    participant: i64,
    contract_field: i64,
    event: i64,
    webhook: i64,
    template_type: i64,
    data_field: i64,
    product_group: i64,
    product: i64,
}

impl Ids {
    pub(crate) fn contract(&mut self) -> i64 {
        bump(&mut self.contract)
    }
    pub(crate) fn party(&mut self) -> i64 {
        bump(&mut self.party)
    }
    pub(crate) fn participant(&mut self) -> i64 {
        bump(&mut self.participant)
    }
    pub(crate) fn contract_field(&mut self) -> i64 {
        bump(&mut self.contract_field)
    }
    pub(crate) fn event(&mut self) -> i64 {
        bump(&mut self.event)
    }
    pub(crate) fn webhook(&mut self) -> i64 {
        bump(&mut self.webhook)
    }
    pub(crate) fn template_type(&mut self) -> i64 {
        bump(&mut self.template_type)
    }
    pub(crate) fn data_field(&mut self) -> i64 {
        bump(&mut self.data_field)
    }
    pub(crate) fn product_group(&mut self) -> i64 {
        bump(&mut self.product_group)
    }
    pub(crate) fn product(&mut self) -> i64 {
        bump(&mut self.product)
    }
}

fn bump(counter: &mut i64) -> i64 {
    let id = *counter;
    *counter += 1;
    id
}

pub(crate) struct World {
    pub base: String,
    pub account: Account,
    pub users: Vec<User>,
    pub workspaces: Vec<Workspace>,
    pub template_types: BTreeMap<i64, TemplateType>,
    pub templates: Vec<Template>,
    pub contracts: BTreeMap<i64, Contract>,
    pub webhooks: BTreeMap<i64, Webhook>,
    pub downloads: HashMap<String, Download>,
    /// Access-link keys → (contract id, participant id).
    pub sign_links: HashMap<String, (i64, i64)>,
    pub ids: Ids,
    pub emitted: Vec<Emitted>,
}

impl World {
    /// Resolve the builder's name references into a world with deterministic ids.
    ///
    /// `account_index` 0 is the primary account; an extra account `n` gets account id
    /// `1001 + n` and every other id shifted by `n * ACCOUNT_ID_STRIDE`, so ids stay unique
    /// across the accounts of one sandbox (Oneflow's ids are global).
    pub(crate) fn from_seed(
        seed: &SandboxBuilder,
        base: String,
        account_index: usize,
    ) -> Result<(Self, Seeded), SandboxError> {
        let off = account_index as i64 * ACCOUNT_ID_STRIDE;
        let token_ok = seed.api_token.len() == 40
            && seed
                .api_token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !token_ok {
            return Err(SandboxError::InvalidSeed(
                "the API token must be 40 characters of [A-Za-z0-9-]".to_owned(),
            ));
        }
        let created = seed_time();
        let account = Account {
            id: 1001 + account_index as i64,
            name: seed.account_name.clone(),
            created,
        };
        let mut users: Vec<User> = Vec::new();
        for (i, u) in seed.users.iter().enumerate() {
            if users.iter().any(|x| x.email.eq_ignore_ascii_case(&u.email)) {
                return Err(SandboxError::InvalidSeed(format!(
                    "duplicate user e-mail {}",
                    u.email
                )));
            }
            users.push(User {
                id: off + 2001 + i as i64,
                name: u.name.clone(),
                email: u.email.clone(),
                is_admin: u.is_admin,
                active: u.active,
            });
        }
        let mut workspaces = Vec::new();
        for (i, w) in seed.workspaces.iter().enumerate() {
            let members = match &w.members {
                None => None,
                Some(emails) => {
                    let mut ids = Vec::new();
                    for email in emails {
                        let user = users
                            .iter()
                            .find(|u| u.email.eq_ignore_ascii_case(email))
                            .ok_or_else(|| {
                                SandboxError::InvalidSeed(format!(
                                    "workspace {} names unknown user {email}",
                                    w.name
                                ))
                            })?;
                        ids.push(user.id);
                    }
                    Some(ids)
                }
            };
            workspaces.push(Workspace {
                id: off + 3001 + i as i64,
                name: w.name.clone(),
                members,
                created,
            });
        }
        let mut ids = Ids {
            contract: off + 7001,
            party: off + 20001,
            participant: off + 30001,
            contract_field: off + 40001,
            event: off + 50001,
            webhook: off + 801,
            template_type: off + 4001,
            data_field: off + 6001,
            product_group: off + 60001,
            product: off + 70001,
        };
        let mut template_types = BTreeMap::new();
        let mut seeded_types = Vec::new();
        for t in &seed.template_types {
            let id = ids.template_type();
            let mut fields: Vec<DataFieldDef> = Vec::new();
            for f in &t.data_fields {
                if fields.iter().any(|x| x.custom_id == f.custom_id) {
                    return Err(SandboxError::InvalidSeed(format!(
                        "duplicate data field {} on template type {}",
                        f.custom_id, t.name
                    )));
                }
                fields.push(DataFieldDef {
                    id: ids.data_field(),
                    custom_id: f.custom_id.clone(),
                    name: f.name.clone(),
                    description: String::new(),
                    placeholder: f.name.clone(),
                    value: f.value.clone(),
                    system: f.system,
                });
            }
            seeded_types.push(SeededTemplateType {
                id,
                name: t.name.clone(),
                extension_type: t.extension_type.clone(),
                data_fields: fields.iter().map(|f| (f.id, f.custom_id.clone())).collect(),
            });
            template_types.insert(
                id,
                TemplateType {
                    id,
                    name: t.name.clone(),
                    description: t.description.clone(),
                    extension_type: t.extension_type.clone(),
                    data_fields: fields,
                    created,
                    updated: created,
                },
            );
        }
        let mut templates = Vec::new();
        for (i, t) in seed.templates.iter().enumerate() {
            let mut workspace_ids = Vec::new();
            for name in &t.workspaces {
                let ws = workspaces.iter().find(|w| &w.name == name).ok_or_else(|| {
                    SandboxError::InvalidSeed(format!(
                        "template {} names unknown workspace {name}",
                        t.name
                    ))
                })?;
                workspace_ids.push(ws.id);
            }
            let template_type_id = match &t.template_type {
                None => None,
                Some(name) => Some(
                    seeded_types
                        .iter()
                        .find(|x| &x.name == name)
                        .ok_or_else(|| {
                            SandboxError::InvalidSeed(format!(
                                "template {} names unknown template type {name}",
                                t.name
                            ))
                        })?
                        .id,
                ),
            };
            if t.delivery_channels.is_empty()
                || t.sign_methods.is_empty()
                || t.two_step_methods.is_empty()
            {
                return Err(SandboxError::InvalidSeed(format!(
                    "template {} must offer at least one delivery channel, sign method and two-step method",
                    t.name
                )));
            }
            templates.push(Template {
                id: off + 5001 + i as i64,
                name: t.name.clone(),
                workspace_ids,
                template_type_id,
                active: t.active,
                options: Options {
                    pdf: t.pdf_section,
                    attachments: t.attachments_section,
                    products: t.product_table,
                    delivery_channels: t.delivery_channels.clone(),
                    sign_methods: t.sign_methods.clone(),
                    two_step: t.two_step_methods.clone(),
                },
                created,
                updated: created,
            });
        }
        let seeded = Seeded {
            account_id: account.id,
            users: users
                .iter()
                .map(|u| SeededUser {
                    id: u.id,
                    name: u.name.clone(),
                    email: u.email.clone(),
                    is_admin: u.is_admin,
                    active: u.active,
                })
                .collect(),
            workspaces: workspaces
                .iter()
                .map(|w| SeededEntity {
                    id: w.id,
                    name: w.name.clone(),
                })
                .collect(),
            template_types: seeded_types,
            templates: templates
                .iter()
                .map(|t| SeededEntity {
                    id: t.id,
                    name: t.name.clone(),
                })
                .collect(),
        };
        let world = World {
            base,
            account,
            users,
            workspaces,
            template_types,
            templates,
            contracts: BTreeMap::new(),
            webhooks: BTreeMap::new(),
            downloads: HashMap::new(),
            sign_links: HashMap::new(),
            ids,
            emitted: Vec::new(),
        };
        Ok((world, seeded))
    }

    pub(crate) fn link(&self, path: &str) -> Value {
        json!({ "href": format!("{}{}", self.base, path) })
    }

    pub(crate) fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.email.eq_ignore_ascii_case(email))
    }

    pub(crate) fn anonymous_actor(&self) -> Actor {
        match self.users.iter().find(|u| u.is_admin && u.active) {
            Some(u) => Actor {
                user_id: u.id,
                name: u.name.clone(),
                is_admin: true,
            },
            None => Actor {
                user_id: 0,
                name: "API".to_owned(),
                is_admin: true,
            },
        }
    }

    pub(crate) fn can_create_in(&self, actor: &Actor, workspace: &Workspace) -> bool {
        actor.is_admin
            || workspace
                .members
                .as_ref()
                .is_none_or(|m| m.contains(&actor.user_id))
    }

    pub(crate) fn template(&self, id: i64) -> Option<&Template> {
        self.templates.iter().find(|t| t.id == id)
    }

    pub(crate) fn workspace(&self, id: i64) -> Option<&Workspace> {
        self.workspaces.iter().find(|w| w.id == id)
    }

    /// Record an event on a contract and queue it for webhook delivery.
    pub(crate) fn emit(
        &mut self,
        contract_id: i64,
        kind: &str,
        actor: Option<EventActor>,
        data: Value,
    ) -> Option<i64> {
        let event_id = self.ids.event();
        let contract = self.contracts.get_mut(&contract_id)?;
        let created = Utc::now();
        contract.events.push(Event {
            id: event_id,
            kind: kind.to_owned(),
            created,
            actor,
            data,
        });
        self.emitted.push(Emitted {
            contract_id,
            workspace_id: contract.workspace_id,
            template_type_id: contract.template_type_id,
            event_id,
            kind: kind.to_owned(),
            created,
        });
        Some(event_id)
    }

    /// The acting user as an event actor, with the owner party.
    pub(crate) fn event_actor(&self, contract_id: i64, actor: &Actor) -> EventActor {
        let party = self.contracts.get(&contract_id).and_then(|c| {
            c.parties
                .iter()
                .find(|p| p.my_party)
                .map(|p| (p.id, p.name.clone().unwrap_or_default()))
        });
        EventActor {
            id: actor.user_id,
            name: actor.name.clone(),
            party,
        }
    }

    // ---- rendering -------------------------------------------------------------------

    pub(crate) fn render_account(&self) -> Value {
        json!({
            "_links": { "self": self.link("/accounts/me") },
            "id": self.account.id,
            "name": self.account.name,
            "country_code": "SE",
            "registration_number": "556677-8899",
            "created_time": fmt_time(&self.account.created),
            "updated_time": fmt_time(&self.account.created),
        })
    }

    pub(crate) fn render_user(&self, user: &User) -> Value {
        json!({
            "_links": { "self": self.link(&format!("/users/{}", user.id)) },
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "active": user.active,
            "is_admin": user.is_admin,
            "phone_number": null,
            "title": null,
            "state": "registered",
        })
    }

    pub(crate) fn render_workspace(&self, ws: &Workspace, actor: &Actor) -> Value {
        json!({
            "_links": { "self": self.link(&format!("/workspaces/{}", ws.id)) },
            "_permissions": { "contract:create": self.can_create_in(actor, ws) },
            "id": ws.id,
            "name": ws.name,
            "description": "",
            "company_name": self.account.name,
            "country_code": "SE",
            "registration_number": "556677-8899",
            "date_format": "YYYY-MM-DD",
            "created_time": fmt_time(&ws.created),
            "updated_time": fmt_time(&ws.created),
        })
    }

    pub(crate) fn render_data_field_def(&self, type_id: i64, f: &DataFieldDef) -> Value {
        json!({
            "_links": { "template_type": self.link(&format!("/template_types/{type_id}")) },
            "id": f.id,
            "custom_id": f.custom_id,
            "name": f.name,
            "description": f.description,
            "placeholder": f.placeholder,
            "value": f.value,
            "source": if f.system { "system" } else { "user" },
            "active": true,
        })
    }

    pub(crate) fn render_template_type(&self, t: &TemplateType) -> Value {
        let fields: Vec<Value> = t
            .data_fields
            .iter()
            .map(|f| self.render_data_field_def(t.id, f))
            .collect();
        json!({
            "_links": { "self": self.link(&format!("/template_types/{}", t.id)) },
            "id": t.id,
            "name": t.name,
            "description": t.description,
            "extension_type": t.extension_type,
            "active": true,
            "data_fields": fields,
            "created_time": fmt_time(&t.created),
            "updated_time": fmt_time(&t.updated),
        })
    }

    /// The short template type object embedded in templates (no data fields).
    fn render_template_type_ref(&self, id: Option<i64>) -> Value {
        match id.and_then(|id| self.template_types.get(&id)) {
            None => Value::Null,
            Some(t) => json!({
                "id": t.id,
                "name": t.name,
                "description": t.description,
                "extension_type": t.extension_type,
                "created_time": fmt_time(&t.created),
                "updated_time": fmt_time(&t.updated),
            }),
        }
    }

    pub(crate) fn render_template(&self, t: &Template) -> Value {
        let workspaces: Vec<Value> = t
            .workspace_ids
            .iter()
            .filter_map(|id| self.workspace(*id))
            .map(|w| json!({ "id": w.id, "name": w.name }))
            .collect();
        json!({
            "_links": { "self": self.link(&format!("/templates/{}", t.id)) },
            "id": t.id,
            "name": t.name,
            "available_options": render_options(&t.options),
            "template_type": self.render_template_type_ref(t.template_type_id),
            "workspaces": workspaces,
            "parties": [],
            "product_groups": [],
            "created_time": fmt_time(&t.created),
            "updated_time": fmt_time(&t.updated),
        })
    }

    pub(crate) fn render_participant(
        &self,
        cid: i64,
        party_id: i64,
        p: &Participant,
        actor: &Actor,
    ) -> Value {
        json!({
            "_links": { "self": self.link(&format!("/contracts/{cid}/parties/{party_id}/participants/{}", p.id)) },
            "_options": p.options.clone().unwrap_or_else(|| json!({ "invite": p.delivery_channel != "none" })),
            "_permissions": { "contract:update": p.can_update },
            "_private_ownerside": {
                "created_time": fmt_time(&p.created),
                "updated_time": fmt_time(&p.updated),
                "first_visited_time": opt_time(p.first_visited.as_ref()),
                "last_visited_time": opt_time(p.last_visited.as_ref()),
                "visits": p.visits,
                "custom_id": p.custom_id,
            },
            "id": p.id,
            "name": p.name,
            "email": p.email,
            "phone_number": p.phone_number,
            "title": p.title,
            "identification_number": p.identification_number,
            "signatory": p.signatory,
            "organizer": p.organizer,
            "my_participant": p.user_id.is_some_and(|u| u == actor.user_id),
            "delivery_channel": p.delivery_channel,
            "delivery_status": p.delivery_status,
            "sign_method": p.sign_method,
            "sign_state": p.sign_state,
            "sign_state_updated_time": opt_time(p.sign_state_updated.as_ref()),
            "two_step_authentication_method": p.two_step,
        })
    }

    pub(crate) fn render_party(&self, cid: i64, party: &Party, actor: &Actor) -> Value {
        let participants: Vec<Value> = party
            .participants
            .iter()
            .map(|p| self.render_participant(cid, party.id, p, actor))
            .collect();
        let mut value = json!({
            "_links": { "self": self.link(&format!("/contracts/{cid}/parties/{}", party.id)) },
            "_private_ownerside": {
                "created_time": fmt_time(&party.created),
                "updated_time": fmt_time(&party.updated),
            },
            "id": party.id,
            "type": party.kind,
            "name": party.name,
            "identification_number": party.identification_number,
            "country_code": party.country_code,
            "my_party": party.my_party,
            "participants": participants,
        });
        if party.kind == "individual" {
            let first = participants_first(&value);
            if let (Some(obj), Some(first)) = (value.as_object_mut(), first) {
                obj.insert("participant".to_owned(), first);
            }
        }
        value
    }

    pub(crate) fn render_contract_field(&self, cid: i64, f: &ContractField) -> Value {
        json!({
            "_links": { "self": self.link(&format!("/contracts/{cid}/data_fields/{}", f.id)) },
            "_private_ownerside": {
                "custom_id": f.def.custom_id,
                "created_time": fmt_time(&f.created),
                "updated_time": fmt_time(&f.updated),
            },
            "id": f.id,
            "name": f.def.name,
            "description": f.def.description,
            "placeholder": f.def.placeholder,
            "value": f.value,
            "source": if f.def.system { "system" } else { "user" },
            "active": true,
        })
    }

    pub(crate) fn render_contract(&self, c: &Contract, actor: &Actor) -> Value {
        let parties: Vec<Value> = c
            .parties
            .iter()
            .map(|p| self.render_party(c.id, p, actor))
            .collect();
        let fields: Vec<Value> = c
            .data_fields
            .iter()
            .map(|f| self.render_contract_field(c.id, f))
            .collect();
        json!({
            "_links": { "self": self.link(&format!("/contracts/{}", c.id)) },
            "id": c.id,
            "state": c.state,
            "_private": {
                "name": c.name,
                "value": c.value,
                "workspace_id": c.workspace_id,
                "signing_period_expiration": c.signing_period_expiration,
            },
            "_private_ownerside": {
                "template_id": c.template_id,
                "template_type_id": c.template_type_id,
                "created_time": fmt_time(&c.created),
            },
            "_permissions": {
                "contract:update": c.state == "draft",
                "contract:publish": c.state == "draft",
                "contract:delete": true,
            },
            "available_options": render_options(&c.options),
            "parties": parties,
            "data_fields": fields,
            "sign_order": c.sign_order,
            "product_groups": c.product_groups.iter().map(render_product_group).collect::<Vec<Value>>(),
            "attachment_file_groups": [],
            "pdf_file_groups": [],
            "tags": c.tags.iter().map(|id| json!({ "id": id })).collect::<Vec<Value>>(),
            "links": [],
            "lifecycle_settings": null,
            "lifecycle_state": null,
            "updated_time": fmt_time(&c.updated),
            "state_updated_time": fmt_time(&c.state_updated),
            "published_time": opt_time(c.published.as_ref()),
            "signing_period_expiry_time": opt_time(c.signing_period_expiry_time.as_ref()),
        })
    }

    pub(crate) fn render_event(&self, cid: i64, e: &Event) -> Value {
        let actor = match &e.actor {
            None => Value::Null,
            Some(a) => json!({
                "id": a.id,
                "name": a.name,
                "party": a.party.as_ref().map(|(id, name)| json!({ "id": id, "name": name })),
            }),
        };
        json!({
            "_links": { "self": self.link(&format!("/contracts/{cid}/events/{}", e.id)) },
            "id": e.id,
            "type": e.kind,
            "created_time": fmt_time(&e.created),
            "actor": actor,
            "data": e.data,
        })
    }

    pub(crate) fn render_file(&self, cid: i64, f: &StoredFile) -> Value {
        json!({
            "_links": {
                "self": self.link(&format!("/contracts/{cid}/files/{}", f.id)),
                "download": self.link(&format!("/contracts/{cid}/files/{}?download=true", f.id)),
            },
            "id": f.id,
            "name": f.name,
            "extension": f.extension,
            "type": f.kind,
        })
    }

    pub(crate) fn render_webhook(&self, h: &Webhook) -> Value {
        json!({
            "_links": { "self": self.link(&format!("/webhooks/{}", h.id)) },
            "id": h.id,
            "webhook_id": h.id,
            "callback_url": h.callback_url,
            "filters": h.filters,
            "template_group_id": h.template_group_id,
            "configuration": h.configuration,
            "integration_instance": null,
            "legacy_webhook": false,
        })
    }
}

fn participants_first(party: &Value) -> Option<Value> {
    party.get("participants")?.as_array()?.first().cloned()
}

fn required_attributes(method: &str) -> Vec<&'static str> {
    match method {
        "email" => vec!["email"],
        "sms" => vec!["phone_number"],
        "email_and_sms" => vec!["email", "phone_number"],
        _ => Vec::new(),
    }
}

/// `available_options` of a template or contract.
pub(crate) fn render_options(o: &Options) -> Value {
    let with_attrs = |names: &[String]| -> Vec<Value> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                json!({
                    "name": n,
                    "preferred": i == 0,
                    "required_participant_attributes": required_attributes(n),
                })
            })
            .collect()
    };
    let sign: Vec<Value> = o
        .sign_methods
        .iter()
        .enumerate()
        .map(|(i, n)| json!({ "name": n, "preferred": i == 0 }))
        .collect();
    json!({
        "can_receive_attachments": o.attachments,
        "can_receive_expanded_pdf": o.pdf,
        "can_receive_products": o.products,
        "delivery_channels": with_attrs(&o.delivery_channels),
        "sign_methods": sign,
        "two_step_authentication_methods": with_attrs(&o.two_step),
    })
}

/// A product group as the contract and `GET …/product_groups` show it.
pub(crate) fn render_product_group(g: &ProductGroup) -> Value {
    json!({
        "id": g.id,
        "products": g.products,
    })
}
