//! A small load generator for the STS benchmark (`bench/sts`, docs/performance.md).
//!
//! It sends one query-protocol request (a form body such as
//! `Action=AssumeRole&Version=2011-06-15&…`) over `N` keep-alive HTTP/1.1 connections for a
//! fixed time, signing every request afresh with the `aws-sigv4` crate (as an SDK signs
//! every call), and reports throughput and latency percentiles. The request is the same
//! byte for byte against any server except for its `Host` header (and the signature and
//! date that follow from it and from the clock), so gitward and `moto_server` are driven
//! alike.

pub mod run;
pub mod sign;
pub mod stats;

pub use run::{Config, Report, run};
pub use sign::{Credentials, SignError, Target, signed_request};
pub use stats::Latencies;
