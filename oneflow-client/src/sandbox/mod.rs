//! In-process Oneflow sandbox.
