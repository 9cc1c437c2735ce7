//! Embedded DICOMweb: the read-only QIDO-RS / WADO-RS subset the viewer uses, answered from a
//! folder of DICOM files (`uptake serve --dicom-dir DIR`).

pub mod index;
pub mod qido;
pub mod wado;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use index::Index;
use std::sync::Arc;

/// Mount point of the DICOMweb root.
pub const PREFIX: &str = "/dicom-web";

type Shared = State<Arc<Index>>;
type Pairs = Query<Vec<(String, String)>>;

fn json(v: serde_json::Value) -> Response {
    match serde_json::to_vec(&v) {
        Ok(body) => ([(header::CONTENT_TYPE, "application/dicom+json")], body).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found").into_response()
}

async fn studies(State(ix): Shared, Query(q): Pairs) -> Response {
    json(serde_json::Value::Array(qido::studies(
        &ix,
        &qido::Query::parse(&q),
    )))
}

async fn series(State(ix): Shared, Path(study): Path<String>, Query(q): Pairs) -> Response {
    match qido::series(&ix, &study, &qido::Query::parse(&q)) {
        Some(v) => json(serde_json::Value::Array(v)),
        None => not_found(),
    }
}

async fn instances(
    State(ix): Shared,
    Path((study, se)): Path<(String, String)>,
    Query(q): Pairs,
) -> Response {
    match qido::instances(&ix, &study, &se, &qido::Query::parse(&q)) {
        Some(v) => json(serde_json::Value::Array(v)),
        None => not_found(),
    }
}

async fn study_metadata(State(ix): Shared, Path(study): Path<String>) -> Response {
    let Some(st) = ix.studies.get(&study) else {
        return not_found();
    };
    let all: Vec<_> = st
        .series
        .values()
        .flat_map(|s| s.instances.iter().cloned())
        .collect();
    json(wado::metadata(PREFIX, &study, &wado::series_uid, &all))
}

async fn series_metadata(State(ix): Shared, Path((study, se)): Path<(String, String)>) -> Response {
    let Some(s) = ix.series(&study, &se) else {
        return not_found();
    };
    json(wado::metadata(
        PREFIX,
        &study,
        &|_| se.clone(),
        &s.instances,
    ))
}

async fn instance_metadata(
    State(ix): Shared,
    Path((study, se, sop)): Path<(String, String, String)>,
) -> Response {
    let Some(i) = ix.instance(&study, &se, &sop) else {
        return not_found();
    };
    json(wado::metadata(
        PREFIX,
        &study,
        &|_| se.clone(),
        std::slice::from_ref(i),
    ))
}

async fn study_instances(State(ix): Shared, Path(study): Path<String>) -> Response {
    let Some(st) = ix.studies.get(&study) else {
        return not_found();
    };
    wado::instances_response(
        st.series
            .values()
            .flat_map(|s| s.instances.iter().cloned())
            .collect(),
    )
}

async fn series_instances(
    State(ix): Shared,
    Path((study, se)): Path<(String, String)>,
) -> Response {
    let Some(s) = ix.series(&study, &se) else {
        return not_found();
    };
    wado::instances_response(s.instances.clone())
}

async fn instance(
    State(ix): Shared,
    Path((study, se, sop)): Path<(String, String, String)>,
) -> Response {
    let Some(i) = ix.instance(&study, &se, &sop) else {
        return not_found();
    };
    wado::instances_response(vec![i.clone()])
}

async fn frames(
    State(ix): Shared,
    Path((study, se, sop, list)): Path<(String, String, String, String)>,
) -> Response {
    let Some(i) = ix.instance(&study, &se, &sop) else {
        return not_found();
    };
    let mut numbers = Vec::new();
    for n in list.split(',') {
        match n.trim().parse::<usize>() {
            Ok(v) => numbers.push(v),
            Err(_) => return (StatusCode::BAD_REQUEST, "invalid frame list").into_response(),
        }
    }
    wado::frames_response(i.clone(), numbers).await
}

async fn bulk(
    State(ix): Shared,
    Path((study, se, sop, tag)): Path<(String, String, String, String)>,
) -> Response {
    let Some(i) = ix.instance(&study, &se, &sop) else {
        return not_found();
    };
    if !tag.eq_ignore_ascii_case("7fe00010") {
        return not_found();
    }
    wado::frames_response(i.clone(), Vec::new()).await
}

/// The routes under [`PREFIX`] for an index.
pub fn router(index: Arc<Index>) -> Router {
    let r = Router::new()
        .route("/studies", get(studies))
        .route("/studies/{study}", get(study_instances))
        .route("/studies/{study}/metadata", get(study_metadata))
        .route("/studies/{study}/series", get(series))
        .route("/studies/{study}/series/{series}", get(series_instances))
        .route(
            "/studies/{study}/series/{series}/metadata",
            get(series_metadata),
        )
        .route("/studies/{study}/series/{series}/instances", get(instances))
        .route(
            "/studies/{study}/series/{series}/instances/{sop}",
            get(instance),
        )
        .route(
            "/studies/{study}/series/{series}/instances/{sop}/metadata",
            get(instance_metadata),
        )
        .route(
            "/studies/{study}/series/{series}/instances/{sop}/frames/{frames}",
            get(frames),
        )
        .route(
            "/studies/{study}/series/{series}/instances/{sop}/bulk/{tag}",
            get(bulk),
        )
        .with_state(index);
    Router::new().nest(PREFIX, r)
}
