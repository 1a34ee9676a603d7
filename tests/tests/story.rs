//! The whole integration story across both clients and both sandboxes, checked against what
//! the two systems report afterwards.

use examples::story::{run_story, StoryOptions};

fn options(duplicates: bool) -> StoryOptions {
    let mut options = StoryOptions::default();
    options.duplicate_deliveries = duplicates;
    options
}

#[tokio::test]
async fn signed_closes_the_sale_as_sold_and_declined_as_lost() {
    let mut narration = Vec::new();
    let summary = run_story(options(false), &mut narration).await.unwrap();
    let text = String::from_utf8(narration).unwrap();

    assert_eq!(summary.tenant, "Cust12345");
    let outcomes: Vec<(i32, &str, &str)> = summary
        .contracts
        .iter()
        .map(|c| (c.sale_id, c.contract_state.as_str(), c.sale_status.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [(101, "signed", "Sold"), (102, "declined", "Lost")]
    );
    // Only active templates of the "SuperOffice" group are offered.
    assert!(!summary.templates_offered.is_empty());
    assert!(summary
        .templates_offered
        .iter()
        .all(|t| t.starts_with("SuperOffice - ") && t != "SuperOffice - Retired offer"));
    assert_eq!(summary.flush_status, 200);
    assert_eq!(summary.sale_updates, 2, "one guarded PATCH per closed Sale");
    assert!(summary.removed_cleanly);
    assert!(summary.all_expected());
    assert!(text.contains("attachment refused locally"), "{text}");
    // The panel is the "Panel - Sale screen section tab" (visiblein 29), not the Sale card.
    assert!(
        text.contains("\"Oneflow Contract\" on SaleArchive"),
        "{text}"
    );
}

#[tokio::test]
async fn duplicate_webhook_deliveries_are_acknowledged_but_processed_once() {
    let summary = run_story(options(true), &mut Vec::new()).await.unwrap();
    // publish ×2, sign, decline: four notifications, each delivered twice.
    assert_eq!(summary.webhook_notifications, 4);
    assert_eq!(summary.duplicate_deliveries, 4);
    assert_eq!(summary.sale_updates, 2);
    assert!(summary.all_expected());
}

#[tokio::test]
async fn with_stage_mapping_off_the_sales_stay_open() {
    let mut options = options(false);
    options.stage_mapping = false;
    let summary = run_story(options, &mut Vec::new()).await.unwrap();
    let statuses: Vec<&str> = summary
        .contracts
        .iter()
        .map(|c| c.sale_status.as_str())
        .collect();
    assert_eq!(statuses, ["Open", "Open"]);
    assert_eq!(summary.sale_updates, 0);
    assert!(!summary.all_expected());
}
