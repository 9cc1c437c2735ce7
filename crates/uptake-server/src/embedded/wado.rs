//! WADO-RS over the index: metadata, instances (files as stored) and frames.

use super::index::{text, InstanceEntry};
use crate::dicom_json;
use crate::multipart_body::{close, content_type, new_boundary, part_head, part_tail};
use axum::body::Body;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use dicom_core::value::Value;
use dicom_dictionary_std::tags;
use futures_util::stream;
use serde_json::Value as Json;
use std::collections::VecDeque;
use std::sync::Arc;

/// The metadata of `instances` (DICOM JSON; pixel data as BulkDataURI under `prefix`).
pub fn metadata(
    prefix: &str,
    study: &str,
    series_of: &dyn Fn(&InstanceEntry) -> String,
    instances: &[Arc<InstanceEntry>],
) -> Json {
    let items = instances
        .iter()
        .map(|i| {
            let series = series_of(i);
            let uri = format!(
                "{prefix}/studies/{study}/series/{series}/instances/{}/bulk/7FE00010",
                i.sop_instance_uid
            );
            let mut o = dicom_json::encode(&i.header, &|_| true, &|t| {
                (t == tags::PIXEL_DATA).then(|| uri.clone())
            });
            o.insert(
                dicom_json::key(tags::TRANSFER_SYNTAX_UID),
                serde_json::json!({"vr": "UI", "Value": [i.transfer_syntax]}),
            );
            // Headers are read up to (not including) the pixel data: announce it anyway.
            o.entry(dicom_json::key(tags::PIXEL_DATA))
                .or_insert_with(|| serde_json::json!({"vr": "OW", "BulkDataURI": uri}));
            Json::Object(o)
        })
        .collect();
    Json::Array(items)
}

/// The series UID of an instance.
pub fn series_uid(i: &InstanceEntry) -> String {
    text(&i.header, tags::SERIES_INSTANCE_UID).unwrap_or_default()
}

/// Streams the files of `instances` as `multipart/related; type="application/dicom"`, one
/// file read at a time.
pub fn instances_response(instances: Vec<Arc<InstanceEntry>>) -> Response {
    let boundary = new_boundary();
    let ct = content_type("application/dicom", &boundary);
    let state = (
        instances.into_iter(),
        VecDeque::<Bytes>::new(),
        false,
        boundary,
    );
    let body = stream::unfold(state, |(mut it, mut queue, mut done, b)| async move {
        loop {
            if let Some(c) = queue.pop_front() {
                return Some((Ok::<Bytes, std::io::Error>(c), (it, queue, done, b)));
            }
            if done {
                return None;
            }
            match it.next() {
                Some(e) => match tokio::fs::read(&e.path).await {
                    Ok(data) => {
                        queue.push_back(part_head(&b, "application/dicom", data.len()));
                        queue.push_back(Bytes::from(data));
                        queue.push_back(part_tail());
                    }
                    Err(err) => return Some((Err(err), (it, queue, true, b))),
                },
                None => {
                    queue.push_back(close(&b));
                    done = true;
                }
            }
        }
    });
    ([(header::CONTENT_TYPE, ct)], Body::from_stream(body)).into_response()
}

/// The frames of the pixel data of a file, in its stored transfer syntax.
fn read_frames(entry: &InstanceEntry) -> Result<Vec<Bytes>, String> {
    let obj = dicom_object::open_file(&entry.path).map_err(|e| e.to_string())?;
    let uint = |t| text(&obj, t).and_then(|s| s.parse::<usize>().ok());
    let frames = uint(tags::NUMBER_OF_FRAMES).unwrap_or(1).max(1);
    let pixel = obj.get(tags::PIXEL_DATA).ok_or("no pixel data")?;
    match pixel.value() {
        Value::PixelSequence(seq) => {
            let fragments = seq.fragments();
            if fragments.len() == frames {
                Ok(fragments
                    .iter()
                    .map(|f| Bytes::copy_from_slice(f))
                    .collect())
            } else if frames == 1 {
                Ok(vec![Bytes::from(fragments.concat())])
            } else {
                Err("fragments do not map to frames".into())
            }
        }
        Value::Primitive(p) => {
            let data = p.to_bytes();
            let rows = uint(tags::ROWS).ok_or("no Rows")?;
            let cols = uint(tags::COLUMNS).ok_or("no Columns")?;
            let spp = uint(tags::SAMPLES_PER_PIXEL).unwrap_or(1);
            let bits = uint(tags::BITS_ALLOCATED).ok_or("no BitsAllocated")?;
            let size = (rows * cols * spp * bits).div_ceil(8);
            if size == 0 || data.len() < size * frames {
                return Err("pixel data shorter than its frames".into());
            }
            Ok((0..frames)
                .map(|f| Bytes::copy_from_slice(&data[f * size..(f + 1) * size]))
                .collect())
        }
        Value::Sequence(_) => Err("pixel data is a sequence".into()),
    }
}

/// Frames `numbers` (1-based; all when empty) as `multipart/related;
/// type="application/octet-stream"` with the stored transfer syntax.
pub async fn frames_response(entry: Arc<InstanceEntry>, numbers: Vec<usize>) -> Response {
    let e = entry.clone();
    let frames = match tokio::task::spawn_blocking(move || read_frames(&e)).await {
        Ok(Ok(f)) => f,
        Ok(Err(msg)) => return (StatusCode::INTERNAL_SERVER_ERROR, msg).into_response(),
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let wanted: Vec<usize> = if numbers.is_empty() {
        (1..=frames.len()).collect()
    } else {
        numbers
    };
    if wanted.iter().any(|n| *n == 0 || *n > frames.len()) {
        return (StatusCode::NOT_FOUND, "no such frame").into_response();
    }
    let boundary = new_boundary();
    let part_type = format!(
        "application/octet-stream; transfer-syntax={}",
        entry.transfer_syntax
    );
    let mut chunks = Vec::new();
    for n in wanted {
        let f = &frames[n - 1];
        chunks.push(part_head(&boundary, &part_type, f.len()));
        chunks.push(f.clone());
        chunks.push(part_tail());
    }
    chunks.push(close(&boundary));
    let ct = format!(
        "multipart/related; type=\"application/octet-stream\"; transfer-syntax={}; boundary={boundary}",
        entry.transfer_syntax
    );
    let body = Body::from_stream(stream::iter(
        chunks.into_iter().map(Ok::<_, std::io::Error>),
    ));
    ([(header::CONTENT_TYPE, ct)], body).into_response()
}
