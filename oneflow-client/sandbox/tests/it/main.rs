//! Behaviour of the Oneflow sandbox over raw HTTP (reqwest); no client types.

mod accounts;
mod api;
mod contracts;
mod deliveries;
mod support;
