//! Which CT slice a preview shows while the CT still arrives: the one nearest the PET's
//! centre along the CT's slice normal, from the instance headers alone (no slice order needed).

use uptake_dicom::geometry::{cross, dot, normalize, sub};
use uptake_dicom::InstanceHeader;

type Vec3 = [f64; 3];

/// Position and unit normal of an instance's (first) slice.
fn placed(h: &InstanceHeader) -> Option<(Vec3, Vec3)> {
    let f = h.frames.first()?;
    let o = f.orientation?;
    let n = normalize(cross([o[0], o[1], o[2]], [o[3], o[4], o[5]]))?;
    Some((f.position?, n))
}

/// The centre of a PET series along its slice normal: midway between its outermost slices
/// (LPS mm). The series is `pet`, else the PET series with the most instances.
pub fn pet_centre<'a>(
    headers: impl Iterator<Item = &'a InstanceHeader> + Clone,
    pet: Option<&str>,
) -> Option<Vec3> {
    let pets = headers.filter(|h| h.modality == "PT");
    let series = match pet {
        Some(p) => p.to_string(),
        None => {
            let mut counts = std::collections::HashMap::<&str, usize>::new();
            for h in pets.clone() {
                *counts.entry(h.series_uid.as_str()).or_default() += 1;
            }
            counts
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))?
                .0
                .to_string()
        }
    };
    let mut ends: Option<((f64, Vec3), (f64, Vec3))> = None;
    let mut normal = None;
    for h in pets.filter(|h| h.series_uid == series) {
        let (p, n) = placed(h)?;
        let n = *normal.get_or_insert(n);
        let d = dot(p, n);
        ends = Some(match ends {
            None => ((d, p), (d, p)),
            Some((lo, hi)) => (
                if d < lo.0 { (d, p) } else { lo },
                if d > hi.0 { (d, p) } else { hi },
            ),
        });
    }
    let ((_, a), (_, b)) = ends?;
    Some([
        (a[0] + b[0]) / 2.0,
        (a[1] + b[1]) / 2.0,
        (a[2] + b[2]) / 2.0,
    ])
}

/// Among `candidates` (CT headers whose slice has arrived), the one whose slice passes
/// nearest `point`, if within half its slice thickness (1.5 mm without one): its series and
/// SOP Instance UIDs.
pub fn nearest_ct_slice<'a>(
    candidates: impl Iterator<Item = &'a InstanceHeader>,
    point: Vec3,
) -> Option<(String, String)> {
    candidates
        .filter(|h| h.modality == "CT")
        .filter_map(|h| {
            let (p, n) = placed(h)?;
            let distance = dot(sub(point, p), n).abs();
            let half = h
                .frames
                .first()
                .and_then(|f| f.slice_thickness)
                .filter(|t| *t > 0.0)
                .map_or(1.5, |t| t / 2.0);
            (distance <= half + 1e-6).then_some((distance, h))
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, h)| (h.series_uid.clone(), h.sop_instance_uid.clone()))
}
