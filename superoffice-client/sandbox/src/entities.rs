//! Rendering of seeded data in SuperOffice's wire format (PascalCase carriers and entities).

use serde_json::{json, Map, Value};

use super::seed::{CompanySeed, PersonSeed, SaleSeed, UserSeed};
use super::state::Tenant;

/// SuperOffice's date-time format (no zone; the REST API returns UTC for Created/Updated).
pub(crate) const DATE_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";
/// Empty dates.
pub(crate) const EMPTY_DATE: &str = "0001-01-01T00:00:00";

pub(crate) fn now_string() -> String {
    chrono::Utc::now().format(DATE_FORMAT).to_string()
}

struct Country {
    id: i32,
    name: &'static str,
    iso2: &'static str,
    iso3: &'static str,
    org_nr_text: &'static str,
    domain: &'static str,
}

const COUNTRIES: &[Country] = &[
    Country {
        id: 578,
        name: "Norway",
        iso2: "NO",
        iso3: "NOR",
        org_nr_text: "Org.nr",
        domain: "no",
    },
    Country {
        id: 752,
        name: "Sweden",
        iso2: "SE",
        iso3: "SWE",
        org_nr_text: "Org.nr",
        domain: "se",
    },
    Country {
        id: 208,
        name: "Denmark",
        iso2: "DK",
        iso3: "DNK",
        org_nr_text: "CVR",
        domain: "dk",
    },
    Country {
        id: 246,
        name: "Finland",
        iso2: "FI",
        iso3: "FIN",
        org_nr_text: "Y-tunnus",
        domain: "fi",
    },
    Country {
        id: 826,
        name: "United Kingdom",
        iso2: "GB",
        iso3: "GBR",
        org_nr_text: "Company No",
        domain: "uk",
    },
    Country {
        id: 840,
        name: "United States",
        iso2: "US",
        iso3: "USA",
        org_nr_text: "EIN",
        domain: "us",
    },
    Country {
        id: 276,
        name: "Germany",
        iso2: "DE",
        iso3: "DEU",
        org_nr_text: "HRB",
        domain: "de",
    },
    Country {
        id: 528,
        name: "Netherlands",
        iso2: "NL",
        iso3: "NLD",
        org_nr_text: "KvK",
        domain: "nl",
    },
];

fn country(iso2: &str) -> &'static Country {
    COUNTRIES
        .iter()
        .find(|c| c.iso2.eq_ignore_ascii_case(iso2))
        .unwrap_or(&COUNTRIES[0])
}

fn country_entity(iso2: &str) -> Value {
    let c = country(iso2);
    json!({
        "CountryId": c.id,
        "Name": c.name,
        "CurrencyId": 1,
        "EnglishName": c.name,
        "TwoLetterISOCountry": c.iso2,
        "ThreeLetterISOCountry": c.iso3,
        "ImageDescription": "",
        "OrgNrText": c.org_nr_text,
        "InterAreaPrefix": "00",
        "DialInPrefix": "",
        "ZipPrefix": c.iso2,
        "DomainName": c.domain,
        "AddressLayoutId": 1,
        "DomesticAddressLayoutId": 1,
        "ForeignAddressLayoutId": 1,
        "Rank": 1,
        "Tooltip": "",
        "Deleted": false,
    })
}

fn entity_elements(values: &[String]) -> Value {
    Value::Array(
        values
            .iter()
            .map(|v| {
                json!({
                    "Value": v,
                    "StrippedValue": v.chars().filter(|c| !c.is_whitespace()).collect::<String>(),
                    "Description": "",
                })
            })
            .collect(),
    )
}

fn structured_address(kind: &str, c: &CompanySeed) -> Value {
    json!({
        "AtypeIdx": kind,
        "Address1": c.street,
        "Address2": "",
        "Address3": "",
        "City": c.city,
        "County": "",
        "State": "",
        "Zipcode": c.zip,
        "Formatted": formatted_address(c),
    })
}

fn formatted_address(c: &CompanySeed) -> String {
    let city_line = format!("{} {}", c.zip, c.city);
    [c.street.as_str(), city_line.trim()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ")
}

fn address(c: &CompanySeed) -> Value {
    json!({
        "Wgs84Latitude": 0.0,
        "Wgs84Longitude": 0.0,
        "LocalizedAddress": [],
        "Street": structured_address("ContactStreetAddress", c),
        "Postal": structured_address("ContactPostalAddress", c),
        "Formatted": formatted_address(c),
    })
}

/// Upper-case initials of a full name (`"Ada Admin"` → `"AA"`).
pub(crate) fn initials(full_name: &str) -> String {
    full_name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

/// The `Associate` carrier.
pub(crate) fn associate_carrier(tenant: &Tenant, associate_id: i32) -> Value {
    match tenant.user(associate_id) {
        Some(u) => associate_from_user(u),
        None => Value::Null,
    }
}

pub(crate) fn associate_from_user(u: &UserSeed) -> Value {
    json!({
        "AssociateId": u.associate_id,
        "Name": initials(&u.full_name),
        "PersonId": u.person_id,
        "Rank": u.associate_id,
        "Tooltip": u.full_name,
        "Type": "InternalAssociate",
        "GroupIdx": u.group_id,
        "FullName": u.full_name,
        "FormalName": u.full_name,
        "Deleted": !u.active,
        "EjUserId": 0,
        "UserName": u.email,
    })
}

/// The `Contact` carrier (as embedded in sales and persons); `null` for id 0 / unknown.
pub(crate) fn contact_carrier(tenant: &Tenant, contact_id: i32) -> Value {
    let Some(c) = tenant.companies.get(&contact_id) else {
        return Value::Null;
    };
    let owner = tenant.user(c.owner_associate_id);
    let ctry = country(&c.country_iso2);
    json!({
        "ContactId": c.contact_id,
        "Name": c.name,
        "OrgNr": c.org_nr,
        "Department": c.department,
        "URL": "",
        "City": c.city,
        "DirectPhone": c.phones.first().cloned().unwrap_or_default(),
        "AssociateId": c.owner_associate_id,
        "CountryId": ctry.id,
        "EmailAddress": c.emails.first().cloned().unwrap_or_default(),
        "Kananame": "",
        "EmailAddressName": "",
        "URLName": "",
        "AssociateFullName": owner.map(|u| u.full_name.clone()).unwrap_or_default(),
        "BusinessName": "",
        "CategoryName": "",
        "CountryName": ctry.name,
        "Address": address(c),
        "FormattedAddress": formatted_address(c),
        "FullName": if c.department.is_empty() { c.name.clone() } else { format!("{} {}", c.name, c.department) },
        "IsOwnerContact": c.contact_id == tenant.owner_contact_id,
        "ActiveErpLinks": 0,
        "Number1": "",
        "Number2": "",
    })
}

fn full_name(p: &PersonSeed) -> String {
    format!("{} {}", p.firstname, p.lastname).trim().to_owned()
}

/// The `Person` carrier; `null` for id 0 / unknown.
pub(crate) fn person_carrier(tenant: &Tenant, person_id: i32) -> Value {
    let Some(p) = tenant.persons.get(&person_id) else {
        return Value::Null;
    };
    let company = tenant.companies.get(&p.contact_id);
    json!({
        "Position": "",
        "PersonId": p.person_id,
        "Mrmrs": "",
        "Firstname": p.firstname,
        "Lastname": p.lastname,
        "MiddleName": "",
        "Title": p.title,
        "Description": "",
        "Email": p.emails.first().cloned().unwrap_or_default(),
        "FullName": full_name(p),
        "DirectPhone": p.office_phones.first().cloned().unwrap_or_default(),
        "FormalName": full_name(p),
        "CountryId": company.map(|c| country(&c.country_iso2).id).unwrap_or(0),
        "ContactId": p.contact_id,
        "ContactName": company.map(|c| c.name.clone()).unwrap_or_default(),
        "Retired": 0,
        "Rank": 1,
        "ActiveInterests": 0,
        "ContactDepartment": company.map(|c| c.department.clone()).unwrap_or_default(),
        "ContactCountryId": company.map(|c| country(&c.country_iso2).id).unwrap_or(0),
        "ContactOrgNr": company.map(|c| c.org_nr.clone()).unwrap_or_default(),
        "FaxPhone": "",
        "MobilePhone": p.mobile_phones.first().cloned().unwrap_or_default(),
        "ContactPhone": company.and_then(|c| c.phones.first().cloned()).unwrap_or_default(),
        "AssociateName": "",
        "AssociateId": 0,
        "UsePersonAddress": false,
        "ContactFax": "",
        "Kanafname": "",
        "Kanalname": "",
        "Post1": "",
        "Post2": "",
        "Post3": "",
        "EmailName": "",
        "ContactFullName": company.map(|c| c.name.clone()).unwrap_or_default(),
        "ActiveErpLinks": 0,
        "TicketPriorityId": 0,
        "SupportLanguageId": 0,
        "SupportAssociateId": 0,
        "CategoryName": "",
        "PersonNumber": "",
    })
}

/// `ContactEntity`.
pub(crate) fn contact_entity(tenant: &Tenant, c: &CompanySeed) -> Value {
    let persons: Vec<Value> = tenant
        .persons
        .values()
        .filter(|p| p.contact_id == c.contact_id)
        .map(|p| person_carrier(tenant, p.person_id))
        .collect();
    json!({
        "ContactId": c.contact_id,
        "Name": c.name,
        "Department": c.department,
        "OrgNr": c.org_nr,
        "Number1": "",
        "Number2": "",
        "UpdatedDate": EMPTY_DATE,
        "CreatedDate": "2024-01-15T09:30:00",
        "Emails": entity_elements(&c.emails),
        "Interests": [],
        "Urls": [],
        "Phones": entity_elements(&c.phones),
        "Faxes": [],
        "Description": "",
        "UpdatedBy": Value::Null,
        "CreatedBy": associate_carrier(tenant, c.owner_associate_id),
        "Associate": associate_carrier(tenant, c.owner_associate_id),
        "Business": Value::Null,
        "Category": Value::Null,
        "Country": country_entity(&c.country_iso2),
        "Persons": persons,
        "NoMailing": false,
        "Kananame": "",
        "Xstop": false,
        "ActiveInterests": 0,
        "GroupId": 1,
        "ActiveStatusMonitorId": 0,
        "Deleted": 0,
        "Address": address(c),
        "Source": 0,
        "ActiveErpLinks": 0,
        "BounceEmails": [],
        "Domains": [],
        "UserDefinedFields": {},
        "ExtraFields": {},
        "CustomFields": {},
    })
}

/// `PersonEntity`.
pub(crate) fn person_entity(tenant: &Tenant, p: &PersonSeed) -> Value {
    let company = tenant.companies.get(&p.contact_id);
    let corresponding = tenant.users.iter().find(|u| u.person_id == p.person_id);
    json!({
        "PersonId": p.person_id,
        "Firstname": p.firstname,
        "MiddleName": "",
        "Lastname": p.lastname,
        "Mrmrs": "",
        "Title": p.title,
        "UpdatedDate": EMPTY_DATE,
        "CreatedDate": "2024-01-15T09:45:00",
        "BirthDate": Value::Null,
        "Emails": entity_elements(&p.emails),
        "Description": "",
        "IsAssociate": corresponding.is_some(),
        "PrivatePhones": [],
        "Faxes": [],
        "MobilePhones": entity_elements(&p.mobile_phones),
        "OfficePhones": entity_elements(&p.office_phones),
        "OtherPhones": [],
        "Position": Value::Null,
        "Contact": contact_carrier(tenant, p.contact_id),
        "Country": country_entity(company.map(|c| c.country_iso2.as_str()).unwrap_or("NO")),
        "Interests": [],
        "PersonNumber": "",
        "FullName": full_name(p),
        "NoMailing": false,
        "UsePersonAddress": false,
        "Retired": false,
        "Urls": [],
        "FormalName": full_name(p),
        "Salutation": "",
        "CorrespondingAssociate": corresponding.map(associate_from_user).unwrap_or(Value::Null),
        "Associate": company
            .map(|c| associate_carrier(tenant, c.owner_associate_id))
            .unwrap_or(Value::Null),
        "Consents": [],
        "UserDefinedFields": {},
        "ExtraFields": {},
        "CustomFields": {},
    })
}

fn list_ref(id: i32, value: &str, tooltip: &str) -> Value {
    json!({ "Id": id, "Value": value, "Tooltip": tooltip })
}

fn named_ref(items: &[super::seed::ListItemSeed], id: i32) -> Value {
    match items.iter().find(|i| i.id == id) {
        Some(i) => list_ref(i.id, &i.name, ""),
        None => list_ref(0, "", ""),
    }
}

/// A `SaleEntity` built from a seed.
pub(crate) fn sale_from_seed(tenant: &Tenant, s: &SaleSeed) -> Value {
    let probability = s
        .probability
        .or_else(|| tenant.stage(s.stage_id).map(|st| st.probability))
        .unwrap_or(0);
    let probability = match s.status {
        super::seed::SaleStatus::Sold => 100,
        super::seed::SaleStatus::Lost => 0,
        _ => probability,
    };
    let completed = match s.status {
        super::seed::SaleStatus::Sold | super::seed::SaleStatus::Lost => "Completed",
        _ => "NotStarted",
    };
    let mut sale = json!({
        "Appointment": Value::Null,
        "Associate": json!({ "AssociateId": s.owner_associate_id }),
        "UpdatedBy": Value::Null,
        "CreatedBy": json!({ "AssociateId": s.owner_associate_id }),
        "Contact": json!({ "ContactId": s.contact_id }),
        "Project": Value::Null,
        "SaleText": "",
        "Person": json!({ "PersonId": s.person_id }),
        "Currency": { "Id": tenant.currency.id },
        "Competitor": Value::Null,
        "Credited": Value::Null,
        "Rating": { "Id": s.stage_id },
        "Reason": { "Id": s.reason_id },
        "Source": Value::Null,
        "Status": s.status.as_str(),
        "Saledate": s.saledate,
        "Amount": s.amount,
        "SaleId": s.sale_id,
        "Earning": 0.0,
        "EarningPercent": 0.0,
        "Heading": s.heading,
    });
    let rest = json!({
        "Number": format!("S-{}", s.sale_id),
        "Probability": probability,
        "CreatedDate": "2026-06-01T08:00:00",
        // Deterministic seed: a seeded Sale was last changed when it was created.
        "UpdatedDate": "2026-06-01T08:00:00",
        "Completed": completed,
        "ActiveLinks": 0,
        "Links": [],
        "NextDueDate": EMPTY_DATE,
        "Postit": "",
        "SaleType": { "Id": s.sale_type_id },
        "ReasonSold": { "Id": s.reason_sold_id },
        "ReasonStalled": { "Id": 0 },
        "ReopenDate": EMPTY_DATE,
        "SaleStakeholders": [],
        "ActiveErpLinks": 0,
        "UserDefinedFields": {},
        "ExtraFields": {},
        "CustomFields": {},
        "PublishEventDate": EMPTY_DATE,
        "PublishTo": EMPTY_DATE,
        "PublishFrom": EMPTY_DATE,
        "IsPublished": false,
        "VisibleFor": [],
    });
    if let (Some(dst), Some(src)) = (sale.as_object_mut(), rest.as_object()) {
        merge_into(dst, src);
    }
    resolve_sale_references(tenant, &mut sale);
    sale
}

fn id_of(v: Option<&Value>, key: &str) -> i32 {
    v.and_then(|o| o.get(key).or_else(|| o.get("Id")))
        .and_then(Value::as_i64)
        .and_then(|n| i32::try_from(n).ok())
        .unwrap_or(0)
}

/// Re-renders the embedded carriers and list references from their ids (what NetServer does
/// when it loads an entity): clients may send `{"Id": 3}` and get the full reference back.
pub(crate) fn resolve_sale_references(tenant: &Tenant, sale: &mut Value) {
    let Some(obj) = sale.as_object_mut() else {
        return;
    };
    let contact_id = id_of(obj.get("Contact"), "ContactId");
    let person_id = id_of(obj.get("Person"), "PersonId");
    let associate_id = id_of(obj.get("Associate"), "AssociateId");
    let created_by = id_of(obj.get("CreatedBy"), "AssociateId");
    let updated_by = id_of(obj.get("UpdatedBy"), "AssociateId");
    let stage_id = id_of(obj.get("Rating"), "Id");
    let type_id = id_of(obj.get("SaleType"), "Id");
    let reason_id = id_of(obj.get("Reason"), "Id");
    let reason_sold_id = id_of(obj.get("ReasonSold"), "Id");
    let reason_stalled_id = id_of(obj.get("ReasonStalled"), "Id");
    obj.insert("Contact".into(), contact_carrier(tenant, contact_id));
    obj.insert("Person".into(), person_carrier(tenant, person_id));
    obj.insert("Associate".into(), associate_carrier(tenant, associate_id));
    obj.insert("CreatedBy".into(), associate_carrier(tenant, created_by));
    obj.insert("UpdatedBy".into(), associate_carrier(tenant, updated_by));
    let rating = match tenant.stage(stage_id) {
        Some(st) => list_ref(
            st.id,
            &st.name,
            &format!("{} ({}%)", st.name, st.probability),
        ),
        None => list_ref(0, "", ""),
    };
    obj.insert("Rating".into(), rating);
    let sale_type = match tenant.sale_types.iter().find(|t| t.id == type_id) {
        Some(t) => list_ref(t.id, &t.name, ""),
        None => list_ref(0, "", ""),
    };
    obj.insert("SaleType".into(), sale_type);
    obj.insert("Reason".into(), named_ref(&tenant.reasons_lost, reason_id));
    obj.insert(
        "ReasonSold".into(),
        named_ref(&tenant.reasons_sold, reason_sold_id),
    );
    obj.insert(
        "ReasonStalled".into(),
        named_ref(&tenant.reasons_stalled, reason_stalled_id),
    );
    obj.insert(
        "Currency".into(),
        list_ref(tenant.currency.id, &tenant.currency.name, ""),
    );
}

/// Reads an integer id from a sale's nested reference (`Rating.Id`, `Contact.ContactId`, …).
pub(crate) fn sale_ref_id(sale: &Value, field: &str, key: &str) -> i32 {
    id_of(sale.get(field), key)
}

/// A list item in `SelectableMDOListItem` form.
pub(crate) fn selectable_item(id: i32, name: &str, selected: bool, rank: i32) -> Value {
    json!({
        "Id": id,
        "Name": name,
        "ToolTip": "",
        "Deleted": false,
        "Rank": rank,
        "Type": "",
        "ColorBlock": 0,
        "IconHint": "",
        "Selected": selected,
        "LastChanged": EMPTY_DATE,
        "ChildItems": [],
        "ExtraInfo": "",
        "StyleHint": "",
        "Hidden": false,
        "FullName": name,
    })
}

/// Copies `src` keys into `dst` (shallow).
pub(crate) fn merge_into(dst: &mut Map<String, Value>, src: &Map<String, Value>) {
    for (k, v) in src {
        dst.insert(k.clone(), v.clone());
    }
}
