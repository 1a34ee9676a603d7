//! What the panel and the settings page read: the Sale, its contracts, reasons, groups, the
//! audit log.

use integration_core::engine::ONEFLOW_APP_URL;
use oneflow_client::models::ContractState;

use super::world::*;

super::engine_scenarios!(queries:
    the_panel_reads_the_sale_and_its_contracts,
    the_settings_page_reads_reasons_groups_and_decisions,
);

pub(crate) async fn the_panel_reads_the_sale_and_its_contracts(world: World) {
    let id = world.installed().await;
    let sale = world.engine.panel_sale(id, 101).await.unwrap();
    assert_eq!(sale.heading, "Fleet tracking licence");
    assert_eq!(sale.default_contract_name, "Fleet tracking licence");
    assert_eq!(sale.company_name.as_deref(), Some("Fjord Shipping ASA"));
    let persons: Vec<(i32, bool)> = sale
        .persons
        .iter()
        .map(|p| (p.person_id, p.on_sale))
        .collect();
    assert_eq!(
        persons,
        [(10, true), (11, false)],
        "the Sale's person first"
    );
    assert_eq!(sale.persons[0].name, "Kari Nordmann");
    assert!(!sale.owner_name.is_empty());

    assert!(world
        .engine
        .linked_contracts(id, 101)
        .await
        .unwrap()
        .is_empty());
    let sent = world.send_contract(id, 101).await;
    let draft = world
        .engine
        .create_contract_from_sale(
            id,
            SELLER,
            101,
            &world.choices(id, 101, "req-draft").await,
            Vec::new(),
        )
        .await
        .unwrap()
        .contract_id;
    let linked = world.engine.linked_contracts(id, 101).await.unwrap();
    let states: Vec<(i64, Option<ContractState>)> = linked
        .iter()
        .map(|c| (c.contract_id, c.state.clone()))
        .collect();
    assert_eq!(
        states,
        [
            (sent, Some(ContractState::Pending)),
            (draft, Some(ContractState::Draft))
        ]
    );
    assert_eq!(linked[0].name.as_deref(), Some("Fleet tracking licence"));
    assert_eq!(
        linked[0].open_url.as_str(),
        format!("{ONEFLOW_APP_URL}/contracts/{sent}")
    );
    // Another Sale has none.
    assert!(world
        .engine
        .linked_contracts(id, 102)
        .await
        .unwrap()
        .is_empty());
    world.finish().await;
}

pub(crate) async fn the_settings_page_reads_reasons_groups_and_decisions(world: World) {
    let id = world.installed().await;
    let reasons = world.engine.sale_reasons(id).await.unwrap();
    let won: Vec<&str> = reasons.won.iter().map(|r| r.name.as_str()).collect();
    let lost: Vec<&str> = reasons.lost.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(won, ["Price", "Relationship", "Product fit"]);
    assert_eq!(lost, ["Price", "Lost to competitor", "No decision"]);

    let groups = world.engine.panel_groups(id).await.unwrap();
    assert!(groups.iter().all(|g| g.sees_panel), "{groups:?}");
    world.engine.hide_panel_from(id, &[1]).await.unwrap();
    let groups = world.engine.panel_groups(id).await.unwrap();
    let seen: Vec<(i32, bool)> = groups.iter().map(|g| (g.id, g.sees_panel)).collect();
    assert!(
        seen.contains(&(1, false)) && seen.contains(&(2, true)),
        "{seen:?}"
    );

    let decisions = world.engine.recent_decisions(id, 3).await.unwrap();
    assert_eq!(decisions.len(), 3);
    assert_eq!(decisions[0].action, "panel", "newest first: {decisions:#?}");
    assert!(world.engine.parked_jobs(id).await.unwrap().is_empty());
    world.finish().await;
}
