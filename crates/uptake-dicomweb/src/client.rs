//! The request loop over a [`Transport`]: authentication, status mapping, retries with
//! exponential back-off, cancellation, and the typed QIDO/WADO calls.

use crate::auth::Auth;
use crate::cancel::CancelToken;
use crate::error::{DicomWebError, TransportError};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::{self, Dataset, InstanceSummary, SeriesSummary, StudySummary};
use crate::multipart::{MultipartParser, Part};
use crate::qido::{self, StudyQuery};
use crate::transport::{Body, Transport};
use crate::url::without_query;
use crate::wado;
use std::time::Duration;

/// When and how often failed requests are repeated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all (1 = no retry).
    pub max_attempts: u32,
    /// Wait before the first retry; doubled for each further one.
    pub initial_backoff: Duration,
    /// Longest wait between attempts.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.saturating_sub(1).min(16);
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// Default limit of a JSON response body (QIDO results, metadata).
pub const DEFAULT_MAX_JSON_BYTES: usize = 512 * 1024 * 1024;

/// A DICOMweb client over a transport. `Debug` never shows credentials.
pub struct Client<T> {
    transport: T,
    base: String,
    auth: Auth,
    retry: RetryPolicy,
    cancel: CancelToken,
    max_json_bytes: usize,
}

impl<T> std::fmt::Debug for Client<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("auth", &self.auth)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// Whether a status is worth retrying (server errors, time-outs, rate limiting).
pub fn retryable_status(status: u16) -> bool {
    status >= 500 || status == 408 || status == 429
}

impl<T: Transport> Client<T> {
    /// A client for the DICOMweb root `base` (e.g. `http://127.0.0.1:8042/dicom-web`).
    pub fn new(transport: T, base: impl Into<String>) -> Self {
        Client {
            transport,
            base: base.into().trim_end_matches('/').to_string(),
            auth: Auth::None,
            retry: RetryPolicy::default(),
            cancel: CancelToken::new(),
            max_json_bytes: DEFAULT_MAX_JSON_BYTES,
        }
    }

    /// Uses these credentials for every request.
    pub fn with_auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Uses this retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Stops every operation of this client once `token` is cancelled.
    pub fn with_cancel(mut self, token: CancelToken) -> Self {
        self.cancel = token;
        self
    }

    /// The DICOMweb root.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    pub(crate) fn check_cancel(&self) -> Result<(), DicomWebError> {
        if self.cancel.is_cancelled() {
            Err(DicomWebError::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Sends `request` (adding credentials) until a 2xx head arrives; maps 401/403 to
    /// [`DicomWebError::Unauthorized`], 404 to [`DicomWebError::NotFound`], and retries 5xx,
    /// 408, 429 and retryable transport errors with exponential back-off.
    pub async fn send(
        &self,
        mut request: HttpRequest,
    ) -> Result<HttpResponse<T::Body>, DicomWebError> {
        if let Some(v) = self.auth.header_value() {
            request
                .headers
                .retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
            request.headers.push(("Authorization".into(), v));
        }
        let url = without_query(&request.url);
        let mut attempt = 0;
        loop {
            self.check_cancel()?;
            attempt += 1;
            let last = attempt >= self.retry.max_attempts.max(1);
            match self.transport.send(request.clone()).await {
                Ok(resp) if (200..300).contains(&resp.status) => return Ok(resp),
                Ok(resp) => {
                    let status = resp.status;
                    match status {
                        401 | 403 => return Err(DicomWebError::Unauthorized { status, url }),
                        404 => return Err(DicomWebError::NotFound { url }),
                        s if retryable_status(s) && !last => {}
                        _ => return Err(DicomWebError::Status { status, url }),
                    }
                }
                Err(e) if e.is_retryable() && !last => {}
                Err(source) => return Err(DicomWebError::Transport { url, source }),
            }
            self.transport.sleep(self.retry.backoff(attempt)).await;
        }
    }

    /// Reads a whole body, refusing more than `limit` bytes.
    pub async fn read_body(
        &self,
        url: &str,
        body: &mut T::Body,
        limit: usize,
    ) -> Result<Vec<u8>, DicomWebError> {
        let mut out = Vec::new();
        while let Some(chunk) =
            body.next_chunk()
                .await
                .map_err(|source| DicomWebError::Transport {
                    url: without_query(url),
                    source,
                })?
        {
            self.check_cancel()?;
            if out.len() + chunk.len() > limit {
                return Err(DicomWebError::TooLarge {
                    url: without_query(url),
                    limit,
                });
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// GETs a DICOM JSON document (retrying the whole request when the body breaks off).
    pub async fn get_json(&self, request: HttpRequest) -> Result<Vec<Dataset>, DicomWebError> {
        let url = request.url.clone();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut resp = self.send(request.clone()).await?;
            match self
                .read_body(&url, &mut resp.body, self.max_json_bytes)
                .await
            {
                Ok(body) => {
                    return json::parse_datasets(&body).map_err(|source| DicomWebError::Json {
                        url: without_query(&url),
                        source,
                    })
                }
                Err(DicomWebError::Transport { source, .. })
                    if source.is_retryable() && attempt < self.retry.max_attempts => {}
                Err(e) => return Err(e),
            }
            self.transport.sleep(self.retry.backoff(attempt)).await;
        }
    }

    /// QIDO-RS studies search.
    pub async fn search_studies(
        &self,
        query: &StudyQuery,
    ) -> Result<Vec<StudySummary>, DicomWebError> {
        let url = query.url(&self.base)?;
        let req = HttpRequest::get(url.clone(), wado::ACCEPT_JSON);
        self.get_json(req)
            .await?
            .iter()
            .map(StudySummary::from_dataset)
            .collect::<Result<_, _>>()
            .map_err(|source| DicomWebError::Json {
                url: without_query(&url),
                source,
            })
    }

    /// QIDO-RS series of a study, optionally of one modality.
    pub async fn search_series(
        &self,
        study_uid: &str,
        modality: Option<&str>,
    ) -> Result<Vec<SeriesSummary>, DicomWebError> {
        let url = qido::series_url(&self.base, study_uid, modality)?;
        let req = HttpRequest::get(url.clone(), wado::ACCEPT_JSON);
        self.get_json(req)
            .await?
            .iter()
            .map(SeriesSummary::from_dataset)
            .collect::<Result<_, _>>()
            .map_err(|source| DicomWebError::Json {
                url: without_query(&url),
                source,
            })
    }

    /// QIDO-RS instances of a series.
    pub async fn search_instances(
        &self,
        study_uid: &str,
        series_uid: &str,
    ) -> Result<Vec<InstanceSummary>, DicomWebError> {
        let url = qido::instances_url(&self.base, study_uid, series_uid)?;
        let req = HttpRequest::get(url.clone(), wado::ACCEPT_JSON);
        self.get_json(req)
            .await?
            .iter()
            .map(InstanceSummary::from_dataset)
            .collect::<Result<_, _>>()
            .map_err(|source| DicomWebError::Json {
                url: without_query(&url),
                source,
            })
    }

    /// WADO-RS metadata of every instance of a series.
    pub async fn series_metadata(
        &self,
        study_uid: &str,
        series_uid: &str,
    ) -> Result<Vec<Dataset>, DicomWebError> {
        self.get_json(wado::series_metadata(&self.base, study_uid, series_uid)?)
            .await
    }

    /// Sends a multipart request and streams its parts to `on_part` as each completes;
    /// `on_bytes` sees the size of every received chunk. The first `skip` parts are parsed but
    /// not delivered (used when resuming after a broken stream). Returns the number of parts.
    pub async fn stream_multipart(
        &self,
        request: HttpRequest,
        max_part_bytes: usize,
        skip: usize,
        on_part: &mut dyn FnMut(Part) -> Result<(), DicomWebError>,
        on_bytes: &mut dyn FnMut(usize),
    ) -> Result<usize, DicomWebError> {
        let url = without_query(&request.url);
        let mut resp = self.send(request).await?;
        let ct = resp.header("content-type").unwrap_or("").to_string();
        let multipart_err = |source| DicomWebError::Multipart {
            url: url.clone(),
            source,
        };
        let mut parser =
            MultipartParser::for_content_type(&ct, max_part_bytes).map_err(multipart_err)?;
        let mut seen = 0usize;
        let mut deliver = |parts: Vec<Part>, seen: &mut usize| -> Result<(), DicomWebError> {
            for p in parts {
                *seen += 1;
                if *seen > skip {
                    on_part(p)?;
                }
            }
            Ok(())
        };
        loop {
            self.check_cancel()?;
            let chunk = resp
                .body
                .next_chunk()
                .await
                .map_err(|source: TransportError| DicomWebError::Transport {
                    url: url.clone(),
                    source,
                })?;
            let Some(chunk) = chunk else { break };
            on_bytes(chunk.len());
            let parts = parser.feed(&chunk).map_err(multipart_err)?;
            deliver(parts, &mut seen)?;
        }
        let parts = parser.finish().map_err(multipart_err)?;
        deliver(parts, &mut seen)?;
        Ok(seen)
    }
}
