//! The client loop over a fake transport: status mapping, retries, cancellation, progress.

use bytes::Bytes;
use futures_executor::block_on;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::Duration;
use uptake_dicomweb::plan::RetrieveRequest;
use uptake_dicomweb::transport::ChunkedBody;
use uptake_dicomweb::{
    Auth, CancelToken, Client, DicomWebError, HttpRequest, HttpResponse, RetrieveOptions,
    RetryPolicy, StudyQuery, Transport, TransportError,
};

type Answer = Result<HttpResponse<ChunkedBody>, TransportError>;

#[derive(Default)]
struct Fake {
    answers: RefCell<VecDeque<Answer>>,
    seen: RefCell<Vec<HttpRequest>>,
    slept: RefCell<Vec<Duration>>,
}

impl Fake {
    fn push(&self, status: u16, ct: &str, chunks: Vec<&[u8]>) {
        self.answers.borrow_mut().push_back(Ok(HttpResponse {
            status,
            headers: vec![("Content-Type".into(), ct.into())],
            body: ChunkedBody::new(chunks.into_iter().map(Bytes::copy_from_slice)),
        }));
    }
}

impl Transport for &Fake {
    type Body = ChunkedBody;
    async fn send(&self, request: HttpRequest) -> Answer {
        self.seen.borrow_mut().push(request);
        self.answers
            .borrow_mut()
            .pop_front()
            .unwrap_or(Err(TransportError::Other("no answer".into())))
    }
    async fn sleep(&self, d: Duration) {
        self.slept.borrow_mut().push(d);
    }
}

const STUDIES: &[u8] = br#"[{"0020000D":{"vr":"UI","Value":["1.2.3"]},"00100020":{"vr":"LO","Value":["9434765919"]}}]"#;

#[test]
fn search_sends_auth_and_parses() {
    let fake = Fake::default();
    fake.push(
        200,
        "application/dicom+json",
        vec![&STUDIES[..10], &STUDIES[10..]],
    );
    let client = Client::new(&fake, "http://pacs/dicom-web/").with_auth(Auth::Bearer("tok".into()));
    let studies =
        block_on(client.search_studies(&StudyQuery::by_patient_id("9434765919"))).unwrap();
    assert_eq!(studies[0].study_uid, "1.2.3");
    let req = &fake.seen.borrow()[0];
    assert!(req
        .url
        .starts_with("http://pacs/dicom-web/studies?PatientID=9434765919"));
    assert_eq!(req.header("authorization"), Some("Bearer tok"));
    assert!(!format!("{client:?}").contains("tok"));
}

#[test]
fn statuses_map_to_typed_errors() {
    let fake = Fake::default();
    let client = Client::new(&fake, "http://pacs/dw");
    fake.push(401, "text/plain", vec![]);
    let e = block_on(client.search_studies(&StudyQuery::default())).unwrap_err();
    assert!(e.is_unauthorized(), "{e}");
    fake.push(403, "text/plain", vec![]);
    assert!(block_on(client.search_series("1.2", None))
        .unwrap_err()
        .is_unauthorized());
    fake.push(404, "text/plain", vec![]);
    assert!(matches!(
        block_on(client.series_metadata("1", "2")).unwrap_err(),
        DicomWebError::NotFound { .. }
    ));
    fake.push(400, "text/plain", vec![]);
    assert!(matches!(
        block_on(client.series_metadata("1", "2")).unwrap_err(),
        DicomWebError::Status { status: 400, .. }
    ));
    // No retry on 4xx.
    assert!(fake.slept.borrow().is_empty());
    // A query with a patient id never shows it in the error.
    fake.push(500, "text/plain", vec![]);
    fake.push(500, "text/plain", vec![]);
    fake.push(500, "text/plain", vec![]);
    fake.push(500, "text/plain", vec![]);
    let e = block_on(client.search_studies(&StudyQuery::by_patient_id("9434765919"))).unwrap_err();
    assert!(!e.to_string().contains("9434765919"));
}

#[test]
fn retries_5xx_and_timeouts_with_backoff() {
    let fake = Fake::default();
    fake.push(503, "text/plain", vec![]);
    fake.answers
        .borrow_mut()
        .push_back(Err(TransportError::Timeout));
    fake.push(200, "application/dicom+json", vec![STUDIES]);
    let client = Client::new(&fake, "http://pacs/dw").with_retry(RetryPolicy {
        max_attempts: 5,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(150),
    });
    assert_eq!(
        block_on(client.search_studies(&StudyQuery::default()))
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        *fake.slept.borrow(),
        vec![Duration::from_millis(100), Duration::from_millis(150)]
    );
    // Exhausted retries report the last cause.
    for _ in 0..5 {
        fake.answers
            .borrow_mut()
            .push_back(Err(TransportError::Connect("refused".into())));
    }
    let e = block_on(client.search_studies(&StudyQuery::default())).unwrap_err();
    assert!(matches!(
        e,
        DicomWebError::Transport {
            source: TransportError::Connect(_),
            ..
        }
    ));
}

fn instance_body(boundary: &str, payloads: &[&[u8]]) -> Vec<u8> {
    let mut b = Vec::new();
    for p in payloads {
        b.extend_from_slice(
            format!("--{boundary}\r\nContent-Type: application/dicom\r\n\r\n").as_bytes(),
        );
        b.extend_from_slice(p);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    b
}

#[test]
fn retrieve_streams_parts_counts_progress_and_resumes_without_duplicates() {
    let fake = Fake::default();
    let ct = "multipart/related; type=\"application/dicom\"; boundary=BB";
    let body = instance_body("BB", &[b"one", b"two", b"three"]);
    // First attempt breaks after the first part; the retry must not deliver it again.
    let cut = body.windows(8).position(|w| w == b"\r\n--BB\r\n").unwrap() + 8 + 5;
    fake.answers.borrow_mut().push_back(Ok(HttpResponse {
        status: 200,
        headers: vec![("Content-Type".into(), ct.into())],
        body: ChunkedBody::failing(
            [Bytes::copy_from_slice(&body[..cut])],
            TransportError::Body("reset".into()),
        ),
    }));
    fake.push(200, ct, vec![&body[..7], &body[7..]]);
    let client = Client::new(&fake, "http://pacs/dw");
    let mut got = Vec::new();
    let mut last = None;
    let p = block_on(client.retrieve(
        "1.2",
        &[RetrieveRequest::Series {
            series_uid: "1.3".into(),
        }],
        3,
        &RetrieveOptions::default(),
        &mut |i| {
            got.push(i.bytes.to_vec());
            Ok(())
        },
        &mut |p| last = Some(p),
    ))
    .unwrap();
    assert_eq!(
        got,
        vec![b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]
    );
    assert_eq!(p.instances_done, 3);
    assert_eq!(p.bytes as usize, cut + body.len());
    assert_eq!(last, Some(p));
    assert!(fake.seen.borrow()[0]
        .header("accept")
        .unwrap()
        .contains("transfer-syntax=*"));
}

#[test]
fn cancellation_stops_retrieval() {
    let fake = Fake::default();
    let ct = "multipart/related; boundary=BB";
    let body = instance_body("BB", &[b"one", b"two"]);
    fake.push(200, ct, body.chunks(4).collect());
    let token = CancelToken::new();
    let client = Client::new(&fake, "http://pacs/dw").with_cancel(token.clone());
    let mut n = 0;
    let e = block_on(client.retrieve(
        "1.2",
        &[RetrieveRequest::Series {
            series_uid: "1.3".into(),
        }],
        2,
        &RetrieveOptions::default(),
        &mut |_| {
            n += 1;
            token.cancel();
            Ok(())
        },
        &mut |_| {},
    ))
    .unwrap_err();
    assert!(matches!(e, DicomWebError::Cancelled));
    assert_eq!(n, 1);
}

#[test]
fn non_multipart_answer_is_an_error_not_a_panic() {
    let fake = Fake::default();
    fake.push(200, "application/json", vec![b"[]"]);
    let client = Client::new(&fake, "http://pacs/dw");
    let e = block_on(client.retrieve(
        "1.2",
        &[RetrieveRequest::Series {
            series_uid: "1.3".into(),
        }],
        0,
        &RetrieveOptions::default(),
        &mut |_| Ok(()),
        &mut |_| {},
    ))
    .unwrap_err();
    assert!(matches!(e, DicomWebError::Multipart { .. }));
}
