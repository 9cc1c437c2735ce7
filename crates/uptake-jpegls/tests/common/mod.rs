//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod dicom;
pub mod fixtures;
pub mod images;
