//! The user-replaceable decisions of the integration, each a small trait with a documented
//! default: which templates a user may pick ([`template_filter`]), how a Sale and the user's
//! choices become a Oneflow contract ([`contract_factory`]) and what a contract's state change
//! does to its Sale ([`stage_mapping`]).

pub mod contract_factory;
pub mod stage_mapping;
pub mod template_filter;
