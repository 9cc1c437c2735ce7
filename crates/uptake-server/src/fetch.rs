//! Loading a study over DICOMweb into an [`uptake_dicom::LoadedStudy`], the network twin of
//! `uptake_dicom::load_paths` (used by `uptake … --dicomweb URL --study UID`).

use crate::transport::NativeTransport;
use std::time::Duration;
use thiserror::Error;
use uptake_dicom::{DicomInstance, InstanceError, LoadedStudy};
use uptake_dicomweb::plan::RetrieveRequest;
use uptake_dicomweb::{
    Auth, Client, DicomWebError, RetrievalPlan, RetrieveOptions, TransportError,
};

/// Which instances to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FetchScope {
    /// The attenuation-corrected PET and its CT (see [`RetrievalPlan`]), centre-first.
    #[default]
    PetCt,
    /// Every instance of the study, one request.
    WholeStudy,
}

/// Options of [`fetch_study`].
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Which instances.
    pub scope: FetchScope,
    /// Concurrency and part size limit.
    pub retrieve: RetrieveOptions,
    /// Connect time-out.
    pub connect_timeout: Duration,
    /// Longest wait for the next chunk of a response.
    pub read_timeout: Duration,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            scope: FetchScope::PetCt,
            retrieve: RetrieveOptions::default(),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
        }
    }
}

/// A study fetched over DICOMweb.
#[derive(Debug)]
pub struct FetchedStudy {
    /// The parsed instances and planned volumes, as from files.
    pub study: LoadedStudy,
    /// The retrieval plan (for [`FetchScope::PetCt`]).
    pub plan: Option<RetrievalPlan>,
    /// Body bytes received.
    pub bytes: u64,
}

/// Why a study could not be fetched.
#[derive(Debug, Error)]
pub enum FetchError {
    /// The DICOMweb exchange failed (see [`DicomWebError::is_unauthorized`]).
    #[error(transparent)]
    DicomWeb(#[from] DicomWebError),
    /// The HTTP client could not be built.
    #[error("HTTP client: {0}")]
    Transport(#[from] TransportError),
    /// The async runtime could not be started.
    #[error("runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

/// Fetches study `study_uid` from the DICOMweb root `base_url` and parses every instance.
/// Instances that do not parse are listed in `study.errors`, as with files.
pub async fn fetch_study(
    base_url: &str,
    study_uid: &str,
    auth: Auth,
    options: &FetchOptions,
) -> Result<FetchedStudy, FetchError> {
    let transport = NativeTransport::new(options.connect_timeout, options.read_timeout)?;
    let client = Client::new(transport, base_url).with_auth(auth);
    let (plan, requests, expected) = match options.scope {
        FetchScope::PetCt => {
            let plan = client.plan_pet_ct(study_uid).await?;
            let reqs = plan.requests.clone();
            let n = plan.expected_instances;
            (Some(plan), reqs, n)
        }
        FetchScope::WholeStudy => {
            let series = client.search_series(study_uid, None).await?;
            let n = series.iter().filter_map(|s| s.instance_count).sum::<u64>() as usize;
            let reqs = series
                .into_iter()
                .map(|s| RetrieveRequest::Series {
                    series_uid: s.series_uid,
                })
                .collect();
            (None, reqs, n)
        }
    };
    let mut instances = Vec::new();
    let mut errors: Vec<InstanceError> = Vec::new();
    let mut n = 0usize;
    let progress = client
        .retrieve(
            study_uid,
            &requests,
            expected,
            &options.retrieve,
            &mut |inst| {
                n += 1;
                let name = format!("dicomweb:{}#{n}", inst.series_uid);
                match DicomInstance::from_bytes(&name, &inst.bytes) {
                    Ok(i) => instances.push(i),
                    Err(e) => errors.push(e),
                }
                Ok(())
            },
            &mut |_| {},
        )
        .await?;
    let mut study = LoadedStudy::from_instances(instances);
    study.errors.extend(errors);
    Ok(FetchedStudy {
        study,
        plan,
        bytes: progress.bytes,
    })
}

/// Blocking form of [`fetch_study`] with default options (PET and CT), for the CLI. Must not
/// be called from inside an async runtime.
pub fn fetch_study_blocking(
    base_url: &str,
    study_uid: &str,
    auth: Auth,
) -> Result<LoadedStudy, FetchError> {
    fetch_study_blocking_with(base_url, study_uid, auth, &FetchOptions::default()).map(|f| f.study)
}

/// Blocking form of [`fetch_study`].
pub fn fetch_study_blocking_with(
    base_url: &str,
    study_uid: &str,
    auth: Auth,
    options: &FetchOptions,
) -> Result<FetchedStudy, FetchError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(FetchError::Runtime)?;
    rt.block_on(fetch_study(base_url, study_uid, auth, options))
}
