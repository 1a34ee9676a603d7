//! Templates per user and idempotent contract creation.

use integration_core::engine::EngineError;
use integration_core::policy::contract_factory::{ChoiceField, FileChoice, FileKind};
use integration_core::store::ClaimOutcome;
use oneflow_sandbox::default_seed as of_seed;

use super::world::*;

super::engine_scenarios!(contracts:
    templates_are_filtered_per_user,
    a_double_submit_yields_one_contract,
    a_crash_between_create_and_link_still_yields_one_contract,
    a_file_without_its_section_is_refused_before_anything_is_sent,
    a_preview_creates_nothing,
    users_without_a_oneflow_account_are_listed,
    a_contract_carries_its_pdf_and_attachment,
);

fn names(options: &[integration_core::engine::TemplateOption]) -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = options
        .iter()
        .map(|o| {
            (
                o.workspace_name.clone().unwrap_or_default(),
                o.template.name.clone(),
            )
        })
        .collect();
    names.sort();
    names
}

fn pair(workspace: &str, template: &str) -> (String, String) {
    (workspace.to_owned(), template.to_owned())
}

pub(crate) async fn templates_are_filtered_per_user(world: World) {
    let id = world.installed().await;
    let seller = world.engine.templates_for(id, SELLER).await.unwrap();
    let mut expected = vec![
        pair("Sales", of_seed::TEMPLATE_PDF_AND_ATTACHMENTS),
        pair("Sales", of_seed::TEMPLATE_ATTACHMENTS),
        pair("Sales", of_seed::TEMPLATE_PDF),
        pair("Sales", of_seed::TEMPLATE_PLAIN),
    ];
    expected.sort();
    assert_eq!(names(&seller), expected);
    // The admin may also create in the Legal workspace.
    let admin = world.engine.templates_for(id, ADMIN).await.unwrap();
    assert!(names(&admin).contains(&pair("Legal", of_seed::TEMPLATE_PDF_AND_ATTACHMENTS)));
    assert!(admin.iter().all(|o| o.template.name != of_seed::TEMPLATE_HR
        && o.template.name != of_seed::TEMPLATE_INACTIVE));
    world.finish().await;
}

fn contracts_created(world: &World) -> usize {
    world
        .of
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/contracts/create") && r.status < 300)
        .count()
}

pub(crate) async fn a_double_submit_yields_one_contract(world: World) {
    let id = world.installed().await;
    let choices = world.choices(id, 101, "req-double").await;
    let (a, b) = tokio::join!(
        world
            .engine
            .create_contract_from_sale(id, SELLER, 101, &choices, Vec::new()),
        world
            .engine
            .create_contract_from_sale(id, SELLER, 101, &choices, Vec::new()),
    );
    // One request creates; the other either returns it or asks to try again shortly.
    let created: Vec<_> = [a, b].into_iter().filter_map(Result::ok).collect();
    assert!(!created.is_empty());
    let again = world
        .engine
        .create_contract_from_sale(id, SELLER, 101, &choices, Vec::new())
        .await
        .unwrap();
    assert!(again.existing);
    assert!(created.iter().all(|c| c.contract_id == again.contract_id));
    assert_eq!(contracts_created(&world), 1);
    let links = world.store.links_for_sale(id, 101).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].contract_id, again.contract_id);
    world.finish().await;
}

pub(crate) async fn a_crash_between_create_and_link_still_yields_one_contract(world: World) {
    let id = world.installed().await;
    let choices = world.choices(id, 101, "req-crash").await;
    // The first attempt claimed the key and Oneflow created the contract, then the host died
    // before it recorded the id.
    let plan = world
        .engine
        .preview_contract(id, SELLER, 101, &choices)
        .await
        .unwrap();
    assert_eq!(
        world
            .store
            .claim_contract_request(id, 101, "req-crash", chrono::Utc::now())
            .await
            .unwrap(),
        ClaimOutcome::Claimed
    );
    let orphan = world
        .oneflow()
        .as_user(SELLER)
        .contracts()
        .create(&plan.draft)
        .await
        .unwrap();
    assert!(world
        .store
        .links_for_sale(id, 101)
        .await
        .unwrap()
        .is_empty());
    // The retry finds it by its request-key data field.
    let retried = world
        .engine
        .create_contract_from_sale(id, SELLER, 101, &choices, Vec::new())
        .await
        .unwrap();
    assert!(retried.existing);
    assert_eq!(retried.contract_id, orphan.id.get());
    assert_eq!(contracts_created(&world), 1);
    let link = world
        .store
        .link_for_contract(id, orphan.id.get())
        .await
        .unwrap()
        .expect("the link is recorded");
    assert_eq!(link.sale_id, 101);
    world.finish().await;
}

pub(crate) async fn a_file_without_its_section_is_refused_before_anything_is_sent(world: World) {
    let id = world.installed().await;
    let mut choices = world.choices(id, 101, "req-attachment").await;
    choices.files = vec![FileChoice::new(
        "terms.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        4,
        FileKind::Attachment,
    )];
    let error = world
        .engine
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![b"PK\x03\x04".to_vec()])
        .await
        .unwrap_err();
    match &error {
        EngineError::InvalidChoices(invalid) => {
            assert_eq!(invalid.problems().len(), 1, "{invalid}");
            assert_eq!(
                invalid.problems()[0].field(),
                ChoiceField::File { index: 0 }
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(contracts_created(&world), 0);
    // Nothing was claimed: the same key works once the choice is fixed.
    choices.files = vec![FileChoice::new(
        "offer.pdf",
        "application/pdf",
        PDF.len() as u64,
        FileKind::Pdf,
    )];
    let created = world
        .engine
        .create_contract_from_sale(id, SELLER, 101, &choices, vec![PDF.to_vec()])
        .await
        .unwrap();
    assert!(!created.existing);
    let files = world
        .oneflow()
        .files()
        .list(created.contract_id.into())
        .await
        .unwrap();
    assert!(
        files
            .iter()
            .any(|f| f.file_type.as_ref().is_some_and(|t| t.as_str() == "pdf")),
        "{files:?}"
    );
    let contract = world
        .oneflow()
        .contracts()
        .get(created.contract_id.into())
        .await
        .unwrap();
    assert_eq!(contract.state.as_str(), "draft", "a draft is not published");
    world.finish().await;
}

pub(crate) async fn a_preview_creates_nothing(world: World) {
    let id = world.installed().await;
    let choices = world.choices(id, 101, "req-preview").await;
    let plan = world
        .engine
        .preview_contract(id, SELLER, 101, &choices)
        .await
        .unwrap();
    assert!(plan.publish.is_none());
    assert!(plan.act_as.eq_ignore_ascii_case(SELLER));
    let json = serde_json::to_value(&plan.draft).unwrap();
    let text = json.to_string();
    assert!(text.contains("Fleet tracking licence"), "{text}");
    assert!(text.contains("Fjord Shipping ASA"), "{text}");
    assert!(
        text.contains("Cust12345") && text.contains("req-preview"),
        "{text}"
    );
    assert_eq!(contracts_created(&world), 0);
    world.finish().await;
}

pub(crate) async fn users_without_a_oneflow_account_are_listed(world: World) {
    let id = world.installed().await;
    let unmatched = world.engine.unmatched_users(id).await.unwrap();
    let emails: Vec<_> = unmatched.iter().filter_map(|u| u.email.clone()).collect();
    assert!(
        emails.iter().any(|e| e == "lists@nordic.example"),
        "{emails:?}"
    );
    assert!(
        !emails.iter().any(|e| e.eq_ignore_ascii_case(ADMIN)),
        "{emails:?}"
    );
    assert!(
        !emails.iter().any(|e| e.eq_ignore_ascii_case(SELLER)),
        "{emails:?}"
    );
    world.finish().await;
}

pub(crate) async fn a_contract_carries_its_pdf_and_attachment(world: World) {
    let id = world.installed().await;
    let full = world
        .engine
        .templates_for(id, SELLER)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.template.has_pdf_section && t.template.has_attachments_section)
        .expect("a template with PDF and Attachments sections");
    let mut choices = world.choices(id, 101, "req-full").await;
    choices.workspace_id = full.workspace_id.into();
    choices.template_id = full.template.id.into();
    let attachment = b"PK\x03\x04 terms and conditions".to_vec();
    choices.files = vec![
        FileChoice::new(
            "offer.pdf",
            "application/pdf",
            PDF.len() as u64,
            FileKind::Pdf,
        ),
        FileChoice::new(
            "terms.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            attachment.len() as u64,
            FileKind::Attachment,
        ),
    ];
    let created = world
        .engine
        .create_contract_from_sale(
            id,
            SELLER,
            101,
            &choices,
            vec![PDF.to_vec(), attachment.clone()],
        )
        .await
        .unwrap();
    let oneflow = world.oneflow();
    let contract = created.contract_id.into();
    let files = oneflow.files().list(contract).await.unwrap();
    for (kind, bytes) in [("pdf", PDF.to_vec()), ("attachment", attachment)] {
        let file = files
            .iter()
            .find(|f| f.file_type.as_ref().is_some_and(|t| t.as_str() == kind))
            .unwrap_or_else(|| panic!("no {kind} file in {files:#?}"));
        let served = oneflow
            .files()
            .download(contract, file.id)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(served.to_vec(), bytes, "{kind}");
    }
    world.finish().await;
}
