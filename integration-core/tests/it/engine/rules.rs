//! Three contracts on one Sale, under each multi-contract rule.

use integration_core::policy::stage_mapping::MultiContractRule;
use integration_core::store::InstallationId;
use secrecy::SecretString;

use super::world::*;

super::engine_scenarios!(rules:
    latest_contract_decides_the_sale,
    all_must_sign_waits_for_every_contract,
    any_signed_wins_the_sale_at_the_first_signature,
);

async fn with_rule(world: &World, rule: MultiContractRule) -> (InstallationId, [i64; 3]) {
    let id = world.installed().await;
    let mut settings = world.engine.settings(id).await.unwrap();
    settings.stage_mapping.multi_contract_rule = rule;
    let token = SecretString::from(world.so.issue_access_token(ADMIN).unwrap());
    world
        .engine
        .update_settings(id, &token, settings)
        .await
        .unwrap();
    let mut contracts = [0; 3];
    // Oneflow's timestamps have whole seconds; the policy breaks ties by the higher id, so
    // the last one created is the latest either way.
    for slot in &mut contracts {
        *slot = world.send_contract(id, 101).await;
    }
    (id, contracts)
}

async fn sign(world: &World, contract: i64) {
    world.of.sign_all(contract).unwrap();
    world.delivered(contract, "contract:sign").await;
    world.drain().await;
}

async fn decline(world: &World, contract: i64) {
    let signatory = world.signatory(contract).await;
    world.of.decline(contract, signatory).unwrap();
    world.delivered(contract, "contract:decline").await;
    world.drain().await;
}

pub(crate) async fn latest_contract_decides_the_sale(world: World) {
    let (id, [first, _, latest]) = with_rule(&world, MultiContractRule::LatestContract).await;
    sign(&world, first).await;
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Open");
    let audit = world.audit(id).await;
    assert!(
        audit
            .iter()
            .any(|e| e.detail.contains(&format!("a newer contract ({latest})"))),
        "{audit:#?}"
    );
    sign(&world, latest).await;
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    world.finish().await;
}

pub(crate) async fn all_must_sign_waits_for_every_contract(world: World) {
    let (_, [a, b, c]) = with_rule(&world, MultiContractRule::AllMustSign).await;
    sign(&world, a).await;
    sign(&world, b).await;
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Open");
    sign(&world, c).await;
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    assert_eq!(world.sale_patches(), 1);
    world.finish().await;
}

pub(crate) async fn any_signed_wins_the_sale_at_the_first_signature(world: World) {
    let (_, [a, b, _]) = with_rule(&world, MultiContractRule::AnySigned).await;
    // A decline while others are still open leaves the Sale open.
    decline(&world, a).await;
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Open");
    sign(&world, b).await;
    assert_eq!(world.sale_status(MAIN_TENANT, 101), "Sold");
    world.finish().await;
}
