use chrono::{Duration, TimeZone};

use super::*;

const ME: i64 = 100;

fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap() + Duration::days(n)
}

fn settings(rule: MultiContractRule) -> StageMappingSettings {
    StageMappingSettings {
        stage_mapping_enabled: true,
        multi_contract_rule: rule,
        won_reason_id: Some(11),
        lost_reason_id: Some(12),
        won_stage_id: Some(5),
        lost_stage_id: None,
    }
}

fn other(id: i64, state: ContractState, created_day: i64) -> LinkedContract {
    LinkedContract {
        id,
        state,
        created_at: day(created_day),
    }
}

/// The triggering contract was created on day 2 and changed state on day 9.
fn input(
    state: ContractState,
    sale: SaleStatus,
    others: Vec<LinkedContract>,
    rule: MultiContractRule,
) -> StageInput {
    StageInput {
        contract: TriggeringContract {
            id: ME,
            state,
            state_changed_at: day(9),
            created_at: day(2),
        },
        sale: SaleSnapshot {
            status: sale,
            stage_id: Some(3),
            probability: Some(40),
        },
        other_contracts: others,
        settings: settings(rule),
    }
}

fn sold() -> Decision {
    Decision::Update(SaleUpdate {
        status: ClosedStatus::Sold,
        reason_id: Some(11),
        probability: 100,
        stage_id: Some(5),
        completed: day(9),
    })
}

fn lost() -> Decision {
    Decision::Update(SaleUpdate {
        status: ClosedStatus::Lost,
        reason_id: Some(12),
        probability: 0,
        stage_id: None,
        completed: day(9),
    })
}

fn no(reason: NoChangeReason) -> Decision {
    Decision::NoChange(reason)
}

use ContractState::{Cancelled, Declined, Draft, Overdue, Pending, Signed};
use MultiContractRule::{AllMustSign, AnySigned, LatestContract};
use NoChangeReason as R;
use SaleStatus::{Lost, Open, Sold, Stalled, Unknown};

const ALL_RULES: [MultiContractRule; 3] = [LatestContract, AllMustSign, AnySigned];

#[test]
fn single_contract_rules_hold_under_every_multi_contract_mode() {
    #[rustfmt::skip]
    let table: Vec<(&str, ContractState, SaleStatus, Decision)> = vec![
        ("signed closes an open Sale as won", Signed, Open, sold()),
        ("declined closes an open Sale as lost", Declined, Open, lost()),
        ("signed closes a stalled Sale as won", Signed, Stalled, sold()),
        ("declined leaves a stalled Sale stalled", Declined, Stalled, no(R::SaleStalled)),
        ("never overrides a Sale won by hand", Declined, Sold, no(R::SaleAlreadyClosed { status: Sold })),
        ("never reopens or re-closes a lost Sale", Signed, Lost, no(R::SaleAlreadyClosed { status: Lost })),
        ("signed on a won Sale changes nothing", Signed, Sold, no(R::SaleAlreadyClosed { status: Sold })),
        ("unknown Sale status is left alone", Signed, Unknown, no(R::SaleStatusUnknown)),
        ("pending does not map", Pending, Open, no(R::StateNotMapped { state: Pending })),
        ("draft does not map", Draft, Open, no(R::StateNotMapped { state: Draft })),
        ("overdue does not map", Overdue, Open, no(R::StateNotMapped { state: Overdue })),
        ("cancelled does not map", Cancelled, Open, no(R::StateNotMapped { state: Cancelled })),
        (
            "an unrecognised state does not map",
            ContractState::Other("archived".into()),
            Open,
            no(R::StateNotMapped { state: ContractState::Other("archived".into()) }),
        ),
    ];
    for rule in ALL_RULES {
        for (name, state, sale, expected) in &table {
            let got = DefaultStageMapping.decide(&input(state.clone(), *sale, vec![], rule));
            assert_eq!(&got, expected, "{name} ({rule:?})");
        }
    }
}

#[test]
fn mapping_disabled_wins_over_everything() {
    for rule in ALL_RULES {
        for state in [Signed, Declined, Pending] {
            for sale in [Open, Stalled, Sold, Unknown] {
                let mut input = input(state.clone(), sale, vec![other(7, Pending, 1)], rule);
                input.settings.stage_mapping_enabled = false;
                assert_eq!(
                    DefaultStageMapping.decide(&input),
                    no(R::MappingDisabled),
                    "{state:?} on {sale:?} ({rule:?})"
                );
            }
        }
    }
}

#[test]
fn several_contracts_on_one_sale_under_each_rule() {
    // Other contracts are older (day 1) unless stated; the triggering contract is from day 2.
    #[rustfmt::skip]
    let table: Vec<(&str, MultiContractRule, ContractState, Vec<LinkedContract>, Decision)> = vec![
        // LatestContract
        ("latest: the newest contract signs", LatestContract, Signed,
            vec![other(1, Pending, 1), other(2, Declined, 0)], sold()),
        ("latest: an older contract signs", LatestContract, Signed,
            vec![other(3, Pending, 4)], no(R::NotTheLatestContract { latest_contract_id: 3 })),
        ("latest: names the newest of several newer ones", LatestContract, Declined,
            vec![other(3, Pending, 4), other(4, Draft, 6), other(5, Signed, 5)],
            no(R::NotTheLatestContract { latest_contract_id: 4 })),
        ("latest: same creation time, higher id is newer", LatestContract, Signed,
            vec![other(ME + 1, Pending, 2)], no(R::NotTheLatestContract { latest_contract_id: ME + 1 })),
        ("latest: same creation time, lower id is older", LatestContract, Signed,
            vec![other(ME - 1, Pending, 2)], sold()),
        ("latest: decline while an older one is pending", LatestContract, Declined,
            vec![other(1, Pending, 1)], no(R::OtherContractStillPendingOrSigned { contract_ids: vec![1] })),
        ("latest: decline while older ones ended", LatestContract, Declined,
            vec![other(1, Declined, 1), other(2, Cancelled, 0)], lost()),
        // AllMustSign
        ("all: the last signature closes", AllMustSign, Signed,
            vec![other(1, Signed, 1), other(2, Signed, 5)], sold()),
        ("all: others still open", AllMustSign, Signed,
            vec![other(1, Signed, 1), other(2, Pending, 5), other(3, Overdue, 0), other(4, Draft, 0)],
            no(R::OtherContractsPending { contract_ids: vec![2, 3, 4] })),
        ("all: another one was declined", AllMustSign, Signed,
            vec![other(1, Signed, 1), other(2, Declined, 5), other(3, Cancelled, 0)],
            no(R::NotAllSigned { contract_ids: vec![2, 3] })),
        ("all: open ones are reported before ended ones", AllMustSign, Signed,
            vec![other(2, Declined, 5), other(3, Pending, 0)],
            no(R::OtherContractsPending { contract_ids: vec![3] })),
        ("all: decline while another is signed", AllMustSign, Declined,
            vec![other(1, Signed, 1)], no(R::OtherContractStillPendingOrSigned { contract_ids: vec![1] })),
        ("all: decline after the others ended", AllMustSign, Declined,
            vec![other(1, Declined, 1), other(2, Cancelled, 6)], lost()),
        // AnySigned
        ("any: first signature closes, others open", AnySigned, Signed,
            vec![other(1, Pending, 1), other(2, Declined, 5), other(3, Draft, 8)], sold()),
        ("any: decline while a newer one is pending", AnySigned, Declined,
            vec![other(1, Pending, 8)], no(R::OtherContractStillPendingOrSigned { contract_ids: vec![1] })),
        ("any: decline with open and signed others", AnySigned, Declined,
            vec![other(1, Signed, 1), other(2, Overdue, 3), other(3, Cancelled, 4)],
            no(R::OtherContractStillPendingOrSigned { contract_ids: vec![1, 2] })),
        ("any: the last decline closes as lost", AnySigned, Declined,
            vec![other(1, Declined, 1), other(2, Declined, 8)], lost()),
    ];
    for (name, rule, state, others, expected) in table {
        let got = DefaultStageMapping.decide(&input(state, Open, others, rule));
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn the_triggering_contract_listed_among_the_others_is_ignored() {
    for rule in ALL_RULES {
        let me_again = other(ME, Pending, 9);
        let got = DefaultStageMapping.decide(&input(Signed, Open, vec![me_again], rule));
        assert_eq!(got, sold(), "{rule:?}");
    }
}

#[test]
fn closed_sale_rules_come_before_multi_contract_rules() {
    let got = DefaultStageMapping.decide(&input(
        Signed,
        Lost,
        vec![other(3, Pending, 8)],
        LatestContract,
    ));
    assert_eq!(got, no(R::SaleAlreadyClosed { status: Lost }));
}

#[test]
fn stalled_sale_follows_the_multi_contract_rules_when_signed() {
    let got = DefaultStageMapping.decide(&input(
        Signed,
        Stalled,
        vec![other(1, Pending, 1)],
        AllMustSign,
    ));
    assert_eq!(
        got,
        no(R::OtherContractsPending {
            contract_ids: vec![1]
        })
    );
}

#[test]
fn unconfigured_reason_and_stage_are_left_empty() {
    let mut input = input(Signed, Open, vec![], LatestContract);
    input.settings = StageMappingSettings::default();
    let Decision::Update(update) = DefaultStageMapping.decide(&input) else {
        panic!("expected an update");
    };
    assert_eq!(update.reason_id, None);
    assert_eq!(update.stage_id, None);
    assert_eq!(
        update.to_string(),
        "close the Sale as Sold (probability 100%)"
    );
}

#[test]
fn decisions_read_as_plain_words() {
    #[rustfmt::skip]
    let table: Vec<(Decision, &str)> = vec![
        (sold(), "close the Sale as Sold (reason 11, probability 100%, stage 5)"),
        (lost(), "close the Sale as Lost (reason 12, probability 0%)"),
        (no(R::MappingDisabled), "no change: stage mapping is switched off"),
        (no(R::SaleAlreadyClosed { status: Sold }),
            "no change: the Sale is already closed as Sold; stage mapping never overrides a closed Sale"),
        (no(R::SaleStatusUnknown), "no change: the Sale's status is unknown, so it is left as it is"),
        (no(R::StateNotMapped { state: Pending }), "no change: the contract is pending, which does not close a Sale"),
        (no(R::StateNotMapped { state: ContractState::Other("x".into()) }),
            "no change: the contract is in an unrecognised state (\"x\"), which does not close a Sale"),
        (no(R::SaleStalled), "no change: a declined contract leaves a stalled Sale stalled"),
        (no(R::NotTheLatestContract { latest_contract_id: 9 }),
            "no change: a newer contract (9) on the Sale decides it"),
        (no(R::OtherContractsPending { contract_ids: vec![1, 2] }),
            "no change: all contracts must be signed and these are still open: 1, 2"),
        (no(R::NotAllSigned { contract_ids: vec![3] }),
            "no change: all contracts must be signed and these never will be: 3"),
        (no(R::OtherContractStillPendingOrSigned { contract_ids: vec![4, 5] }),
            "no change: the Sale stays open while other contracts are open or signed: 4, 5"),
    ];
    for (decision, text) in table {
        assert_eq!(decision.to_string(), text);
    }
}

#[test]
fn settings_read_from_partial_json_with_defaults() {
    let settings: StageMappingSettings =
        serde_json::from_str(r#"{"multi_contract_rule":"all_must_sign","won_reason_id":4}"#)
            .unwrap();
    assert!(settings.stage_mapping_enabled);
    assert_eq!(settings.multi_contract_rule, AllMustSign);
    assert_eq!(settings.won_reason_id, Some(4));
    assert_eq!(settings.lost_reason_id, None);
}

#[test]
fn a_stalled_sale_is_won_like_an_open_one_and_never_lost() {
    // The same linked contracts under every rule: a signature decides a stalled Sale exactly as
    // it decides an open one; a decline never closes a stalled Sale.
    let situations: Vec<Vec<LinkedContract>> = vec![
        vec![],
        vec![other(1, Pending, 1)],
        vec![other(1, Signed, 1)],
        vec![other(1, Declined, 1), other(2, Cancelled, 0)],
        vec![other(3, Draft, 5)],
        vec![other(1, Signed, 1), other(3, Overdue, 6)],
    ];
    for rule in ALL_RULES {
        for others in &situations {
            let open = DefaultStageMapping.decide(&input(Signed, Open, others.clone(), rule));
            let stalled = DefaultStageMapping.decide(&input(Signed, Stalled, others.clone(), rule));
            assert_eq!(stalled, open, "signed, {rule:?}, {others:?}");
            let declined =
                DefaultStageMapping.decide(&input(Declined, Stalled, others.clone(), rule));
            assert_eq!(
                declined,
                no(R::SaleStalled),
                "declined, {rule:?}, {others:?}"
            );
        }
    }
}
