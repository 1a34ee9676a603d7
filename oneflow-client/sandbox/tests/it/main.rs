//! Behaviour of the Oneflow sandbox over raw HTTP (reqwest); no client types.

mod api;
mod contract_extras;
mod deliveries;
mod support;
