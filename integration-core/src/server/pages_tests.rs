//! The panel and settings pages rendered from fixture views, and their forms parsed back.

use axum::extract::{FromRequest, Multipart};
use chrono::{TimeZone, Utc};
use oneflow_client::models::draft::ParticipantRole;
use oneflow_client::models::{ContractState, DeliveryChannel, SignMethod};

use super::form::*;
use super::views::*;
use crate::engine::{
    LinkedContract, ListChoice, PanelGroup, PanelSale, SalePerson, SaleReasons, Settings,
    TemplateOption,
};
use crate::policy::contract_factory::{
    ChoiceProblem, Delivery, FileKind, InvalidChoices, ParticipantSource, PartyKind,
};
use crate::policy::stage_mapping::MultiContractRule;
use crate::policy::template_filter::TemplateCandidate;
use crate::store::{AuditEntry, DeliverySource, InstallationId, Job, JobState};

/// The value of `attr` in one tag's text (`input type="text" id="x"`).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

/// Every `<input>`, `<select>` and `<textarea>` a user can see, as tag texts.
fn controls(html: &str) -> Vec<&str> {
    html.split('<')
        .filter(|t| {
            t.starts_with("input ") || t.starts_with("select ") || t.starts_with("textarea ")
        })
        .map(|t| t.split('>').next().unwrap_or(t))
        .filter(|t| attr(t, "type") != Some("hidden"))
        .collect()
}

/// Each visible control has an id and a `<label for>` naming it.
fn assert_labelled(html: &str) {
    let controls = controls(html);
    assert!(!controls.is_empty());
    for control in controls {
        let id = attr(control, "id").unwrap_or_else(|| panic!("no id: <{control}>"));
        assert!(
            html.contains(&format!("for=\"{id}\"")),
            "no label for #{id}: <{control}>"
        );
        assert_eq!(
            html.matches(&format!(" id=\"{id}\"")).count(),
            1,
            "id {id} is not unique"
        );
    }
}

/// Every `<form method="post">` carries the CSRF token.
fn assert_csrf_in_every_form(html: &str, token: &str) {
    let forms: Vec<&str> = html.split("<form ").skip(1).collect();
    assert!(!forms.is_empty());
    for form in forms {
        let body = form.split("</form>").next().unwrap();
        assert!(
            body.contains(&format!(
                "<input type=\"hidden\" name=\"csrf\" value=\"{token}\">"
            )),
            "a form without the CSRF token: {}",
            &body[..body.len().min(120)]
        );
    }
}

fn sale() -> PanelSale {
    PanelSale {
        sale_id: 101,
        heading: "Fleet tracking <licence>".into(),
        default_contract_name: "Fleet tracking <licence>".into(),
        company_name: Some("Fjord Shipping ASA".into()),
        persons: vec![
            SalePerson {
                person_id: 10,
                name: "Kari Nordmann".into(),
                email: Some("kari@fjord.example".into()),
                on_sale: true,
            },
            SalePerson {
                person_id: 11,
                name: "Ola Hansen".into(),
                email: None,
                on_sale: false,
            },
        ],
        owner_name: "Sam Seller".into(),
    }
}

fn template(id: i64, name: &str, pdf: bool, attachments: bool) -> TemplateOption {
    TemplateOption {
        workspace_id: 1,
        workspace_name: Some("Sales".into()),
        template: TemplateCandidate {
            id,
            name: name.into(),
            active: true,
            template_type: None,
            workspace_id: Some(1),
            has_pdf_section: pdf,
            has_attachments_section: attachments,
        },
        delivery_channels: vec![DeliveryChannel::Email, DeliveryChannel::Sms],
        sign_methods: vec![SignMethod::StandardEsign],
    }
}

fn contracts() -> Vec<LinkedContract> {
    vec![LinkedContract {
        contract_id: 4711,
        name: Some("Fleet tracking licence".into()),
        state: Some(ContractState::Pending),
        linked_at: Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap(),
        open_url: "https://app.oneflow.com/contracts/4711".parse().unwrap(),
    }]
}

fn links(admin: bool) -> PanelLinks {
    PanelLinks {
        preview_action: "/superoffice/panel/preview".into(),
        create_action: "/superoffice/panel/contracts".into(),
        switch_account_url: "/superoffice/panel/sign-in?switch=1".into(),
        settings_url: admin.then(|| "/superoffice/settings".into()),
    }
}

fn panel(admin: bool, form: Option<&PanelForm>, errors: FieldErrors) -> PanelView {
    let contracts = contracts();
    PanelView::new(
        "csrf-token-1".into(),
        "seller@nordic.example".into(),
        &sale(),
        Ok(&contracts),
        &[
            template(7, "Offer", true, false),
            template(8, "Order", true, true),
        ],
        form,
        errors,
        links(admin),
    )
}

#[test]
fn the_panel_lists_contracts_and_offers_a_labelled_form() {
    let html = render(&panel(false, None, FieldErrors::new())).unwrap();
    assert_labelled(&html);
    assert_csrf_in_every_form(&html, "csrf-token-1");
    // The contract, its state in words and where it opens.
    assert!(html.contains("Fleet tracking licence"));
    assert!(html.contains("Sent, awaiting signatures"));
    assert!(html.contains("href=\"https://app.oneflow.com/contracts/4711\""));
    assert!(html.contains("Open in Oneflow"));
    // The heading is escaped.
    assert!(
        html.contains("Fleet tracking &#60;licence&#62;")
            || html.contains("Fleet tracking &lt;licence&gt;")
    );
    assert!(!html.contains("<licence>"));
    // Default name, a request key, templates by workspace, the switch-account link.
    assert!(html.contains("name=\"request_key\" value=\""));
    assert!(html.contains("<optgroup label=\"Sales\">"));
    assert!(html.contains("value=\"1:7\">Offer (PDF only)"));
    assert!(html.contains("Switch account"));
    // The Sale's person is ticked for the company, the other person is offered unticked,
    // the owner is ticked on our side.
    assert!(html.contains("name=\"p0.who\" value=\"person:10\""));
    assert!(html.contains("id=\"p0-include\" name=\"p0.include\" value=\"on\" checked"));
    assert!(html.contains("id=\"p1-include\" name=\"p1.include\" value=\"on\">"));
    assert!(html.contains("name=\"p2.who\" value=\"owner\""));
    // Only the template's channels are offered.
    assert!(html.contains("<option value=\"sms\">Text message</option>"));
    assert!(!html.contains("same_device"));
    // Nothing for admins only, and no preview yet.
    assert!(!html.contains("stage_mapping_enabled"));
    assert!(!html.contains("Oneflow Settings"));
    assert!(!html.contains("Create contract"));
    // Readable without scripts: the only one is the pop-up helper, no inline script.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("<script src=\"/static/panel.js\"></script>"));
    assert!(html.contains("data-popup=\"sign-in\">Switch account</a>"));
}

#[test]
fn an_admin_sees_the_settings_link_in_the_panel() {
    let html = render(&panel(true, None, FieldErrors::new())).unwrap();
    assert!(html.contains("href=\"/superoffice/settings\">Oneflow Settings</a>"));
}

fn urlencoded(pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish().into_bytes()
}

fn filled() -> Vec<(&'static str, &'static str)> {
    vec![
        ("csrf", "csrf-token-1"),
        ("request_key", "6f1c2a8e-0d4b-4c8e-9a3b-1f2e3d4c5b6a"),
        ("sale", "101"),
        ("name", "  "),
        ("template", "1:7"),
        ("p0.who", "person:10"),
        ("p0.include", "on"),
        ("p0.party", "company"),
        ("p0.role", "signatory"),
        ("p0.channel", "email"),
        ("p0.sign", ""),
        ("p1.who", "person:11"),
        ("p1.party", "company"),
        ("p1.role", "viewer"),
        ("p2.who", "owner"),
        ("p2.include", "on"),
        ("p2.party", "owner"),
        ("p2.role", "influencer"),
        ("p2.sign", "standard_esign"),
        ("delivery", "send"),
        ("subject", " Your contract "),
        ("message", "Please sign."),
    ]
}

#[test]
fn a_urlencoded_form_becomes_choices() {
    let form = PanelForm::from_urlencoded(&urlencoded(&filled()));
    assert_eq!(form.csrf, "csrf-token-1");
    assert_eq!(form.sale_id, Some(101));
    let (choices, files) = form.to_choices().unwrap();
    assert!(files.is_empty());
    assert_eq!(choices.name, None, "a blank name means the default");
    assert_eq!(choices.workspace_id.get(), 1);
    assert_eq!(choices.template_id.get(), 7);
    assert_eq!(choices.request_key, "6f1c2a8e-0d4b-4c8e-9a3b-1f2e3d4c5b6a");
    assert_eq!(
        choices.participants.len(),
        2,
        "the unticked row is left out"
    );
    let first = &choices.participants[0];
    assert_eq!(first.source, ParticipantSource::Person(10));
    assert_eq!(first.party, PartyKind::Company);
    assert_eq!(first.role, ParticipantRole::Signatory);
    assert_eq!(first.delivery_channel, Some(DeliveryChannel::Email));
    assert_eq!(first.sign_method, None);
    let owner = &choices.participants[1];
    assert_eq!(owner.source, ParticipantSource::SaleOwner);
    assert_eq!(owner.role, ParticipantRole::Influencer);
    assert_eq!(owner.sign_method, Some(SignMethod::StandardEsign));
    assert_eq!(
        choices.delivery,
        Delivery::Send {
            subject: "Your contract".into(),
            message: "Please sign.".into()
        }
    );
}

#[test]
fn a_form_without_template_or_key_says_so_per_field() {
    let mut pairs = filled();
    pairs.retain(|(k, _)| *k != "template" && *k != "request_key");
    pairs.push(("p1.include", "on"));
    pairs.retain(|(k, _)| *k != "p1.role");
    let form = PanelForm::from_urlencoded(&urlencoded(&pairs));
    let errors = form.to_choices().unwrap_err();
    assert_eq!(errors.get("template"), ["Choose a template."]);
    assert!(errors.get(FORM_KEY)[0].contains("reload the panel"));
    let garbled = PanelForm::from_urlencoded(&urlencoded(&[("template", "x:y")]));
    assert!(garbled.errors.has("template"));
    // With a template but a row missing its role, the row says so.
    let mut pairs = filled();
    pairs.push(("p1.include", "on"));
    pairs.retain(|(k, _)| *k != "p1.role");
    let errors = PanelForm::from_urlencoded(&urlencoded(&pairs))
        .to_choices()
        .unwrap_err();
    assert!(errors.get("p1")[0].contains("role"));
}

#[test]
fn engine_problems_land_on_the_rows_the_user_sees() {
    let form = PanelForm::from_urlencoded(&urlencoded(&filled()));
    // Participant 1 of the choices is form row 2 (row 1 was not ticked).
    let invalid = InvalidChoices::new(vec![
        ChoiceProblem::DeliveryChannelMissing { index: 1 },
        ChoiceProblem::NameEmpty,
        ChoiceProblem::UnknownPerson {
            index: 0,
            person_id: 10,
        },
    ]);
    let errors = form.errors_for(&invalid);
    assert_eq!(errors.get("p2.channel").len(), 1);
    assert_eq!(errors.get("name").len(), 1);
    assert_eq!(errors.get("p0").len(), 1);
    assert_eq!(errors.count(), 3);
    // Shown inline next to the row and in the summary.
    let html = render(&panel(false, Some(&form), errors)).unwrap();
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("these 3 problems"));
    let row2 = html.split("name=\"p2.who\"").nth(1).unwrap();
    assert!(row2
        .split("class=\"participant\"")
        .next()
        .unwrap()
        .contains("class=\"error\""));
    // The form keeps what the user chose.
    assert!(html.contains("value=\"1:7\" selected"));
    assert!(html.contains("name=\"request_key\" value=\"6f1c2a8e-0d4b-4c8e-9a3b-1f2e3d4c5b6a\""));
    assert!(html.contains("id=\"p1-include\" name=\"p1.include\" value=\"on\">"));
    assert!(html.contains("id=\"delivery-send\" name=\"delivery\" value=\"send\" checked"));
}

/// A multipart part: field name, (file name, content type) for files, content.
type Part<'a> = (&'a str, Option<(&'a str, &'a str)>, &'a [u8]);

fn multipart_request(parts: &[Part<'_>]) -> axum::http::Request<axum::body::Body> {
    let boundary = "XyZbOuNdArY42";
    let mut body = Vec::new();
    for (name, file, content) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some((file_name, content_type)) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    axum::http::Request::builder()
        .method("POST")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(axum::body::Body::from(body))
        .unwrap()
}

const PDF: &[u8] = b"%PDF-1.4\n% offer\n%%EOF\n";

#[tokio::test]
async fn a_multipart_form_carries_its_files_through_the_preview() {
    let mut parts: Vec<Part<'_>> = filled()
        .into_iter()
        .map(|(k, v)| (k, None, v.as_bytes()))
        .collect();
    parts.push(("pdf", Some(("offer.pdf", "application/pdf")), PDF));
    parts.push(("attachments", Some(("terms.txt", "text/plain")), b"terms"));
    // A file input left empty sends an empty part without a name: left out.
    parts.push(("attachments", Some(("", "application/octet-stream")), b""));
    let request = multipart_request(&parts);
    let multipart = Multipart::from_request(request, &()).await.unwrap();
    let form = PanelForm::from_multipart(multipart).await.unwrap();
    let (choices, contents) = form.to_choices().unwrap();
    assert_eq!(choices.files.len(), 2);
    assert_eq!(choices.files[0].name, "offer.pdf");
    assert_eq!(choices.files[0].kind, FileKind::Pdf);
    assert_eq!(choices.files[0].size, PDF.len() as u64);
    assert_eq!(choices.files[1].kind, FileKind::Attachment);
    assert_eq!(choices.files[1].content_type, "text/plain");
    assert_eq!(contents, vec![PDF.to_vec(), b"terms".to_vec()]);

    // The preview page carries the files; submitting it again yields the same bytes.
    let preview = PreviewView {
        name: "Fleet tracking licence".into(),
        parties: vec![PreviewParty {
            label: "Company: Fjord Shipping ASA".into(),
            participants: vec!["Kari Nordmann <kari@fjord.example>, signs".into()],
        }],
        files: vec!["offer.pdf — PDF document (23 bytes)".into()],
        data_fields: vec![("superoffice_sale_id".into(), "101".into())],
        delivery: "Kept as a draft in Oneflow (nothing is sent)".into(),
    };
    let view = panel(false, Some(&form), FieldErrors::new()).with_preview(preview, &form);
    let html = render(&view).unwrap();
    assert!(html.contains("Create contract"));
    assert!(html.contains("formaction=\"/superoffice/panel/contracts\""));
    assert!(html.contains("superoffice_sale_id"));
    let mut again: Vec<(String, FieldValue)> = Vec::new();
    for tag in html
        .split('<')
        .filter(|t| t.starts_with("input type=\"hidden\""))
    {
        let name = attr(tag, "name").unwrap();
        let value = attr(tag, "value").unwrap();
        again.push((
            name.to_owned(),
            FieldValue::Text(
                value
                    .replace("&#43;", "+")
                    .replace("&#47;", "/")
                    .replace("&#61;", "="),
            ),
        ));
    }
    let carried = PanelForm::from_fields(again);
    assert!(carried.errors.is_empty(), "{:?}", carried.errors);
    assert_eq!(carried.files, form.files);
    assert_eq!(carried.request_key, form.request_key);
}

#[test]
fn request_keys_look_like_uuids_and_differ() {
    let a = new_request_key();
    let b = new_request_key();
    assert_ne!(a, b);
    let groups: Vec<usize> = a.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12]);
    assert_eq!(&a[14..15], "4");
}

fn settings_view(settings: &Settings, reasons: bool) -> SettingsView {
    let facts = SettingsFacts {
        tenant: "Cust12345".into(),
        enabled: true,
        reasons: reasons.then(|| SaleReasons {
            won: vec![ListChoice {
                id: 3,
                name: "Product fit".into(),
            }],
            lost: vec![ListChoice {
                id: 1,
                name: "Price".into(),
            }],
        }),
        groups: Ok(vec![
            PanelGroup {
                id: 1,
                name: "Sales".into(),
                sees_panel: true,
            },
            PanelGroup {
                id: 2,
                name: "Management".into(),
                sees_panel: false,
            },
        ]),
        unmatched: Ok(vec![UnmatchedRow {
            name: "Lia Lister".into(),
            email: "lists@nordic.example".into(),
        }]),
        decisions: vec![AuditEntry {
            id: 1,
            installation: InstallationId::new(1001),
            at: Utc.with_ymd_and_hms(2026, 12, 2, 13, 5, 0).unwrap(),
            action: "stage_mapping".into(),
            detail: "Sale 101 closed as Sold (contract 4711 signed)".into(),
            event: None,
        }],
        parked: vec![Job {
            id: 77,
            installation: InstallationId::new(1001),
            source: DeliverySource::Oneflow,
            payload: "{}".into(),
            state: JobState::Parked,
            attempts: 8,
            available_at: Utc.with_ymd_and_hms(2026, 12, 2, 13, 0, 0).unwrap(),
            last_error: Some("Sale 1201 was deleted".into()),
        }],
    };
    SettingsView::new(
        "csrf-admin".into(),
        "admin@nordic.example".into(),
        settings,
        facts,
        FieldErrors::new(),
        SettingsLinks::default(),
    )
}

#[test]
fn the_settings_page_shows_every_setting_and_report() {
    let mut settings = Settings::default();
    settings.stage_mapping.won_reason_id = Some(3);
    settings.stage_mapping.multi_contract_rule = MultiContractRule::AnySigned;
    let html = render(&settings_view(&settings, true)).unwrap();
    assert_labelled(&html);
    assert_csrf_in_every_form(&html, "csrf-admin");
    assert!(html.contains(
        "id=\"stage_mapping_enabled\" name=\"stage_mapping_enabled\" value=\"on\" checked"
    ));
    assert!(html.contains("<option value=\"any_signed\" selected>"));
    assert!(html.contains("<option value=\"3\" selected>Product fit</option>"));
    assert!(html.contains("<option value=\"1\">Price</option>"));
    assert!(html.contains("id=\"hide-2\" name=\"hide\" value=\"2\" checked"));
    assert!(html.contains("id=\"hide-1\" name=\"hide\" value=\"1\">"));
    assert!(html.contains("lists@nordic.example"));
    assert!(html.contains("Sale 101 closed as Sold"));
    assert!(html.contains("Sale 1201 was deleted"));
    assert!(html.contains("Disable the integration"));
    assert!(html.contains("signed PDFs are not archived yet"));
    assert!(html.contains("type the tenant id <strong>Cust12345</strong>"));
    assert!(!html.contains("<script"));

    // Reasons as numbers when SuperOffice's lists could not be read.
    let html = render(&settings_view(&settings, false)).unwrap();
    assert!(html.contains(
        "type=\"number\" min=\"1\" id=\"won_reason_id\" name=\"won_reason_id\" value=\"3\""
    ));
    assert_labelled(&html);
}

#[test]
fn a_refusal_page_has_no_toggle() {
    let html = render(&MessageView::new(
        "Only SuperOffice administrators",
        "Oneflow Settings are for SuperOffice administrators; ask one of them.",
    ))
    .unwrap();
    assert!(html.contains("<h1>Only SuperOffice administrators</h1>"));
    assert!(!html.contains("stage_mapping_enabled"));
}

#[test]
fn the_settings_form_applies_to_the_current_settings() {
    let body = urlencoded(&[
        ("csrf", "t"),
        ("multi_contract_rule", "all_must_sign"),
        ("won_reason_id", "3"),
        ("lost_reason_id", ""),
        ("archive_document_template_id", ""),
    ]);
    let form = SettingsForm::from_urlencoded(&body);
    let mut current = Settings::default();
    current.stage_mapping.won_stage_id = Some(5);
    current.archive_signed_pdf = true;
    let new = form.apply_to(&current).unwrap();
    assert!(
        !new.stage_mapping.stage_mapping_enabled,
        "an unticked box is off"
    );
    assert!(!new.archive_signed_pdf);
    assert_eq!(
        new.stage_mapping.multi_contract_rule,
        MultiContractRule::AllMustSign
    );
    assert_eq!(new.stage_mapping.won_reason_id, Some(3));
    assert_eq!(new.stage_mapping.lost_reason_id, None);
    assert_eq!(
        new.stage_mapping.won_stage_id,
        Some(5),
        "fields the form lacks stay"
    );

    let body = urlencoded(&[
        ("stage_mapping_enabled", "on"),
        ("archive_signed_pdf", "on"),
        ("won_reason_id", "-2"),
        ("multi_contract_rule", "sometimes"),
    ]);
    let errors = SettingsForm::from_urlencoded(&body)
        .apply_to(&current)
        .unwrap_err();
    assert!(errors.has("won_reason_id"));
    assert!(errors.has("multi_contract_rule"));
    // Archiving without a document template is allowed (the engine notes it in the audit log).
    let body = urlencoded(&[("archive_signed_pdf", "on")]);
    let new = SettingsForm::from_urlencoded(&body)
        .apply_to(&current)
        .unwrap();
    assert!(new.archive_signed_pdf);
    assert_eq!(new.archive_document_template_id, None);
}

#[test]
fn hiding_and_removal_read_their_forms() {
    assert_eq!(
        hidden_groups(&urlencoded(&[("csrf", "t"), ("hide", "1"), ("hide", "2")])).unwrap(),
        [1, 2]
    );
    assert!(hidden_groups(&urlencoded(&[("hide", "x")])).is_err());
    assert!(confirm_removal(&urlencoded(&[("confirm", " cust12345 ")]), "Cust12345").is_ok());
    let refused = confirm_removal(&urlencoded(&[("confirm", "yes")]), "Cust12345").unwrap_err();
    assert!(refused.get("confirm")[0].contains("nothing was removed"));
    assert!(confirm_removal(&urlencoded(&[]), "Cust12345").is_err());
}

#[test]
fn contract_states_read_as_words() {
    assert_eq!(state_label(Some(&ContractState::Signed)), "Signed");
    assert_eq!(state_label(None), "Deleted in Oneflow");
    assert_eq!(
        state_label(Some(&ContractState::from_wire("awaiting_approval"))),
        "Awaiting approval"
    );
}
