use oneflow_client::models::draft::PartyDraft;
use oneflow_client::InvalidInput;

use super::*;

const REQUEST_KEY: &str = "0b6d2c1e-3f7a-4c55-9e0d-8a1f2b3c4d5e";
const HEADING: &str = "Acme AB – licence 2026";

fn person(
    id: i32,
    first: &str,
    last: &str,
    email: Option<&str>,
    mobile: Option<&str>,
) -> PersonFacts {
    PersonFacts {
        id,
        first_name: first.into(),
        last_name: last.into(),
        full_name: None,
        email: email.map(Into::into),
        mobile: mobile.map(Into::into),
        phone: None,
        title: None,
    }
}

/// Acme AB with four persons: Ann (e-mail, mobile, title), Bo (private e-mail only), Cilla
/// (phone only) and Dan (a colleague whose e-mail matches an active Oneflow user in another
/// case). The Sale owner is Sam, who also acts.
fn context() -> SaleContext {
    let mut ann = person(
        17,
        "Ann",
        "Buyer",
        Some("ann@acme.example"),
        Some("+46 70-123 45 67"),
    );
    ann.title = Some("CEO".into());
    let mut cilla = person(19, "Cilla", "Caller", None, None);
    cilla.phone = Some("0046 8 123 456 78".into());
    SaleContext {
        tenant: "Cust26759".into(),
        sale: SaleFacts {
            id: 4711,
            heading: HEADING.into(),
            amount: Some(25000.0),
            currency: Some("sek".into()),
            person_id: Some(17),
        },
        company: Some(CompanyFacts {
            name: "Acme AB".into(),
            org_number: Some("556000-1234".into()),
            country_code: Some("se".into()),
        }),
        persons: vec![
            ann,
            person(18, "Bo", "Viewer", Some("bo@home.example"), None),
            cilla,
            person(
                20,
                "Dan",
                "Colleague",
                Some("dan.colleague@OURCO.example"),
                None,
            ),
        ],
        owner: OwnerFacts {
            associate_id: 5,
            name: "Sam Seller".into(),
            email: Some("Sam@OurCo.example".into()),
        },
        acting_user_email: "SAM@ourco.example".into(),
        active_oneflow_users: BTreeSet::from([
            "sam@ourco.example".to_owned(),
            "Dan.Colleague@ourco.example".to_owned(),
            "eve@ourco.example".to_owned(),
        ]),
        field_mappings: FieldMappings::new()
            .map(SourceField::SaleHeading, "superoffice_sale_heading")
            .map(SourceField::CompanyOrgNumber, "superoffice_company_org_nr"),
        link_fields: LinkFields::default(),
    }
}

fn template() -> TemplateFacts {
    TemplateFacts {
        template_id: TemplateId(756510),
        workspace_ids: BTreeSet::from([WorkspaceId(130406), WorkspaceId(130407)]),
        delivery_channels: vec![DeliveryChannel::Email, DeliveryChannel::Sms],
        sign_methods: vec![SignMethod::StandardEsign, SignMethod::Sms],
        has_pdf_section: true,
        has_attachments_section: true,
        data_field_custom_ids: [
            DEFAULT_TENANT_FIELD,
            DEFAULT_SALE_ID_FIELD,
            DEFAULT_REQUEST_KEY_FIELD,
            "superoffice_sale_heading",
            "superoffice_company_org_nr",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect(),
    }
}

/// Ann signs for Acme, Bo views as a private person, Sam signs and Dan edits on our side;
/// an offer PDF and the terms as an attachment; kept as a draft.
fn choices() -> ContractChoices {
    use ParticipantRole::{Influencer, Signatory, Viewer};
    let mut c = ContractChoices::new(WorkspaceId(130406), TemplateId(756510), REQUEST_KEY);
    c.participants = vec![
        ParticipantChoice::new(ParticipantSource::Person(17), PartyKind::Company, Signatory)
            .delivery_channel(DeliveryChannel::Email)
            .sign_method(SignMethod::StandardEsign),
        ParticipantChoice::new(ParticipantSource::Person(18), PartyKind::Individual, Viewer)
            .delivery_channel(DeliveryChannel::Email),
        ParticipantChoice::new(ParticipantSource::SaleOwner, PartyKind::Owner, Signatory),
        ParticipantChoice::new(ParticipantSource::Person(20), PartyKind::Owner, Influencer),
    ];
    c.files = vec![
        FileChoice::new("Offer 2026.PDF", "application/pdf", 48_213, FileKind::Pdf),
        FileChoice::new(
            "terms.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            20_480,
            FileKind::Attachment,
        ),
    ];
    c
}

fn make(
    sale: &SaleContext,
    template: &TemplateFacts,
    choices: &ContractChoices,
) -> Result<ContractPlan, InvalidChoices> {
    DefaultContractFactory.plan(sale, template, choices)
}

fn problems(result: Result<ContractPlan, InvalidChoices>) -> Vec<ChoiceProblem> {
    match result {
        Ok(plan) => panic!("expected problems, got a plan: {plan:?}"),
        Err(err) => err.into_problems(),
    }
}

type Change = fn(&mut SaleContext, &mut TemplateFacts, &mut ContractChoices);

#[test]
fn every_problem_is_reported_against_its_field() {
    use ChoiceProblem as P;
    #[rustfmt::skip]
    let table: Vec<(&str, Change, Vec<ChoiceProblem>)> = vec![
        ("no participants", |_, _, c| c.participants.clear(), vec![P::NoParticipants]),
        ("company party without a company on the Sale", |s, _, _| s.company = None,
            vec![P::NoCompanyOnSale { index: 0 }]),
        ("e-mail delivery to a person without e-mail", |_, _, c| c.participants[0].source = ParticipantSource::Person(19),
            vec![P::EmailMissing { index: 0 }]),
        ("SMS delivery without a phone", |_, _, c| c.participants[1].delivery_channel = Some(DeliveryChannel::Sms),
            vec![P::PhoneMissing { index: 1, for_sign_method: false }]),
        ("SMS signing without a phone", |_, _, c| c.participants[1].sign_method = Some(SignMethod::Sms),
            vec![P::PhoneMissing { index: 1, for_sign_method: true }]),
        ("a phone that is not international", |s, _, c| {
            s.persons[1].mobile = Some("070-123 45 67".into());
            c.participants[1].delivery_channel = Some(DeliveryChannel::Sms);
        }, vec![P::PhoneMissing { index: 1, for_sign_method: false }]),
        ("delivery channel not offered, and no phone for it", |_, _, c| c.participants[1].delivery_channel = Some(DeliveryChannel::EmailAndSms),
            vec![
                P::DeliveryChannelNotOffered { index: 1, channel: DeliveryChannel::EmailAndSms },
                P::PhoneMissing { index: 1, for_sign_method: false },
            ]),
        ("delivery channel not offered", |_, _, c| c.participants[0].delivery_channel = Some(DeliveryChannel::SameDevice),
            vec![P::DeliveryChannelNotOffered { index: 0, channel: DeliveryChannel::SameDevice }]),
        ("an unknown delivery channel", |_, _, c| c.participants[0].delivery_channel = Some(DeliveryChannel::Other("fax".into())),
            vec![P::DeliveryChannelNotOffered { index: 0, channel: DeliveryChannel::Other("fax".into()) }]),
        ("sign method not offered", |_, _, c| c.participants[0].sign_method = Some(SignMethod::SwedishBankid),
            vec![P::SignMethodNotOffered { index: 0, method: SignMethod::SwedishBankid }]),
        ("owner-side channel not offered either", |_, _, c| c.participants[2].delivery_channel = Some(DeliveryChannel::SameDevice),
            vec![P::DeliveryChannelNotOffered { index: 2, channel: DeliveryChannel::SameDevice }]),
        ("counterparty without delivery channel", |_, _, c| c.participants[0].delivery_channel = None,
            vec![P::DeliveryChannelMissing { index: 0 }]),
        ("owner side for a person who is no Oneflow user", |_, _, c| c.participants[1].party = PartyKind::Owner,
            vec![P::NotAnActiveOneflowUser { index: 1, email: Some("bo@home.example".into()) }]),
        ("owner side for a person without e-mail", |_, _, c| c.participants[3].source = ParticipantSource::Person(19),
            vec![P::NotAnActiveOneflowUser { index: 3, email: None }]),
        ("Sale owner who is no active Oneflow user", |s, _, _| s.owner.email = Some("former@ourco.example".into()),
            vec![P::NotAnActiveOneflowUser { index: 2, email: Some("former@ourco.example".into()) }]),
        ("Sale owner on a counterparty", |_, _, c| {
            c.participants[2].party = PartyKind::Company;
            c.participants[2].delivery_channel = Some(DeliveryChannel::Email);
        }, vec![P::OwnerNotOnOwnerSide { index: 2 }]),
        ("the owner listed again as a person with the same Oneflow account", |s, _, _| s.persons[3].email = Some("SAM@ourco.example".into()),
            vec![P::DuplicateParticipant { index: 3, first_index: 2 }]),
        ("an e-mail that is no address", |s, _, _| s.persons[1].email = Some("070 123 45".into()),
            vec![P::EmailInvalid { index: 1, email: "070 123 45".into() }]),
        ("an e-mail without domain", |s, _, _| s.persons[0].email = Some("ann@acme".into()),
            vec![P::EmailInvalid { index: 0, email: "ann@acme".into() }]),
        ("a person not on the Sale", |_, _, c| c.participants[1].source = ParticipantSource::Person(99),
            vec![P::UnknownPerson { index: 1, person_id: 99 }]),
        ("the same person twice", |_, _, c| {
            let again = c.participants[0].clone();
            c.participants.push(ParticipantChoice { party: PartyKind::Individual, ..again });
        }, vec![P::DuplicateParticipant { index: 4, first_index: 0 }]),
        ("a person without a name", |s, _, _| { s.persons[1].first_name.clear(); s.persons[1].last_name = " ".into(); },
            vec![P::NameMissing { index: 1 }]),
        ("attachment on a template without Attachments", |_, t, _| t.has_attachments_section = false,
            vec![P::NoAttachmentsSection { index: 1 }]),
        ("PDF on a template without a PDF section", |_, t, _| t.has_pdf_section = false,
            vec![P::NoPdfSection { index: 0 }]),
        ("a second PDF", |_, _, c| c.files.push(FileChoice::new("annex.pdf", "application/pdf", 10, FileKind::Pdf)),
            vec![P::SecondPdf { index: 2 }]),
        ("a PDF that is no PDF", |_, _, c| c.files[0].name = "offer.docx".into(),
            vec![P::FileExtensionNotAccepted { index: 0, extension: "docx".into() }]),
        ("an attachment Oneflow refuses", |_, _, c| c.files[1].name = "setup.exe".into(),
            vec![P::FileExtensionNotAccepted { index: 1, extension: "exe".into() }]),
        ("a file without extension", |_, _, c| c.files[1].name = "README".into(),
            vec![P::FileExtensionNotAccepted { index: 1, extension: String::new() }]),
        ("a dot file has no extension either", |_, _, c| c.files[1].name = ".pdf".into(),
            vec![P::FileExtensionNotAccepted { index: 1, extension: String::new() }]),
        ("an empty file", |_, _, c| c.files[1].size = 0, vec![P::FileEmpty { index: 1 }]),
        ("workspace not allowed", |_, _, c| c.workspace_id = WorkspaceId(999),
            vec![P::WorkspaceNotAllowed { workspace_id: WorkspaceId(999) }]),
        ("choices for another template", |_, _, c| c.template_id = TemplateId(1),
            vec![P::TemplateMismatch { chosen: TemplateId(1), described: TemplateId(756510) }]),
        ("acting user without Oneflow account", |s, _, _| s.acting_user_email = "intern@ourco.example".into(),
            vec![P::ActingUserNotOneflowUser { email: "intern@ourco.example".into() }]),
        ("mapping to a data field the template type lacks", |s, _, _| s.field_mappings.mappings.push(FieldMapping {
            source: SourceField::SaleAmount, data_field: "superoffice_amount".into() }),
            vec![P::MappedFieldNotOnTemplateType { data_field: "superoffice_amount".into() }]),
        ("mapping onto a link field", |s, _, _| s.field_mappings.mappings.push(FieldMapping {
            source: SourceField::SaleHeading, data_field: DEFAULT_SALE_ID_FIELD.into() }),
            vec![P::MappingConflict { data_field: DEFAULT_SALE_ID_FIELD.into() }]),
        ("two mappings onto one field", |s, _, _| s.field_mappings.mappings.push(FieldMapping {
            source: SourceField::CompanyName, data_field: "superoffice_sale_heading".into() }),
            vec![P::MappingConflict { data_field: "superoffice_sale_heading".into() }]),
        ("link field missing on the template type", |_, t, _| { t.data_field_custom_ids.remove(DEFAULT_REQUEST_KEY_FIELD); },
            vec![P::LinkFieldNotOnTemplateType { data_field: DEFAULT_REQUEST_KEY_FIELD.into() }]),
        ("blank name", |_, _, c| c.name = Some("  ".into()), vec![P::NameEmpty]),
        ("no name and no heading", |s, _, _| s.sale.heading = " ".into(), vec![P::NameEmpty]),
        ("typed name too long (never cut)", |_, _, c| c.name = Some("ö".repeat(131)),
            vec![P::NameTooLong { length: 131, max: 130 }]),
        ("send without subject", |_, _, c| c.delivery = Delivery::Send { subject: " ".into(), message: "Please sign.".into() },
            vec![P::SubjectEmpty]),
        ("send without message", |_, _, c| c.delivery = Delivery::Send { subject: "Your contract".into(), message: String::new() },
            vec![P::MessageEmpty]),
        ("blank request key", |_, _, c| c.request_key = " ".into(), vec![P::RequestKeyMissing]),
        ("company name too long for Oneflow", |s, _, _| s.company.as_mut().unwrap().name = "A".repeat(101),
            vec![P::Draft(InvalidInput::TooLong { field: "party name", length: 101, max: 100 })]),
        ("title too long for Oneflow", |s, _, _| s.persons[0].title = Some("t".repeat(101)),
            vec![P::Draft(InvalidInput::TooLong { field: "participant title", length: 101, max: 100 })]),
    ];
    for (name, change, expected) in table {
        let (mut s, mut t, mut c) = (context(), template(), choices());
        change(&mut s, &mut t, &mut c);
        let got = problems(make(&s, &t, &c));
        assert_eq!(got, expected, "{name}");
        for problem in &got {
            assert!(!problem.to_string().is_empty(), "{name}: message");
        }
    }
}

#[test]
fn all_problems_come_at_once_in_form_order() {
    use ChoiceProblem as P;
    let (mut s, mut t, mut c) = (context(), template(), choices());
    c.name = Some(String::new());
    c.workspace_id = WorkspaceId(1);
    c.participants[0].delivery_channel = None;
    c.participants[1].party = PartyKind::Owner;
    t.has_pdf_section = false;
    c.delivery = Delivery::Send {
        subject: String::new(),
        message: "Please sign.".into(),
    };
    s.field_mappings.mappings.push(FieldMapping {
        source: SourceField::SaleAmount,
        data_field: "superoffice_amount".into(),
    });
    let err = make(&s, &t, &c).unwrap_err();
    assert_eq!(
        err.problems(),
        [
            P::NameEmpty,
            P::WorkspaceNotAllowed {
                workspace_id: WorkspaceId(1)
            },
            P::DeliveryChannelMissing { index: 0 },
            P::NotAnActiveOneflowUser {
                index: 1,
                email: Some("bo@home.example".into())
            },
            P::NoPdfSection { index: 0 },
            P::SubjectEmpty,
            P::MappedFieldNotOnTemplateType {
                data_field: "superoffice_amount".into()
            },
        ]
    );
    let fields: Vec<String> = err
        .problems()
        .iter()
        .map(|p| p.field().to_string())
        .collect();
    assert_eq!(
        fields,
        [
            "name",
            "workspace",
            "participants[0].delivery_channel",
            "participants[1].person",
            "files[0]",
            "subject",
            "field_mappings.superoffice_amount",
        ]
    );
    let text = err.to_string();
    assert!(
        text.starts_with(
            "the contract cannot be created yet (7 problems): the contract needs a name"
        ),
        "{text}"
    );
}

#[test]
fn the_full_draft_is_oneflows_create_body() {
    let plan = make(&context(), &template(), &choices()).unwrap();
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("create_body.json")).unwrap();
    assert_eq!(serde_json::to_value(&plan.draft).unwrap(), fixture);
    assert_eq!(plan.act_as, "sam@ourco.example");
    assert_eq!(plan.publish, None);
    assert!(plan.skipped_mappings.is_empty());
    assert_eq!(
        plan.uploads,
        [
            PlannedUpload {
                file_index: 0,
                name: "Offer 2026.PDF".into(),
                content_type: "application/pdf".into(),
                upload_as: UploadKind::ExpandedPdf,
            },
            PlannedUpload {
                file_index: 1,
                name: "terms.docx".into(),
                content_type:
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document".into(),
                upload_as: UploadKind::Attachment,
            },
        ]
    );
}

#[test]
fn draft_or_send() {
    let (s, t) = (context(), template());
    let draft = make(&s, &t, &choices()).unwrap();
    let mut send = choices();
    send.delivery = Delivery::Send {
        subject: " Your contract from Our Co ".into(),
        message: "Please review and sign.".into(),
    };
    let sent = make(&s, &t, &send).unwrap();
    assert_eq!(draft.publish, None);
    assert_eq!(
        sent.publish,
        Some(PublishMessage::new(
            "Your contract from Our Co",
            "Please review and sign."
        ))
    );
    // Sending changes only the publish step, not the contract.
    assert_eq!(sent.draft, draft.draft);
    assert_eq!(sent.uploads, draft.uploads);
}

#[test]
fn the_default_name_is_the_heading_cut_on_a_character_boundary() {
    let long_ascii = "x".repeat(200);
    let swedish = format!("Å{}", "ä".repeat(140));
    let emoji = "🤝".repeat(131);
    let space_at_cut = format!("{} tail", "y".repeat(129));
    #[rustfmt::skip]
    let table: Vec<(&str, String, String)> = vec![
        ("short heading", HEADING.into(), HEADING.into()),
        ("trimmed", "  Deal  ".into(), "Deal".into()),
        ("130 ASCII", long_ascii.clone(), "x".repeat(130)),
        ("two-byte letters", swedish, format!("Å{}", "ä".repeat(129))),
        ("four-byte emoji", emoji, "🤝".repeat(130)),
        ("no trailing space after the cut", space_at_cut, "y".repeat(129)),
    ];
    for (name, heading, expected) in table {
        let mut s = context();
        s.sale.heading = heading;
        let plan = make(&s, &template(), &choices()).unwrap();
        assert_eq!(
            plan.draft.name.as_deref(),
            Some(expected.as_str()),
            "{name}"
        );
        assert!(expected.chars().count() <= MAX_CONTRACT_NAME_LEN, "{name}");
    }
    // A typed name wins over the heading, trimmed.
    let mut c = choices();
    c.name = Some(" Licence renewal ".into());
    let plan = make(&context(), &template(), &c).unwrap();
    assert_eq!(plan.draft.name.as_deref(), Some("Licence renewal"));
}

fn data_fields(plan: &ContractPlan) -> Vec<(&str, &str)> {
    plan.draft
        .data_fields
        .iter()
        .map(|f| (f.custom_id.as_str(), f.value.as_str()))
        .collect()
}

#[test]
fn link_fields_are_always_present() {
    let links = [
        ("superoffice_tenant", "Cust26759"),
        ("superoffice_sale_id", "4711"),
        ("superoffice_request_key", REQUEST_KEY),
    ];
    #[rustfmt::skip]
    let table: Vec<(&str, Change)> = vec![
        ("no mappings", |s, _, _| s.field_mappings = FieldMappings::new()),
        ("every mapping without a value", |s, _, c| {
            s.company = None;
            c.participants[0].party = PartyKind::Individual;
            s.sale.heading = String::new();
            s.field_mappings.mappings[0].source = SourceField::SaleCurrency;
            s.sale.currency = None;
        }),
        ("mapped fields missing and skipped", |s, t, _| {
            s.field_mappings.missing_data_field = MissingDataField::Skip;
            t.data_field_custom_ids.retain(|id| id.starts_with("superoffice_") && !id.contains("heading") && !id.contains("org"));
        }),
        ("only owner-side participants", |_, _, c| c.participants.retain(|p| p.party == PartyKind::Owner)),
    ];
    for (name, change) in table {
        let (mut s, mut t, mut c) = (context(), template(), choices());
        change(&mut s, &mut t, &mut c);
        if c.name.is_none() && s.sale.heading.is_empty() {
            c.name = Some("Named by hand".into());
        }
        let plan = make(&s, &t, &c).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(data_fields(&plan)[..3], links, "{name}");
    }

    // Renamed link fields are used as configured.
    let (mut s, mut t) = (context(), template());
    s.link_fields = LinkFields {
        tenant: "so_tenant".into(),
        sale_id: "so_sale".into(),
        request_key: "so_key".into(),
    };
    t.data_field_custom_ids
        .extend(["so_tenant", "so_sale", "so_key"].map(str::to_owned));
    let plan = make(&s, &t, &choices()).unwrap();
    assert_eq!(
        data_fields(&plan)[..3],
        [
            ("so_tenant", "Cust26759"),
            ("so_sale", "4711"),
            ("so_key", REQUEST_KEY)
        ]
    );
}

#[test]
fn mappings_fill_data_fields_or_say_why_not() {
    let (mut s, mut t) = (context(), template());
    s.field_mappings = FieldMappings {
        mappings: vec![],
        missing_data_field: MissingDataField::Skip,
    }
    .map(SourceField::SaleAmount, "so_amount")
    .map(SourceField::SaleCurrency, "so_currency")
    .map(SourceField::SaleOwnerName, "so_owner")
    .map(SourceField::SaleOwnerEmail, "so_owner_email")
    .map(SourceField::SaleId, "so_sale_id_copy")
    .map(SourceField::CompanyName, "so_company")
    .map(SourceField::CompanyCountryCode, "so_country")
    .map(SourceField::PersonName(PersonSlot::SalePerson), "so_person")
    .map(
        SourceField::PersonPhone(PersonSlot::SalePerson),
        "so_person_phone",
    )
    .map(
        SourceField::PersonEmail(PersonSlot::FirstSignatory),
        "so_signer_email",
    )
    .map(
        SourceField::PersonTitle(PersonSlot::FirstSignatory),
        "so_signer_title",
    )
    .map(
        SourceField::PersonTitle(PersonSlot::SalePerson),
        "so_not_defined",
    );
    t.data_field_custom_ids.extend(
        [
            "so_amount",
            "so_currency",
            "so_owner",
            "so_owner_email",
            "so_sale_id_copy",
            "so_company",
            "so_country",
            "so_person",
            "so_person_phone",
            "so_signer_email",
            "so_signer_title",
        ]
        .map(str::to_owned),
    );
    // Ann becomes a viewer and Bo signs, so Bo is the first signatory.
    let mut c = choices();
    c.participants[0].role = ParticipantRole::Viewer;
    c.participants[1].role = ParticipantRole::Signatory;
    let plan = make(&s, &t, &c).unwrap();
    assert_eq!(
        data_fields(&plan)[3..],
        [
            ("so_amount", "25000.00"),
            ("so_currency", "sek"),
            ("so_owner", "Sam Seller"),
            ("so_owner_email", "Sam@OurCo.example"),
            ("so_sale_id_copy", "4711"),
            ("so_company", "Acme AB"),
            ("so_country", "se"),
            ("so_person", "Ann Buyer"),
            ("so_person_phone", "+46 70-123 45 67"),
            ("so_signer_email", "bo@home.example"),
        ]
    );
    let skipped: Vec<(&str, SkipReason)> = plan
        .skipped_mappings
        .iter()
        .map(|m| (m.mapping.data_field.as_str(), m.reason))
        .collect();
    assert_eq!(
        skipped,
        [
            ("so_signer_title", SkipReason::NoValue),
            ("so_not_defined", SkipReason::NotOnTemplateType),
        ]
    );
}

#[test]
fn parties_follow_the_choices() {
    // Only individuals: no company party even though the Sale has a company.
    let mut c = choices();
    c.participants[0].party = PartyKind::Individual;
    let plan = make(&context(), &template(), &c).unwrap();
    assert_eq!(plan.draft.parties.len(), 2);
    assert!(plan
        .draft
        .parties
        .iter()
        .all(|p| matches!(p, PartyDraft::Individual(_))));

    // Only counterparties: no owner side at all.
    let mut c = choices();
    c.participants.truncate(2);
    let plan = make(&context(), &template(), &c).unwrap();
    assert_eq!(plan.draft.my_party, None);

    // Cilla gets SMS: her "0046 8 …" phone is sent as E.164.
    let mut c = choices();
    c.participants[1] = ParticipantChoice::new(
        ParticipantSource::Person(19),
        PartyKind::Company,
        ParticipantRole::Signatory,
    )
    .delivery_channel(DeliveryChannel::Sms)
    .sign_method(SignMethod::Sms);
    let plan = make(&context(), &template(), &c).unwrap();
    let PartyDraft::Company(company) = &plan.draft.parties[0] else {
        panic!("company party first");
    };
    assert_eq!(company.participants.len(), 2);
    assert_eq!(
        company.participants[1].phone_number.as_deref(),
        Some("+46812345678")
    );
    assert_eq!(company.participants[1].email, None);
}

#[test]
fn contract_value_comes_from_the_sale_amount() {
    // (case, Sale amount, Sale currency, expected `value` in the body)
    type Row = (
        &'static str,
        Option<f64>,
        Option<&'static str>,
        Option<serde_json::Value>,
    );
    #[rustfmt::skip]
    let table: Vec<Row> = vec![
        ("amount and currency", Some(1234.5), Some("eur"), Some(serde_json::json!({"amount": "1234.50", "currency": "EUR"}))),
        ("amount without currency", Some(99.999), None, Some(serde_json::json!({"amount": "100.00"}))),
        ("zero is a value", Some(0.0), Some("SEK"), Some(serde_json::json!({"amount": "0.00", "currency": "SEK"}))),
        ("no amount", None, Some("SEK"), None),
        ("negative amount left out", Some(-5.0), Some("SEK"), None),
        ("not a number left out", Some(f64::NAN), Some("SEK"), None),
    ];
    for (name, amount, currency, expected) in table {
        let mut s = context();
        s.sale.amount = amount;
        s.sale.currency = currency.map(Into::into);
        let plan = make(&s, &template(), &choices()).unwrap();
        let body = serde_json::to_value(&plan.draft).unwrap();
        assert_eq!(body.get("value").cloned(), expected, "{name}");
    }
}

#[test]
fn phone_numbers_are_read_as_e164() {
    #[rustfmt::skip]
    let table: &[(&str, Option<&str>)] = &[
        ("+46701234567", Some("+46701234567")),
        ("+46 70-123 45 67", Some("+46701234567")),
        ("0046 (0)70 123", None),
        ("+46 (0)70-123 45 67", Some("+46701234567")),
        ("0046 70 123 45 67", Some("+46701234567")),
        ("+1 (415) 555.0100", Some("+14155550100")),
        ("070-123 45 67", None),
        ("+46 70 ABC", None),
        ("+1234567", None),
        ("+1234567890123456", None),
        ("+0123456789", None),
        ("", None),
    ];
    for (raw, expected) in table {
        assert_eq!(e164(raw).as_deref(), *expected, "{raw:?}");
    }
}

#[test]
fn problems_speak_plainly_and_name_their_field() {
    use ChoiceProblem as P;
    #[rustfmt::skip]
    let table: Vec<(ChoiceProblem, &str, &str)> = vec![
        (P::NameTooLong { length: 131, max: 130 }, "name",
            "the contract name is 131 characters long; shorten it to at most 130"),
        (P::EmailMissing { index: 0 }, "participants[0].delivery_channel",
            "participant 1 has no e-mail, which delivery by e-mail needs; add it in SuperOffice or choose another channel"),
        (P::PhoneMissing { index: 2, for_sign_method: true }, "participants[2].sign_method",
            "participant 3 has no mobile number in international format (+46…), which signing by SMS needs; add it in SuperOffice or choose another sign method"),
        (P::EmailInvalid { index: 1, email: "n/a".into() }, "participants[1].person",
            "participant 2: \"n/a\" is not an e-mail address; correct it in SuperOffice"),
        (P::DuplicateParticipant { index: 3, first_index: 0 }, "participants[3].person",
            "participant 4 is the same person as participant 1; remove one"),
        (P::NoCompanyOnSale { index: 1 }, "participants[1].party",
            "participant 2: the Sale has no company, so nobody can sign for one; choose Individual or link a company to the Sale"),
        (P::DeliveryChannelNotOffered { index: 0, channel: DeliveryChannel::Sms }, "participants[0].delivery_channel",
            "participant 1: the template does not offer delivery by sms; choose one it offers"),
        (P::NoAttachmentsSection { index: 1 }, "files[1]",
            "file 2: the template has no \"Attachments\" section; remove the file or pick a template with that section"),
        (P::FileExtensionNotAccepted { index: 0, extension: "exe".into() }, "files[0]",
            "file 1: Oneflow does not accept .exe files here; convert it or remove it"),
        (P::MappedFieldNotOnTemplateType { data_field: "so_amount".into() }, "field_mappings.so_amount",
            "a field mapping fills the data field \"so_amount\", which the template's type does not have; an admin should add it in Oneflow or fix the mapping"),
        (P::Draft(InvalidInput::NoParticipants), "contract",
            "Oneflow would refuse the contract: a company party needs at least one participant"),
    ];
    for (problem, field, text) in table {
        assert_eq!(problem.field().to_string(), field);
        assert_eq!(problem.to_string(), text);
    }
    let one = InvalidChoices::new(vec![P::SubjectEmpty]);
    assert_eq!(
        one.to_string(),
        "the contract cannot be created yet (1 problem): sending needs a subject for the invitation"
    );
}

#[test]
fn a_host_can_replace_the_factory() {
    /// Never sends anything: every contract stays a draft, whatever the user chose.
    #[derive(Debug)]
    struct DraftsOnly;
    impl ContractFactory for DraftsOnly {
        fn plan(
            &self,
            sale: &SaleContext,
            template: &TemplateFacts,
            choices: &ContractChoices,
        ) -> Result<ContractPlan, InvalidChoices> {
            let mut plan = DefaultContractFactory.plan(sale, template, choices)?;
            plan.publish = None;
            Ok(plan)
        }
    }
    let factories: Vec<Box<dyn ContractFactory>> =
        vec![Box::new(DefaultContractFactory), Box::new(DraftsOnly)];
    let mut c = choices();
    c.delivery = Delivery::Send {
        subject: "s".into(),
        message: "m".into(),
    };
    let published: Vec<bool> = factories
        .iter()
        .map(|f| {
            f.plan(&context(), &template(), &c)
                .unwrap()
                .publish
                .is_some()
        })
        .collect();
    assert_eq!(published, [true, false]);
}

#[test]
fn template_facts_from_available_options() {
    let options: AvailableOptions = serde_json::from_value(serde_json::json!({
        "can_receive_attachments": true,
        "can_receive_expanded_pdf": false,
        "delivery_channels": [{"name": "email", "preferred": true}, {"name": "same_device"}],
        "sign_methods": [{"name": "standard_esign"}, {"name": "swedish_bankid"}]
    }))
    .unwrap();
    let facts = TemplateFacts::from_available_options(TemplateId(7), &options);
    assert_eq!(
        facts.delivery_channels,
        [DeliveryChannel::Email, DeliveryChannel::SameDevice]
    );
    assert_eq!(
        facts.sign_methods,
        [SignMethod::StandardEsign, SignMethod::SwedishBankid]
    );
    assert!(facts.has_attachments_section && !facts.has_pdf_section);
}

#[test]
fn mapping_settings_are_stored_as_plain_json() {
    let mappings = FieldMappings::new()
        .map(SourceField::SaleAmount, "so_amount")
        .map(
            SourceField::PersonEmail(PersonSlot::FirstSignatory),
            "so_signer_email",
        );
    let json = serde_json::to_value(&mappings).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "mappings": [
                {"source": "sale_amount", "data_field": "so_amount"},
                {"source": {"person_email": "first_signatory"}, "data_field": "so_signer_email"}
            ],
            "missing_data_field": "refuse"
        })
    );
    assert_eq!(
        serde_json::from_value::<FieldMappings>(json).unwrap(),
        mappings
    );
    // Settings saved before a key existed still read, with the defaults.
    let links: LinkFields = serde_json::from_str(r#"{"tenant": "so_tenant"}"#).unwrap();
    assert_eq!(links.tenant, "so_tenant");
    assert_eq!(links.sale_id, DEFAULT_SALE_ID_FIELD);
    assert_eq!(
        serde_json::from_str::<FieldMappings>("{}").unwrap(),
        FieldMappings::new()
    );
}
