//! Parties and participants: parsing and validation rules, and their endpoints.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use serde_json::{json, Value};

use super::input::{
    check_len, join, json_body, object, opt_array, opt_bool, opt_object, opt_str, path_id,
};
use super::{paginate, QueryParams};
use crate::errors::Problem;
use crate::state::{Actor, Contract, Ids, Options, Participant, Party, Time, World};
use crate::Shared;

/// Maximum parties per contract, participants per contract, and owner-side participants.
pub(super) const MAX_PARTIES: usize = 40;
pub(super) const MAX_PARTICIPANTS: usize = 40;
pub(super) const MAX_OWNER_PARTICIPANTS: usize = 29;

/// Fields a request may set on a participant (absent = unchanged / default).
#[derive(Default)]
pub(super) struct ParticipantPatch {
    name: Option<String>,
    email: Option<String>,
    phone_number: Option<String>,
    title: Option<String>,
    identification_number: Option<String>,
    signatory: Option<bool>,
    delivery_channel: Option<String>,
    sign_method: Option<String>,
    two_step: Option<String>,
    can_update: Option<bool>,
    custom_id: Option<String>,
}

pub(super) fn parse_patch(value: &Value, path: &str) -> Result<ParticipantPatch, Problem> {
    let obj = object(value, path)?;
    let s = |key: &str| -> Result<Option<String>, Problem> {
        Ok(opt_str(obj, key, path)?.map(str::to_owned))
    };
    let can_update = match opt_object(obj, "_permissions", path)? {
        None => None,
        Some(perms) => opt_bool(perms, "contract:update", &join(path, "_permissions"))?,
    };
    let custom_id = match opt_object(obj, "_private_ownerside", path)? {
        None => None,
        Some(o) => opt_str(o, "custom_id", &join(path, "_private_ownerside"))?.map(str::to_owned),
    };
    Ok(ParticipantPatch {
        name: s("name")?,
        email: s("email")?,
        phone_number: s("phone_number")?,
        title: s("title")?,
        identification_number: s("identification_number")?,
        signatory: opt_bool(obj, "signatory", path)?,
        delivery_channel: s("delivery_channel")?,
        sign_method: s("sign_method")?,
        two_step: s("two_step_authentication_method")?,
        can_update,
        custom_id,
    })
}

impl ParticipantPatch {
    fn apply(self, p: &mut Participant) {
        let set = |slot: &mut Option<String>, v: Option<String>| {
            if let Some(v) = v {
                *slot = if v.is_empty() { None } else { Some(v) };
            }
        };
        if let Some(name) = self.name {
            p.name = name;
        }
        set(&mut p.email, self.email);
        set(&mut p.phone_number, self.phone_number);
        set(&mut p.title, self.title);
        set(&mut p.identification_number, self.identification_number);
        set(&mut p.custom_id, self.custom_id);
        if let Some(v) = self.signatory {
            p.signatory = v;
        }
        if let Some(v) = self.delivery_channel {
            p.delivery_channel = v;
        }
        if let Some(v) = self.sign_method {
            p.sign_method = v;
        }
        if let Some(v) = self.two_step {
            p.two_step = v;
        }
        if let Some(v) = self.can_update {
            p.can_update = v;
        }
        p.updated = Utc::now();
    }
}

/// A participant with the template's preferred options and no id yet.
fn blank_participant(options: &Options, now: Time) -> Participant {
    let first = |v: &[String]| v.first().cloned().unwrap_or_default();
    Participant {
        id: 0,
        name: String::new(),
        email: None,
        phone_number: None,
        title: None,
        identification_number: None,
        signatory: false,
        organizer: false,
        options: None,
        delivery_channel: first(&options.delivery_channels),
        delivery_status: "not_sent".to_owned(),
        sign_method: first(&options.sign_methods),
        two_step: if options.two_step.iter().any(|m| m == "none") {
            "none".to_owned()
        } else {
            first(&options.two_step)
        },
        sign_state: "undecided".to_owned(),
        sign_state_updated: None,
        can_update: true,
        user_id: None,
        custom_id: None,
        visits: 0,
        first_visited: None,
        last_visited: None,
        created: now,
        updated: now,
    }
}

fn offered(value: &str, offered: &[String], path: &str, what: &str) -> Result<(), Problem> {
    if offered.iter().any(|o| o == value) {
        return Ok(());
    }
    Err(Problem::bad_param(
        path,
        format!(
            "{what} `{value}` is not offered by the template (offered: {})",
            offered.join(", ")
        ),
    ))
}

/// Oneflow's participant rules: name, option availability, e-mail/phone requirements.
pub(super) fn validate(p: &Participant, options: &Options, path: &str) -> Result<(), Problem> {
    check_len(p.name.trim(), 1, 100, &join(path, "name"))?;
    offered(
        &p.delivery_channel,
        &options.delivery_channels,
        &join(path, "delivery_channel"),
        "delivery channel",
    )?;
    offered(
        &p.sign_method,
        &options.sign_methods,
        &join(path, "sign_method"),
        "sign method",
    )?;
    offered(
        &p.two_step,
        &options.two_step,
        &join(path, "two_step_authentication_method"),
        "two-step authentication method",
    )?;
    let needs_email =
        matches!(p.delivery_channel.as_str(), "email" | "email_and_sms") || p.two_step == "email";
    let needs_phone =
        matches!(p.delivery_channel.as_str(), "sms" | "email_and_sms") || p.two_step == "sms";
    match &p.email {
        None if needs_email => {
            return Err(Problem::bad_param(
                &join(path, "email"),
                "is required when the delivery channel or two-step authentication is `email`",
            ))
        }
        Some(email) if !looks_like_email(email) => {
            return Err(Problem::bad_param(
                &join(path, "email"),
                "is not a valid e-mail address",
            ))
        }
        _ => {}
    }
    match &p.phone_number {
        None if needs_phone => {
            return Err(Problem::bad_param(
                &join(path, "phone_number"),
                "is required when the delivery channel or two-step authentication is `sms`",
            ))
        }
        Some(phone) if !looks_like_e164(phone) => {
            return Err(Problem::bad_param(
                &join(path, "phone_number"),
                "must be in E.164 format, e.g. +46701234567",
            ))
        }
        _ => {}
    }
    if let Some(title) = &p.title {
        check_len(title, 0, 100, &join(path, "title"))?;
    }
    if let Some(id) = &p.identification_number {
        check_len(id, 0, 25, &join(path, "identification_number"))?;
    }
    Ok(())
}

fn looks_like_email(email: &str) -> bool {
    let mut parts = email.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(char::is_whitespace)
        && email.len() <= 254
}

fn looks_like_e164(phone: &str) -> bool {
    let Some(digits) = phone.strip_prefix('+') else {
        return false;
    };
    (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A new counterparty participant from a request body.
pub(super) fn counterparty_participant(
    value: &Value,
    path: &str,
    options: &Options,
    now: Time,
) -> Result<Participant, Problem> {
    let patch = parse_patch(value, path)?;
    // The create-a-contract and create-a-participant references mark `delivery_channel`
    // required on counterparty participants: no template default is filled in.
    if patch.delivery_channel.is_none() {
        return Err(Problem::bad_param(
            &join(path, "delivery_channel"),
            "is required for counterparty participants",
        ));
    }
    let mut p = blank_participant(options, now);
    patch.apply(&mut p);
    if creation_extras(&mut p, value, path)? {
        return Err(Problem::bad_param(
            &join(path, "organizer"),
            "only a participant of your own party can be the organizer",
        ));
    }
    p.updated = now;
    validate(&p, options, path)?;
    Ok(p)
}

/// `organizer` (boolean, default false) and `_options` (object) from the
/// create-a-participant reference; returns whether `organizer: true` was asked for.
fn creation_extras(p: &mut Participant, value: &Value, path: &str) -> Result<bool, Problem> {
    let obj = object(value, path)?;
    // docs "participant": `_options` holds the boolean `invite`.
    if let Some(o) = opt_object(obj, "_options", path)? {
        let opath = join(path, "_options");
        if let Some(key) = o.keys().find(|k| k.as_str() != "invite") {
            return Err(Problem::bad_param(
                &join(&opath, key),
                "is not a participant option",
            ));
        }
        opt_bool(o, "invite", &opath)?;
        p.options = Some(Value::Object(o.clone()));
    }
    Ok(opt_bool(obj, "organizer", path)? == Some(true))
}

/// A new owner-side participant: must name an active user by e-mail.
pub(super) fn owner_participant(
    w: &World,
    value: &Value,
    path: &str,
    options: &Options,
    now: Time,
) -> Result<Participant, Problem> {
    let patch = parse_patch(value, path)?;
    let email = patch.email.clone().ok_or_else(|| {
        Problem::bad_param(
            &join(path, "email"),
            "is required for participants of your own party",
        )
    })?;
    let user = w
        .user_by_email(&email)
        .filter(|u| u.active)
        .ok_or_else(|| {
            Problem::bad_param(
                &join(path, "email"),
                "must be the e-mail of an active user of the account",
            )
        })?;
    let mut p = blank_participant(options, now);
    p.name = user.name.clone();
    p.user_id = Some(user.id);
    if options.delivery_channels.iter().any(|c| c == "email") {
        p.delivery_channel = "email".to_owned();
    }
    patch.apply(&mut p);
    p.organizer = creation_extras(&mut p, value, path)?;
    p.email = Some(user.email.clone());
    p.updated = now;
    validate(&p, options, path)?;
    Ok(p)
}

/// The creator as an owner-side organizer (not a signatory unless listed as one).
pub(super) fn creator_participant(
    w: &World,
    actor: &Actor,
    options: &Options,
    now: Time,
) -> Option<Participant> {
    let user = w.users.iter().find(|u| u.id == actor.user_id)?;
    let mut p = blank_participant(options, now);
    p.name = user.name.clone();
    p.email = Some(user.email.clone());
    p.user_id = Some(user.id);
    p.organizer = true;
    if options.delivery_channels.iter().any(|c| c == "email") {
        p.delivery_channel = "email".to_owned();
    } else if options.delivery_channels.iter().any(|c| c == "none") {
        p.delivery_channel = "none".to_owned();
    }
    Some(p)
}

/// A counterparty (`company` with `participants`, or `individual` with `participant`).
pub(super) fn counterparty(
    value: &Value,
    path: &str,
    options: &Options,
    now: Time,
) -> Result<Party, Problem> {
    let obj = object(value, path)?;
    let kind = opt_str(obj, "type", path)?.ok_or_else(|| {
        Problem::bad_param(
            &join(path, "type"),
            "is required (`company` or `individual`)",
        )
    })?;
    let identification_number = opt_str(obj, "identification_number", path)?.map(str::to_owned);
    if let Some(id) = &identification_number {
        check_len(id, 0, 25, &join(path, "identification_number"))?;
    }
    let country_code = opt_str(obj, "country_code", path)?.map(str::to_owned);
    if let Some(cc) = &country_code {
        if cc.len() != 2 || !cc.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Problem::bad_param(
                &join(path, "country_code"),
                "must be an ISO 3166-1 alpha-2 code such as `SE`",
            ));
        }
    }
    let (name, participants) = match kind {
        "company" => {
            let name = opt_str(obj, "name", path)?.ok_or_else(|| {
                Problem::bad_param(&join(path, "name"), "is required for company parties")
            })?;
            check_len(name.trim(), 1, 100, &join(path, "name"))?;
            let list = opt_array(obj, "participants", path)?
                .filter(|l| !l.is_empty())
                .ok_or_else(|| {
                    Problem::bad_param(
                        &join(path, "participants"),
                        "a company party needs at least one participant",
                    )
                })?;
            let mut participants = Vec::new();
            for (i, item) in list.iter().enumerate() {
                participants.push(counterparty_participant(
                    item,
                    &format!("{path}.participants[{i}]"),
                    options,
                    now,
                )?);
            }
            (Some(name.to_owned()), participants)
        }
        "individual" => {
            if obj.contains_key("participants") {
                return Err(Problem::bad_param(
                    &join(path, "participants"),
                    "an individual party takes exactly one person in `participant`",
                ));
            }
            let person = obj
                .get("participant")
                .filter(|v| !v.is_null())
                .ok_or_else(|| {
                    Problem::bad_param(
                        &join(path, "participant"),
                        "is required for individual parties",
                    )
                })?;
            let p = counterparty_participant(person, &join(path, "participant"), options, now)?;
            (Some(p.name.clone()), vec![p])
        }
        other => {
            return Err(Problem::bad_param(
                &join(path, "type"),
                format!("`{other}` is not a party type (use `company` or `individual`)"),
            ))
        }
    };
    Ok(Party {
        id: 0,
        kind: kind.to_owned(),
        name,
        identification_number,
        country_code,
        my_party: false,
        participants,
        created: now,
        updated: now,
    })
}

pub(super) fn assign_ids(party: &mut Party, ids: &mut Ids) {
    if party.id == 0 {
        party.id = ids.party();
    }
    for p in &mut party.participants {
        if p.id == 0 {
            p.id = ids.participant();
        }
    }
}

pub(super) fn contract_not_found(id: i64) -> Problem {
    Problem::not_found(format!("Contract {id} was not found."))
}

/// The contract, which must still be a draft (409 otherwise).
pub(super) fn draft_mut(w: &mut World, id: i64) -> Result<&mut Contract, Problem> {
    let c = w
        .contracts
        .get_mut(&id)
        .ok_or_else(|| contract_not_found(id))?;
    if c.state != "draft" {
        return Err(Problem::conflict(format!(
            "Contract {id} is `{}`; only draft contracts can be changed this way.",
            c.state
        )));
    }
    Ok(c)
}

fn check_limits(
    c: &Contract,
    extra_parties: usize,
    extra_participants: usize,
) -> Result<(), Problem> {
    if c.parties.len() + extra_parties > MAX_PARTIES {
        return Err(Problem::bad_request(format!(
            "A contract can have at most {MAX_PARTIES} parties."
        )));
    }
    if c.participant_count() + extra_participants > MAX_PARTICIPANTS {
        return Err(Problem::bad_request(format!(
            "A contract can have at most {MAX_PARTICIPANTS} participants."
        )));
    }
    Ok(())
}

pub(super) async fn list(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let q = QueryParams::parse(raw.as_deref())?;
    s.read(|w| {
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        let items = c
            .parties
            .iter()
            .map(|p| w.render_party(id, p, &actor))
            .collect();
        paginate(&w.base, &format!("/contracts/{id}/parties"), &q, items).map(Json)
    })
}

/// `GET /contracts/{id}/parties/{party_id}` ("Get a party by ID").
pub(super) async fn get_one(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path((id, party_id)): Path<(String, String)>,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let party_id = path_id(&party_id, "Party")?;
    s.read(|w| {
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        let party = c
            .parties
            .iter()
            .find(|p| p.id == party_id)
            .ok_or_else(|| Problem::not_found(format!("Party {party_id} was not found.")))?;
        Ok(Json(w.render_party(id, party, &actor)))
    })
}

pub(super) async fn create(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let body = json_body(&body)?;
    s.mutate(|w| {
        let c = draft_mut(w, id)?;
        let mut party = counterparty(&body, "", &c.options, Utc::now())?;
        check_limits(c, 1, party.participants.len())?;
        assign_ids(&mut party, &mut w.ids);
        let party_id = party.id;
        let c = draft_mut(w, id)?;
        c.parties.push(party);
        c.touch();
        let c = &w.contracts[&id];
        let party = c
            .parties
            .iter()
            .find(|p| p.id == party_id)
            .map(|p| w.render_party(id, p, &actor));
        Ok(Json(party.unwrap_or(Value::Null)))
    })
}

pub(super) async fn update(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path((id, party_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let party_id = path_id(&party_id, "Party")?;
    let body = json_body(&body)?;
    let obj = object(&body, "")?;
    let name = opt_str(obj, "name", "")?;
    if let Some(name) = name {
        check_len(name.trim(), 1, 100, "name")?;
    }
    let identification_number = opt_str(obj, "identification_number", "")?;
    if let Some(v) = identification_number {
        check_len(v, 0, 25, "identification_number")?;
    }
    let country_code = opt_str(obj, "country_code", "")?;
    s.mutate(|w| {
        let c = draft_mut(w, id)?;
        let party = c
            .parties
            .iter_mut()
            .find(|p| p.id == party_id)
            .ok_or_else(|| Problem::not_found(format!("Party {party_id} was not found.")))?;
        if let Some(name) = name {
            party.name = Some(name.to_owned());
        }
        if let Some(v) = identification_number {
            party.identification_number = Some(v.to_owned());
        }
        if let Some(v) = country_code {
            party.country_code = Some(v.to_owned());
        }
        party.updated = Utc::now();
        c.touch();
        let c = &w.contracts[&id];
        let party = c
            .parties
            .iter()
            .find(|p| p.id == party_id)
            .map(|p| w.render_party(id, p, &actor));
        Ok(Json(party.unwrap_or(Value::Null)))
    })
}

/// `DELETE /contracts/{id}/parties/{party_id}`: 200 with an empty body, also when missing.
pub(super) async fn delete(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path((id, party_id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let id = path_id(&id, "Contract")?;
    let Ok(party_id) = party_id.parse::<i64>() else {
        return Ok(StatusCode::OK.into_response());
    };
    s.mutate(|w| {
        let Some(c) = w.contracts.get_mut(&id) else {
            return Ok(StatusCode::OK.into_response());
        };
        let Some(index) = c.parties.iter().position(|p| p.id == party_id) else {
            return Ok(StatusCode::OK.into_response());
        };
        let c = draft_mut(w, id)?;
        if c.parties[index].my_party {
            return Err(Problem::bad_request(
                "Your own party cannot be removed from a contract.",
            ));
        }
        c.parties.remove(index);
        c.touch();
        let actor = w.event_actor(id, &actor);
        w.emit(
            id,
            "party:delete",
            Some(actor),
            json!({ "subject": { "party": { "id": party_id } } }),
        );
        Ok(StatusCode::OK.into_response())
    })
}

pub(super) async fn create_participant(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path((id, party_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let party_id = path_id(&party_id, "Party")?;
    let body = json_body(&body)?;
    s.mutate(|w| {
        let now = Utc::now();
        let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
        let party = c
            .parties
            .iter()
            .find(|p| p.id == party_id)
            .ok_or_else(|| Problem::not_found(format!("Party {party_id} was not found.")))?;
        if party.kind == "individual" {
            return Err(Problem::conflict(
                "An individual party has exactly one participant.",
            ));
        }
        let options = c.options.clone();
        let my_party = party.my_party;
        let owner_count = party.participants.len();
        let owner_users: Vec<Option<i64>> = party.participants.iter().map(|x| x.user_id).collect();
        let mut p = if my_party {
            if owner_count + 1 > MAX_OWNER_PARTICIPANTS {
                return Err(Problem::bad_request(format!(
                    "Your own party can have at most {MAX_OWNER_PARTICIPANTS} participants."
                )));
            }
            let p = owner_participant(w, &body, "", &options, now)?;
            // As on create: a colleague is listed at most once in the own party.
            if owner_users.contains(&p.user_id) {
                return Err(Problem::bad_param(
                    "email",
                    "is already a participant of your own party",
                ));
            }
            p
        } else {
            counterparty_participant(&body, "", &options, now)?
        };
        let c = draft_mut(w, id)?;
        check_limits(c, 0, 1)?;
        p.id = w.ids.participant();
        let pid = p.id;
        let name = p.name.clone();
        let c = draft_mut(w, id)?;
        if let Some(party) = c.parties.iter_mut().find(|x| x.id == party_id) {
            party.participants.push(p);
        }
        c.touch();
        let ev_actor = w.event_actor(id, &actor);
        w.emit(
            id,
            "participant:create",
            Some(ev_actor),
            json!({ "subject": { "participant": { "id": pid, "name": name } } }),
        );
        render_participant(w, id, party_id, pid, &actor)
    })
}

fn render_participant(
    w: &World,
    id: i64,
    party_id: i64,
    pid: i64,
    actor: &Actor,
) -> Result<Json<Value>, Problem> {
    let c = w.contracts.get(&id).ok_or_else(|| contract_not_found(id))?;
    let p = c
        .participant(pid)
        .ok_or_else(|| Problem::not_found(format!("Participant {pid} was not found.")))?;
    Ok(Json(w.render_participant(id, party_id, p, actor)))
}

pub(super) async fn update_participant(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path((id, party_id, pid)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    let id = path_id(&id, "Contract")?;
    let party_id = path_id(&party_id, "Party")?;
    let pid = path_id(&pid, "Participant")?;
    let body = json_body(&body)?;
    let patch = parse_patch(&body, "")?;
    s.mutate(|w| {
        let c = draft_mut(w, id)?;
        let options = c.options.clone();
        let party = c
            .parties
            .iter_mut()
            .find(|p| p.id == party_id)
            .ok_or_else(|| Problem::not_found(format!("Party {party_id} was not found.")))?;
        let my_party = party.my_party;
        let current = party
            .participants
            .iter_mut()
            .find(|p| p.id == pid)
            .ok_or_else(|| Problem::not_found(format!("Participant {pid} was not found.")))?;
        let mut next = current.clone();
        if my_party
            && patch
                .email
                .as_ref()
                .is_some_and(|e| Some(e) != next.email.as_ref())
        {
            return Err(Problem::bad_param(
                "email",
                "the e-mail of an owner-side participant cannot change",
            ));
        }
        patch.apply(&mut next);
        validate(&next, &options, "")?;
        *current = next;
        c.touch();
        render_participant(w, id, party_id, pid, &actor)
    })
}

/// `DELETE …/participants/{participant_id}`: 200 with an empty body, also when missing.
pub(super) async fn delete_participant(
    State(s): State<Arc<Shared>>,
    Extension(actor): Extension<Actor>,
    Path((id, party_id, pid)): Path<(String, String, String)>,
) -> Result<Response, Problem> {
    let id = path_id(&id, "Contract")?;
    let (Ok(party_id), Ok(pid)) = (party_id.parse::<i64>(), pid.parse::<i64>()) else {
        return Ok(StatusCode::OK.into_response());
    };
    s.mutate(|w| {
        let exists = w.contracts.get(&id).is_some_and(|c| {
            c.parties
                .iter()
                .any(|p| p.id == party_id && p.participants.iter().any(|x| x.id == pid))
        });
        if !exists {
            return Ok(StatusCode::OK.into_response());
        }
        let c = draft_mut(w, id)?;
        if let Some(party) = c.parties.iter_mut().find(|p| p.id == party_id) {
            if party.participants.len() == 1 {
                return Err(Problem::bad_request(
                    "A party needs at least one participant; remove the party instead.",
                ));
            }
            party.participants.retain(|p| p.id != pid);
        }
        c.touch();
        let ev_actor = w.event_actor(id, &actor);
        w.emit(
            id,
            "participant:delete",
            Some(ev_actor),
            json!({ "subject": { "participant": { "id": pid } } }),
        );
        Ok(StatusCode::OK.into_response())
    })
}
