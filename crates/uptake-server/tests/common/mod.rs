//! Shared test harness: a real Orthanc child process, the test studies, and the suite that
//! runs against any DICOMweb root (Orthanc itself, the proxy, the embedded server).
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use uptake_dicom::{load_paths, LoadedStudy, Volume, Voxels};
use uptake_dicomweb::plan::RetrieveRequest;
use uptake_dicomweb::{Auth, Client, RetrieveOptions, StudyQuery};
use uptake_server::{FetchOptions, NativeTransport};

/// The real PET-CT study shared by the project (read in place, never copied).
pub const STS: &str = "../../../shared/data/sts001_petct";

const INSTALL_HINT: &str =
    "Orthanc is not installed: `cargo xtask test` installs the Debian packages \
`orthanc` and `orthanc-dicomweb` (or run `apt-get install -y orthanc orthanc-dicomweb`)";

/// Path of the shared real study.
pub fn sts_dir() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(STS);
    assert!(p.is_dir(), "missing test data {}", p.display());
    p
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn find_orthanc() -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/usr/bin", "/usr/local/bin"].map(PathBuf::from));
    dirs.into_iter()
        .map(|d| d.join("Orthanc"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{INSTALL_HINT}"))
}

fn find_dicomweb_plugin() -> PathBuf {
    for dir in [
        "/usr/share/orthanc/plugins",
        "/usr/lib/orthanc",
        "/usr/lib/x86_64-linux-gnu/orthanc",
    ] {
        if let Ok(rd) = std::fs::read_dir(dir) {
            let mut hits: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("libOrthancDicomWeb.so"))
                })
                .collect();
            hits.sort();
            if let Some(h) = hits.into_iter().next() {
                return h;
            }
        }
    }
    panic!("the Orthanc DICOMweb plugin is missing. {INSTALL_HINT}");
}

/// A running Orthanc, killed when dropped (also when a test panics).
pub struct Orthanc {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    /// Credentials when authentication is on.
    pub auth: Auth,
    _dir: tempfile::TempDir,
}

impl Drop for Orthanc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Orthanc {
    /// Starts Orthanc on a free loopback port with storage in a temp dir; with `user` set,
    /// HTTP authentication is on with that one (user, password).
    pub async fn start(user: Option<(&str, &str)>) -> Orthanc {
        let exe = find_orthanc();
        let plugin = find_dicomweb_plugin();
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let users: serde_json::Map<String, serde_json::Value> = user
            .iter()
            .map(|(u, p)| (u.to_string(), serde_json::Value::String(p.to_string())))
            .collect();
        let config = serde_json::json!({
            "Name": "uptake-test",
            "StorageDirectory": dir.path().join("db"),
            "IndexDirectory": dir.path().join("db"),
            "HttpPort": port,
            "HttpServerEnabled": true,
            "DicomServerEnabled": false,
            "DicomPort": free_port(),
            "RemoteAccessAllowed": false,
            "AuthenticationEnabled": user.is_some(),
            "RegisteredUsers": users,
            "Plugins": [plugin],
            "DicomWeb": { "Enable": true, "Root": "/dicom-web/" },
            "ConcurrentJobs": 1,
            "HttpThreadsCount": 8,
        });
        let cfg_path = dir.path().join("orthanc.json");
        std::fs::write(&cfg_path, serde_json::to_vec_pretty(&config).expect("json"))
            .expect("write config");
        let log = std::fs::File::create(dir.path().join("orthanc.log")).expect("log file");
        let child = Command::new(&exe)
            .arg(&cfg_path)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}. {INSTALL_HINT}", exe.display()));
        let auth = match user {
            Some((u, p)) => Auth::Basic {
                user: u.into(),
                password: p.into(),
            },
            None => Auth::None,
        };
        let mut o = Orthanc {
            child,
            url: format!("http://127.0.0.1:{port}"),
            auth,
            _dir: dir,
        };
        o.wait_ready().await;
        o
    }

    fn http(&self) -> reqwest::Client {
        reqwest::Client::new()
    }

    fn authed(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match self.auth.header_value() {
            Some(v) => rb.header("Authorization", v),
            None => rb,
        }
    }

    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(self._dir.path().join("orthanc.log"))
                    .unwrap_or_default();
                panic!("Orthanc exited ({status}) during start:\n{log}");
            }
            let r = self
                .authed(self.http().get(format!("{}/system", self.url)))
                .send()
                .await;
            if let Ok(r) = r {
                if r.status().is_success() {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "Orthanc did not answer within 60 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The DICOMweb root.
    pub fn dicomweb(&self) -> String {
        format!("{}/dicom-web", self.url)
    }

    /// Uploads every file under `dir` with `POST /instances`; returns the count.
    pub async fn upload_dir(&self, dir: &Path) -> usize {
        let mut files = Vec::new();
        collect(dir, &mut files);
        let mut n = 0;
        for f in files {
            let bytes = std::fs::read(&f).expect("read file");
            if bytes.len() < 132 || &bytes[128..132] != b"DICM" {
                continue;
            }
            let r = self
                .authed(self.http().post(format!("{}/instances", self.url)))
                .header("Content-Type", "application/dicom")
                .body(bytes)
                .send()
                .await
                .expect("upload");
            assert!(
                r.status().is_success(),
                "upload of {} failed: {}",
                f.display(),
                r.status()
            );
            n += 1;
        }
        n
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// A study on disk and what the suite expects of it.
pub struct Expected {
    /// Label for messages.
    pub name: &'static str,
    /// Folder.
    pub dir: PathBuf,
    /// Loaded from the files.
    pub study: LoadedStudy,
    /// StudyInstanceUID.
    pub study_uid: String,
    /// PatientID.
    pub patient_id: String,
    /// Instances per SeriesInstanceUID.
    pub per_series: HashMap<String, usize>,
}

impl Expected {
    /// Loads the study in `dir` from its files.
    pub fn load(name: &'static str, dir: PathBuf) -> Expected {
        let study = load_paths(std::slice::from_ref(&dir));
        assert!(study.errors.is_empty(), "{name}: {:?}", study.errors);
        let first = &study.instances[0].header;
        let mut per_series = HashMap::new();
        for i in &study.instances {
            *per_series.entry(i.header.series_uid.clone()).or_insert(0) += 1;
        }
        Expected {
            name,
            study_uid: first.study_uid.clone(),
            patient_id: first.patient.id.clone().expect("PatientID"),
            per_series,
            dir,
            study,
        }
    }
}

fn assert_same_volume(what: &str, a: &Volume, b: &Volume) {
    assert_eq!(a.series_uid, b.series_uid, "{what}: series");
    assert_eq!(a.geometry.dims, b.geometry.dims, "{what}: dims");
    assert_eq!(a.geometry.origin, b.geometry.origin, "{what}: origin");
    assert_eq!(a.geometry.spacing, b.geometry.spacing, "{what}: spacing");
    assert_eq!(a.geometry.axes, b.geometry.axes, "{what}: axes");
    assert_eq!(a.units, b.units, "{what}: units");
    match (&a.voxels, &b.voxels) {
        (Voxels::I16(x), Voxels::I16(y)) => assert!(x == y, "{what}: i16 voxels differ"),
        (Voxels::F32(x), Voxels::F32(y)) => {
            assert!(
                x.iter()
                    .zip(y.iter())
                    .all(|(p, q)| p.to_bits() == q.to_bits()),
                "{what}: f32 voxels differ"
            )
        }
        _ => panic!("{what}: voxel types differ"),
    }
}

/// Compares the PET and CT volumes of two loads of the same study.
pub fn assert_same_pet_ct(what: &str, got: &LoadedStudy, want: &LoadedStudy) {
    let (gp, wp) = (
        got.pet_plan().expect("PET plan (got)"),
        want.pet_plan().expect("PET plan (files)"),
    );
    assert_same_volume(
        &format!("{what} PET"),
        &got.volume(gp).expect("PET volume"),
        &want.volume(wp).expect("PET volume"),
    );
    let (gc, wc) = (
        got.ct_plan(Some(gp)).expect("CT plan (got)"),
        want.ct_plan(Some(wp)).expect("CT plan (files)"),
    );
    assert_same_volume(
        &format!("{what} CT"),
        &got.volume(gc).expect("CT volume"),
        &want.volume(wc).expect("CT volume"),
    );
}

/// A client for `base`.
pub fn client(base: &str, auth: Auth) -> Client<NativeTransport> {
    let t =
        NativeTransport::new(Duration::from_secs(5), Duration::from_secs(60)).expect("transport");
    Client::new(t, base).with_auth(auth)
}

/// The suite: QIDO finds the studies (also by PatientID), WADO-RS returns every instance and
/// each parses, and the PET/CT fetched over DICOMweb equal the volumes loaded from files.
pub async fn run_suite(label: &str, base: &str, auth: Auth, studies: &[&Expected]) {
    let c = client(base, auth.clone());
    let all = c
        .search_studies(&StudyQuery::default())
        .await
        .unwrap_or_else(|e| panic!("{label}: QIDO: {e}"));
    for s in studies {
        assert!(
            all.iter().any(|x| x.study_uid == s.study_uid),
            "{label}: {} not found by QIDO",
            s.name
        );
        let by_id = c
            .search_studies(&StudyQuery::by_patient_id(&s.patient_id))
            .await
            .unwrap_or_else(|e| panic!("{label}: QIDO by PatientID: {e}"));
        assert!(
            by_id.iter().any(|x| x.study_uid == s.study_uid),
            "{label}: {} not found by PatientID",
            s.name
        );
        assert!(
            by_id
                .iter()
                .all(|x| x.patient_id.as_deref() == Some(s.patient_id.as_str())),
            "{label}: PatientID filter"
        );

        // Every instance of every series, one multipart request per series.
        let series = c
            .search_series(&s.study_uid, None)
            .await
            .unwrap_or_else(|e| panic!("{label}: series: {e}"));
        assert_eq!(
            series.len(),
            s.per_series.len(),
            "{label}: {} series count",
            s.name
        );
        for se in &series {
            let want = s
                .per_series
                .get(&se.series_uid)
                .copied()
                .unwrap_or_else(|| panic!("{label}: unknown series"));
            let mut got = 0usize;
            let mut bad = Vec::new();
            c.retrieve(
                &s.study_uid,
                &[RetrieveRequest::Series {
                    series_uid: se.series_uid.clone(),
                }],
                want,
                &RetrieveOptions::default(),
                &mut |i| {
                    got += 1;
                    if let Err(e) = uptake_dicom::DicomInstance::from_bytes("wado", &i.bytes) {
                        bad.push(e.to_string());
                    }
                    Ok(())
                },
                &mut |_| {},
            )
            .await
            .unwrap_or_else(|e| panic!("{label}: WADO-RS series: {e}"));
            assert_eq!(
                got, want,
                "{label}: {} series {} instance count",
                s.name, se.series_uid
            );
            assert!(bad.is_empty(), "{label}: unparsable instances: {bad:?}");
        }

        // PET and CT through the retrieval plan equal the volumes from the files.
        let fetched =
            uptake_server::fetch_study(base, &s.study_uid, auth.clone(), &FetchOptions::default())
                .await
                .unwrap_or_else(|e| panic!("{label}: fetch_study: {e}"));
        assert!(
            fetched.study.errors.is_empty(),
            "{label}: {:?}",
            fetched.study.errors
        );
        assert_same_pet_ct(&format!("{label} {}", s.name), &fetched.study, &s.study);
    }
}
