//! # uptake-render
//!
//! The wgpu renderer of Uptake. **Architecture invariant:** it knows nothing about DICOM
//! parsing, the network or JavaScript: it takes volumes as plain data ([`VolumeDesc`]:
//! voxels + image→patient affine in LPS mm) and view descriptions ([`Camera`], [`Display`]).
pub mod shaders;
