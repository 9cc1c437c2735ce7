//! Executing a [`RetrievalPlan`]: bounded concurrency, per-request retries, cancellation and
//! progress, delivering each instance as soon as its part is complete.

use crate::client::Client;
use crate::error::DicomWebError;
use crate::multipart::Part;
use crate::plan::{RetrievalPlan, RetrieveRequest, SeriesCandidate};
use crate::transport::Transport;
use crate::wado;
use bytes::Bytes;
use futures_util::stream::{self, StreamExt};
use std::cell::RefCell;

/// Tuning of a retrieval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrieveOptions {
    /// Requests in flight at once (at least 1).
    pub concurrency: usize,
    /// Largest accepted part (one DICOM instance), bytes.
    pub max_part_bytes: usize,
}

impl Default for RetrieveOptions {
    fn default() -> Self {
        RetrieveOptions {
            concurrency: 6,
            max_part_bytes: 1 << 30,
        }
    }
}

/// Progress of a retrieval, reported after every chunk and every instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// Body bytes received so far.
    pub bytes: u64,
    /// Instances delivered so far.
    pub instances_done: usize,
    /// Instances expected.
    pub instances_total: usize,
}

/// One retrieved DICOM instance (a Part 10 byte stream).
#[derive(Debug, Clone)]
pub struct RetrievedInstance {
    /// The series it was requested from.
    pub series_uid: String,
    /// The bytes.
    pub bytes: Bytes,
}

struct Shared<'a> {
    progress: Progress,
    on_instance: &'a mut dyn FnMut(RetrievedInstance) -> Result<(), DicomWebError>,
    on_progress: &'a mut dyn FnMut(Progress),
}

impl<T: Transport> Client<T> {
    /// Looks up the series of a study and the metadata of its PET and CT series, and plans the
    /// retrieval.
    pub async fn plan_pet_ct(&self, study_uid: &str) -> Result<RetrievalPlan, DicomWebError> {
        let series = self.search_series(study_uid, None).await?;
        let mut candidates = Vec::new();
        for s in series {
            let m = s.modality.as_deref().unwrap_or("").to_ascii_uppercase();
            let metadata = if m == "PT" || m == "CT" {
                self.series_metadata(study_uid, &s.series_uid).await?
            } else {
                Vec::new()
            };
            candidates.push(SeriesCandidate {
                summary: s,
                metadata,
            });
        }
        Ok(RetrievalPlan::choose(study_uid, &candidates)?)
    }

    /// Fetches `requests` of study `study_uid` with bounded concurrency. Each instance goes to
    /// `on_instance` as soon as it is complete; `on_progress` sees bytes and instance counts.
    /// A request that fails with a retryable error is repeated with back-off (parts already
    /// delivered are not delivered twice).
    pub async fn retrieve(
        &self,
        study_uid: &str,
        requests: &[RetrieveRequest],
        instances_total: usize,
        options: &RetrieveOptions,
        on_instance: &mut dyn FnMut(RetrievedInstance) -> Result<(), DicomWebError>,
        on_progress: &mut dyn FnMut(Progress),
    ) -> Result<Progress, DicomWebError> {
        let shared = RefCell::new(Shared {
            progress: Progress {
                instances_total,
                ..Default::default()
            },
            on_instance,
            on_progress,
        });
        let shared = &shared;
        let mut results = stream::iter(requests.iter())
            .map(|r| self.fetch_one(study_uid, r, options, shared))
            .buffer_unordered(options.concurrency.max(1));
        while let Some(r) = results.next().await {
            r?;
        }
        drop(results);
        let p = shared.borrow().progress;
        Ok(p)
    }

    /// Plans and fetches a PET-CT study; returns the plan and the retrieved instances.
    pub async fn retrieve_pet_ct(
        &self,
        study_uid: &str,
        options: &RetrieveOptions,
        on_progress: &mut dyn FnMut(Progress),
    ) -> Result<(RetrievalPlan, Vec<RetrievedInstance>), DicomWebError> {
        let plan = self.plan_pet_ct(study_uid).await?;
        let mut out = Vec::new();
        self.retrieve(
            study_uid,
            &plan.requests,
            plan.expected_instances,
            options,
            &mut |i| {
                out.push(i);
                Ok(())
            },
            on_progress,
        )
        .await?;
        Ok((plan, out))
    }

    async fn fetch_one(
        &self,
        study_uid: &str,
        request: &RetrieveRequest,
        options: &RetrieveOptions,
        shared: &RefCell<Shared<'_>>,
    ) -> Result<(), DicomWebError> {
        let (series_uid, http) = match request {
            RetrieveRequest::Instance {
                series_uid,
                sop_instance_uid,
            } => (
                series_uid,
                wado::instance(self.base(), study_uid, series_uid, sop_instance_uid)?,
            ),
            RetrieveRequest::Series { series_uid } => (
                series_uid,
                wado::series_instances(self.base(), study_uid, series_uid)?,
            ),
        };
        let delivered = std::cell::Cell::new(0usize);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut on_part = |p: Part| -> Result<(), DicomWebError> {
                let mut s = shared.borrow_mut();
                s.progress.instances_done += 1;
                let progress = s.progress;
                (s.on_instance)(RetrievedInstance {
                    series_uid: series_uid.clone(),
                    bytes: p.body,
                })?;
                (s.on_progress)(progress);
                delivered.set(delivered.get() + 1);
                Ok(())
            };
            let mut on_bytes = |n: usize| {
                let mut s = shared.borrow_mut();
                s.progress.bytes += n as u64;
                let progress = s.progress;
                (s.on_progress)(progress);
            };
            let result = self
                .stream_multipart(
                    http.clone(),
                    options.max_part_bytes,
                    delivered.get(),
                    &mut on_part,
                    &mut on_bytes,
                )
                .await;
            match result {
                Ok(_) => return Ok(()),
                Err(DicomWebError::Transport { source, .. })
                    if source.is_retryable() && attempt < self.retry_policy().max_attempts => {}
                Err(e) => return Err(e),
            }
            self.transport()
                .sleep(self.retry_policy().backoff(attempt))
                .await;
        }
    }
}
