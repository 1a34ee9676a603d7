//! Every model writes only field names the vendor's own JSON uses: each fixture (SuperOffice's
//! wire format) is decoded and encoded again, and every key of the output must exist at the
//! same place in the fixture. A key the fixture leaves out of an abbreviated nested object may
//! only carry its default value and must be a name some other fixture uses. Guards the
//! `rename_all = "PascalCase"` rule and its exceptions (`URL`, `Type`, `AtypeIdx`,
//! `TwoLetterISOCountry`, `EMailAddress`, …).

use std::collections::BTreeSet;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use superoffice_client::models::{
    ContactEntity, DocumentEntity, ListItemEntity, PersonEntity, Principal, SaleEntity,
    SaleStageEntity, SaleTypeEntity, SelectableMdoListItem, WebPanelEntity, Webhook,
    WebhookPayload,
};

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/rest/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect(name)).expect(name)
}

/// Decodes `name` as `T`, encodes it again and checks the output's keys against the fixture.
/// Returns how many keys were compared.
fn round_trip<T: DeserializeOwned + Serialize>(name: &str) -> usize {
    let wire = fixture(name);
    let model: T = serde_json::from_value(wire.clone()).expect(name);
    let written = serde_json::to_value(&model).expect(name);
    let mut compared = 0;
    keys_exist(&written, &wire, name, &vocabulary(), &mut compared);
    compared
}

/// Every object key in every REST fixture.
fn vocabulary() -> BTreeSet<String> {
    fn collect(value: &Value, into: &mut BTreeSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    into.insert(key.clone());
                    collect(value, into);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect(v, into)),
            _ => {}
        }
    }
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rest");
    let mut keys = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(&path).expect("fixture");
            collect(&serde_json::from_str(&text).expect("json"), &mut keys);
        }
    }
    keys
}

fn is_default(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
    }
}

fn keys_exist(
    written: &Value,
    wire: &Value,
    at: &str,
    vocabulary: &BTreeSet<String>,
    compared: &mut usize,
) {
    match (written, wire) {
        (Value::Object(out), Value::Object(theirs)) => {
            for (key, value) in out {
                let path = format!("{at}.{key}");
                let Some(original) = theirs.get(key) else {
                    assert!(
                        is_default(value) && vocabulary.contains(key),
                        "{path}: the model writes a key the vendor's JSON does not have"
                    );
                    continue;
                };
                *compared += 1;
                keys_exist(value, original, &path, vocabulary, compared);
            }
        }
        (Value::Array(out), Value::Array(theirs)) => {
            for (i, (value, original)) in out.iter().zip(theirs).enumerate() {
                keys_exist(value, original, &format!("{at}[{i}]"), vocabulary, compared);
            }
        }
        _ => {}
    }
}

#[test]
fn models_write_the_vendors_field_names() {
    let counts = [
        round_trip::<SaleEntity>("sale.json"),
        round_trip::<SaleEntity>("sale_sold.json"),
        round_trip::<ContactEntity>("contact.json"),
        round_trip::<PersonEntity>("person.json"),
        round_trip::<DocumentEntity>("document.json"),
        round_trip::<WebPanelEntity>("web_panel.json"),
        round_trip::<Webhook>("webhook.json"),
        round_trip::<WebhookPayload>("webhook_payload.json"),
        round_trip::<Principal>("current_principal.json"),
        round_trip::<SaleTypeEntity>("sale_type_1.json"),
        round_trip::<Vec<SaleStageEntity>>("sale_stages.json"),
        round_trip::<Vec<ListItemEntity>>("reasons_lost.json"),
        round_trip::<Vec<SelectableMdoListItem>>("user_groups.json"),
    ];
    // Each model really wrote fields (a model that writes nothing would pass vacuously).
    for (i, count) in counts.iter().enumerate() {
        assert!(*count >= 3, "model #{i} wrote only {count} keys");
    }
}
