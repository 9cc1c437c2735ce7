//! `uptake_quant`: the quantitative core of Uptake.
//!
//! This crate turns PET header values into SUV factors with full provenance, and
//! (later) computes region statistics, SUVpeak, segmentations, MTV and TLG.
//!
//! **Architecture invariant:** `uptake-quant` knows nothing about GPUs, HTTP, JavaScript
//! or DICOM parsing. It receives typed, unprocessed header values (see
//! [`suv::SuvInputs`]) and returns numbers with their provenance, or a refusal that
//! says why no number can be given.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod suv;
