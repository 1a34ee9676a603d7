//! The whole demo story through the service's routes, checked against what the two systems
//! report afterwards.

use examples::story::{run_story, StoryOptions};

fn options(duplicates: bool) -> StoryOptions {
    let mut options = StoryOptions::default();
    options.duplicate_deliveries = duplicates;
    options
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_story_ends_sold_lost_unchanged_with_a_clean_removal() {
    let mut narration = Vec::new();
    let summary = run_story(options(false), &mut narration).await.unwrap();
    let text = String::from_utf8(narration).unwrap();

    assert_eq!(summary.tenant, "Cust12345");
    let outcomes: Vec<(i32, &str, &str, bool)> = summary
        .contracts
        .iter()
        .map(|c| {
            (
                c.sale_id,
                c.contract_state.as_str(),
                c.sale_status.as_str(),
                c.stage_mapping,
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (101, "signed", "Sold", true),
            (102, "declined", "Lost", true),
            (106, "signed", "Open", false),
        ],
        "{text}"
    );
    // Only active templates of the "SuperOffice" group are offered, the seeded one with both
    // sections among them.
    assert!(summary
        .templates_offered
        .iter()
        .any(|t| t.contains("SuperOffice - Agreement with terms")));
    assert!(
        summary
            .templates_offered
            .iter()
            .all(|t| t.contains("SuperOffice - ") && !t.contains("Retired offer")),
        "{:?}",
        summary.templates_offered
    );
    assert_eq!(summary.flush_status, 200);
    assert!(summary.flush_url.contains("flush"), "{}", summary.flush_url);
    let refusal = summary.attachment_refusal.as_deref().unwrap_or_default();
    assert!(refusal.to_lowercase().contains("attachment"), "{refusal}");
    assert!(summary.duplicate_ignored, "{text}");
    assert_eq!(summary.sale_updates, 2, "one guarded PATCH per closed Sale");
    assert!(summary.removed_cleanly, "{text}");
    assert!(summary.all_expected(), "{text}");
    // Setup went through the service's routes, the seller through the pop-up sign-in.
    assert!(text.contains("GET /superoffice/callback"), "{text}");
    assert!(text.contains("without a session: HTTP 401"), "{text}");
    assert!(text.contains("as the seller: HTTP 403"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_deliveries_are_acknowledged_but_processed_once() {
    let mut narration = Vec::new();
    let summary = run_story(options(true), &mut narration).await.unwrap();
    let text = String::from_utf8(narration).unwrap();
    // publish ×3, sign ×2, decline: six notifications, each delivered twice.
    assert_eq!(summary.webhook_notifications, 6, "{text}");
    assert_eq!(summary.duplicate_deliveries, 6, "{text}");
    assert_eq!(summary.sale_updates, 2);
    assert!(summary.all_expected(), "{text}");
}
