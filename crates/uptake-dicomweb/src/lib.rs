//! DICOMweb (QIDO-RS, WADO-RS) client core for Uptake, **sans-IO**.
//!
//! This crate builds requests, parses responses and plans the retrieval of a PET-CT study; it
//! never opens a socket. Network access goes through the [`Transport`] trait, implemented by
//! the embedding program (a native HTTP client in `uptake-server`, `fetch` in the browser), so
//! everything here is tested without a network and builds for `wasm32-unknown-unknown`.
//!
//! Map of the crate:
//! - [`qido`]: search URLs (studies, series, instances).
//! - [`json`]: the DICOM JSON model (PS3.18 F.2) parsed into typed values and summaries.
//! - [`wado`]: retrieve requests (metadata, instances, frames, bulk data).
//! - [`multipart`]: a streaming `multipart/related` parser with a bounded part size.
//! - [`plan`]: which PET and CT series to fetch for a PET-CT study, and in which order.
//! - [`client`] and [`retrieve`]: the request loop over a [`Transport`] with retries,
//!   back-off, bounded concurrency, cancellation and progress.
//! - [`auth`]: caller-supplied credentials, redacted in every `Debug` output.

pub mod auth;
pub mod cancel;
pub mod client;
pub mod error;
pub mod http;
pub mod json;
pub mod multipart;
pub mod plan;
pub mod qido;
pub mod retrieve;
pub mod tags;
pub mod transport;
pub mod url;
pub mod wado;

pub use auth::Auth;
pub use cancel::CancelToken;
pub use client::{Client, RetryPolicy};
pub use error::{DicomWebError, JsonError, MultipartError, TransportError};
pub use http::{HttpRequest, HttpResponse, Method};
pub use json::{
    Attribute, Dataset, InstanceSummary, PersonName, SeriesSummary, StudySummary, Value,
};
pub use multipart::{MultipartParser, Part};
pub use plan::{PlanError, RetrievalPlan, SeriesCandidate};
pub use qido::{DateRange, StudyQuery};
pub use retrieve::{Progress, RetrieveOptions, RetrievedInstance};
pub use transport::{Body, Transport};
