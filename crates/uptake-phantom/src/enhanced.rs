//! Enhanced CT and Enhanced PET: one multi-frame file per series with shared and
//! per-frame functional groups.
//!
//! Frames are in slice position order (shuffle and reverse options apply to
//! single-frame files only); a dropped CT slice is a missing frame. The pixel data of a
//! series is generated in place into one buffer, frames in parallel.

use std::path::Path;

use dicom_core::value::PrimitiveValue;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use crate::context::{StudyContext, ENHANCED_CT_IMAGE_STORAGE, ENHANCED_PET_IMAGE_STORAGE};
use crate::error::PhantomError;
use crate::grid::Grid;
use crate::headers::{self, put, put_seq, Series};
use crate::model::Phantom;
use crate::pixels;
use crate::text::ds;
use crate::writer::{bed_timing, write_part10, write_part10_bytes, SeriesOutcome};

fn item(f: impl FnOnce(&mut InMemDicomObject)) -> InMemDicomObject {
    let mut o = InMemDicomObject::new_empty();
    f(&mut o);
    o
}

/// Fills one `frame_len`-byte frame per `k` of `ks` in a single buffer, in parallel.
fn fill_frames<T: Send>(
    ks: &[usize],
    frame_len: usize,
    job: impl Fn(usize, &mut [u8]) -> T + Sync,
) -> Result<(Vec<u8>, Vec<T>), PhantomError> {
    let mut buf = vec![0u8; ks.len() * frame_len];
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let mut groups: Vec<Vec<(usize, usize, &mut [u8])>> =
        (0..workers).map(|_| Vec::new()).collect();
    for (f, chunk) in buf.chunks_mut(frame_len.max(1)).enumerate() {
        groups[f % workers].push((f, ks[f], chunk));
    }
    let job = &job;
    let joined: Vec<Option<Vec<(usize, T)>>> = std::thread::scope(|s| {
        let handles: Vec<_> = groups
            .into_iter()
            .map(|g| {
                s.spawn(move || {
                    g.into_iter()
                        .map(|(f, k, chunk)| (f, job(k, chunk)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().ok()).collect()
    });
    let mut results = Vec::with_capacity(ks.len());
    for part in joined {
        results.extend(part.ok_or(PhantomError::Thread)?);
    }
    results.sort_by_key(|(f, _)| *f);
    Ok((buf, results.into_iter().map(|(_, t)| t).collect()))
}

/// Multi-frame module attributes common to both series.
fn multi_frame(ctx: &StudyContext, o: &mut InMemDicomObject, frames: usize, label: &str) {
    put(o, tags::INSTANCE_NUMBER, VR::IS, "1");
    put(o, tags::NUMBER_OF_FRAMES, VR::IS, frames.to_string());
    put(o, tags::PIXEL_PRESENTATION, VR::CS, "MONOCHROME");
    put(o, tags::VOLUMETRIC_PROPERTIES, VR::CS, "VOLUME");
    put(o, tags::VOLUME_BASED_CALCULATION_TECHNIQUE, VR::CS, "NONE");
    put(o, tags::CONTENT_QUALIFICATION, VR::CS, "PRODUCT");
    put(o, tags::BURNED_IN_ANNOTATION, VR::CS, "NO");
    put(o, tags::LOSSY_IMAGE_COMPRESSION, VR::CS, "00");
    put(o, tags::PRESENTATION_LUT_SHAPE, VR::CS, "IDENTITY");
    let dim_uid = ctx.uids.uid(&format!("{label}/dimension-organization"));
    put_seq(
        o,
        tags::DIMENSION_ORGANIZATION_SEQUENCE,
        vec![item(|i| {
            put(
                i,
                tags::DIMENSION_ORGANIZATION_UID,
                VR::UI,
                dim_uid.as_str(),
            )
        })],
    );
    let dim = |pointer: Tag, label: &str| {
        item(|i| {
            put(
                i,
                tags::DIMENSION_ORGANIZATION_UID,
                VR::UI,
                dim_uid.as_str(),
            );
            put(i, tags::DIMENSION_INDEX_POINTER, VR::AT, pointer);
            put(
                i,
                tags::FUNCTIONAL_GROUP_POINTER,
                VR::AT,
                tags::FRAME_CONTENT_SEQUENCE,
            );
            put(i, tags::DIMENSION_DESCRIPTION_LABEL, VR::LO, label);
        })
    };
    put_seq(
        o,
        tags::DIMENSION_INDEX_SEQUENCE,
        vec![
            dim(tags::STACK_ID, "Stack ID"),
            dim(tags::IN_STACK_POSITION_NUMBER, "In-Stack Position Number"),
        ],
    );
}

/// Shared geometry: PixelMeasuresSequence and PlaneOrientationSequence.
fn shared_geometry(g: &Grid, extra: impl FnOnce(&mut InMemDicomObject)) -> InMemDicomObject {
    item(|s| {
        put_seq(
            s,
            tags::PIXEL_MEASURES_SEQUENCE,
            vec![item(|m| {
                put(m, tags::PIXEL_SPACING, VR::DS, g.pixel_spacing_ds.as_str());
                put(m, tags::SLICE_THICKNESS, VR::DS, ds(g.slice_thickness));
                put(m, tags::SPACING_BETWEEN_SLICES, VR::DS, ds(g.slice_spacing));
            })],
        );
        put_seq(
            s,
            tags::PLANE_ORIENTATION_SEQUENCE,
            vec![item(|m| {
                put(
                    m,
                    tags::IMAGE_ORIENTATION_PATIENT,
                    VR::DS,
                    g.orientation_ds.as_str(),
                )
            })],
        );
        extra(s);
    })
}

/// Per-frame item: PlanePositionSequence and FrameContentSequence (+ `extra`).
fn per_frame(
    g: &Grid,
    k: usize,
    content: impl FnOnce(&mut InMemDicomObject),
    extra: impl FnOnce(&mut InMemDicomObject),
) -> InMemDicomObject {
    item(|f| {
        put_seq(
            f,
            tags::PLANE_POSITION_SEQUENCE,
            vec![item(|p| {
                put(
                    p,
                    tags::IMAGE_POSITION_PATIENT,
                    VR::DS,
                    g.positions_ds[k].as_str(),
                )
            })],
        );
        put_seq(
            f,
            tags::FRAME_CONTENT_SEQUENCE,
            vec![item(|c| {
                put(c, tags::STACK_ID, VR::SH, "1");
                put(c, tags::IN_STACK_POSITION_NUMBER, VR::UL, (k + 1) as u32);
                put(
                    c,
                    tags::DIMENSION_INDEX_VALUES,
                    VR::UL,
                    PrimitiveValue::from([1u32, (k + 1) as u32]),
                );
                content(c);
            })],
        );
        extra(f);
    })
}

/// Writes the Enhanced CT file into `dir`.
pub fn write_enhanced_ct(
    ctx: &StudyContext,
    phantom: &Phantom,
    grid: &Grid,
    dir: &Path,
) -> Result<SeriesOutcome, PhantomError> {
    let ks: Vec<usize> = (0..grid.slices)
        .filter(|&k| ctx.opts.drop_ct_slice != Some(k))
        .collect();
    let nl = phantom.lesions.len();
    let frame_len = grid.rows * grid.columns * 2;
    let sop = ctx.uids.uid("ct/enhanced");
    let mut o = headers::common(ctx, Series::Ct, ENHANCED_CT_IMAGE_STORAGE, &sop);
    headers::ct_image(ctx, &mut o, true);
    let acq = ctx.ct_series.plus(5);
    put(&mut o, tags::ACQUISITION_DATE_TIME, VR::DT, acq.dt());
    put(&mut o, tags::ACQUISITION_NUMBER, VR::IS, "1");
    multi_frame(ctx, &mut o, ks.len(), "ct");
    let tilt = ctx.opts.ct_gantry_tilt_deg.unwrap_or(0.0);
    let shared = shared_geometry(grid, |s| {
        put_seq(
            s,
            tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
            vec![item(|p| {
                put(p, tags::RESCALE_INTERCEPT, VR::DS, "-1024");
                put(p, tags::RESCALE_SLOPE, VR::DS, "1");
                put(p, tags::RESCALE_TYPE, VR::LO, "HU");
            })],
        );
        put_seq(
            s,
            tags::FRAME_VOILUT_SEQUENCE,
            vec![item(|p| {
                put(p, tags::WINDOW_CENTER, VR::DS, "40");
                put(p, tags::WINDOW_WIDTH, VR::DS, "400");
            })],
        );
        put_seq(
            s,
            tags::CT_IMAGE_FRAME_TYPE_SEQUENCE,
            vec![item(|p| {
                put(
                    p,
                    tags::FRAME_TYPE,
                    VR::CS,
                    "ORIGINAL\\PRIMARY\\AXIAL\\NONE",
                )
            })],
        );
        put_seq(
            s,
            tags::CT_ACQUISITION_DETAILS_SEQUENCE,
            vec![item(|p| {
                put(p, tags::GANTRY_DETECTOR_TILT, VR::DS, ds(tilt))
            })],
        );
    });
    put_seq(
        &mut o,
        tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE,
        vec![shared],
    );
    let frames = ks
        .iter()
        .map(|&k| {
            per_frame(
                grid,
                k,
                |c| {
                    put(c, tags::FRAME_ACQUISITION_DATE_TIME, VR::DT, acq.dt());
                    put(c, tags::FRAME_REFERENCE_DATE_TIME, VR::DT, acq.dt());
                    put(c, tags::FRAME_ACQUISITION_DURATION, VR::FD, 500.0f64);
                },
                |_| {},
            )
        })
        .collect();
    put_seq(&mut o, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE, frames);
    headers::image_pixel(&mut o, grid.rows, grid.columns, false);
    // Frames are generated batch by batch while the file is written.
    let mut total = vec![0u64; nl];
    let path = dir.join("CT_ENHANCED.dcm");
    write_part10(o, ctx.transfer_syntax, &path, ks.len() * frame_len, |w| {
        for batch in ks.chunks(32) {
            let (bytes, counts) = fill_frames(batch, frame_len, |k, out| {
                let mut c = vec![0u64; nl];
                out.copy_from_slice(&pixels::ct_slice(phantom, grid, k, &mut c));
                c
            })?;
            w.write_all(&bytes)
                .map_err(|e| PhantomError::io(&path, e))?;
            for c in counts {
                for (t, x) in total.iter_mut().zip(c) {
                    *t += x;
                }
            }
        }
        Ok(())
    })?;
    Ok(SeriesOutcome {
        lesion_counts: total,
        slopes: vec![1.0; grid.slices],
        files: 1,
    })
}

/// Writes the Enhanced PET file into `dir`.
pub fn write_enhanced_pet(
    ctx: &StudyContext,
    phantom: &Phantom,
    grid: &Grid,
    dir: &Path,
) -> Result<SeriesOutcome, PhantomError> {
    let ks: Vec<usize> = (0..grid.slices).collect();
    let nl = phantom.lesions.len();
    let frame_len = grid.rows * grid.columns * 2;
    let (pixels, results) = fill_frames(&ks, frame_len, |k, out| {
        let mut c = vec![0u64; nl];
        let s = pixels::pet_slice(ctx, phantom, grid, k, &mut c);
        out.copy_from_slice(&s.bytes);
        (c, s.slope_ds, s.slope)
    })?;
    let sop = ctx.uids.uid("pet/enhanced");
    let mut o = headers::common(ctx, Series::Pet, ENHANCED_PET_IMAGE_STORAGE, &sop);
    headers::pet_series(ctx, &mut o, grid.slices);
    put(&mut o, tags::IMAGE_TYPE, VR::CS, "ORIGINAL\\PRIMARY");
    put(
        &mut o,
        tags::ACQUISITION_DATE_TIME,
        VR::DT,
        ctx.pet_series.dt(),
    );
    put(&mut o, tags::CONTENT_DATE, VR::DA, ctx.pet_series.da());
    put(&mut o, tags::CONTENT_TIME, VR::TM, ctx.pet_series.tm());
    put(&mut o, tags::DECAY_CORRECTED, VR::CS, "YES");
    put(
        &mut o,
        tags::DECAY_CORRECTION_DATE_TIME,
        VR::DT,
        ctx.pet_series.dt(),
    );
    put(&mut o, tags::ATTENUATION_CORRECTED, VR::CS, "YES");
    put(&mut o, tags::SCATTER_CORRECTED, VR::CS, "YES");
    put(&mut o, tags::DEAD_TIME_CORRECTED, VR::CS, "YES");
    put(&mut o, tags::RANDOMS_CORRECTED, VR::CS, "YES");
    multi_frame(ctx, &mut o, ks.len(), "pet");
    let shared = shared_geometry(grid, |s| {
        put_seq(
            s,
            tags::PET_FRAME_TYPE_SEQUENCE,
            vec![item(|p| {
                put(
                    p,
                    tags::FRAME_TYPE,
                    VR::CS,
                    "ORIGINAL\\PRIMARY\\EMISSION\\NONE",
                )
            })],
        );
    });
    put_seq(
        &mut o,
        tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE,
        vec![shared],
    );
    let units = ctx.pet_units();
    let frames = ks
        .iter()
        .zip(&results)
        .map(|(&k, (_, slope_ds, _))| {
            let t = bed_timing(ctx, grid, k);
            per_frame(
                grid,
                k,
                |c| {
                    put(
                        c,
                        tags::FRAME_ACQUISITION_DATE_TIME,
                        VR::DT,
                        t.acquisition.dt(),
                    );
                    let mid = t.acquisition.plus(t.duration_ms / 2000);
                    put(c, tags::FRAME_REFERENCE_DATE_TIME, VR::DT, mid.dt());
                    put(
                        c,
                        tags::FRAME_ACQUISITION_DURATION,
                        VR::FD,
                        t.duration_ms as f64,
                    );
                },
                |f| {
                    put_seq(
                        f,
                        tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
                        vec![item(|p| {
                            put(p, tags::RESCALE_INTERCEPT, VR::DS, "0");
                            put(p, tags::RESCALE_SLOPE, VR::DS, slope_ds.as_str());
                            put(p, tags::RESCALE_TYPE, VR::LO, units);
                        })],
                    );
                },
            )
        })
        .collect();
    put_seq(&mut o, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE, frames);
    headers::image_pixel(&mut o, grid.rows, grid.columns, true);
    // Per-frame slopes precede the pixel data, so PET frames are generated first.
    let path = dir.join("PET_ENHANCED.dcm");
    write_part10_bytes(o, ctx.transfer_syntax, &path, &pixels)?;
    let mut total = vec![0u64; nl];
    let mut slopes = Vec::with_capacity(results.len());
    for (c, _, s) in results {
        slopes.push(s);
        for (t, x) in total.iter_mut().zip(c) {
            *t += x;
        }
    }
    Ok(SeriesOutcome {
        lesion_counts: total,
        slopes,
        files: 1,
    })
}
