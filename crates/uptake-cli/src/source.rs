//! Where a command reads its study from: files and directories, or a DICOMweb server.

use crate::cli_error::CliError;
use clap::Args;
use std::path::PathBuf;
use uptake_dicom::LoadedStudy;
use uptake_dicomweb::Auth;
use uptake_server::{FetchOptions, FetchScope};

/// The study source options shared by `inspect`, `probe` and `quantify`.
#[derive(Args, Debug, Clone)]
pub struct SourceArgs {
    /// DICOM files or directories (searched recursively); omit with `--dicomweb`.
    #[arg(required_unless_present = "dicomweb")]
    pub paths: Vec<PathBuf>,
    /// DICOMweb base URL (e.g. http://127.0.0.1:8042/dicom-web) to read the study from.
    #[arg(long, value_name = "URL", requires = "study", conflicts_with = "paths")]
    pub dicomweb: Option<String>,
    /// StudyInstanceUID to retrieve with `--dicomweb`.
    #[arg(long, value_name = "UID")]
    pub study: Option<String>,
    /// HTTP Basic user for `--dicomweb`; the password is read from $UPTAKE_PASSWORD.
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
}

/// Which series a command needs from a DICOMweb server.
#[derive(Clone, Copy)]
pub enum Needs {
    /// Every series (inspect).
    WholeStudy,
    /// The attenuation-corrected PET and its CT (probe, quantify).
    PetCt,
}

/// Credentials for `--dicomweb`: Basic from `--user` + $UPTAKE_PASSWORD, else a bearer token
/// from $UPTAKE_TOKEN, else none. Never printed.
fn auth(args: &SourceArgs) -> Result<Auth, CliError> {
    if let Some(user) = &args.user {
        let password = std::env::var("UPTAKE_PASSWORD")
            .map_err(|_| CliError::Usage("--user needs the password in $UPTAKE_PASSWORD".into()))?;
        return Ok(Auth::Basic {
            user: user.clone(),
            password,
        });
    }
    Ok(match std::env::var("UPTAKE_TOKEN") {
        Ok(token) if !token.is_empty() => Auth::Bearer(token),
        _ => Auth::None,
    })
}

/// Loads the study; fails when no image could be read at all.
pub fn load(args: &SourceArgs, needs: Needs) -> Result<LoadedStudy, CliError> {
    let study = match (&args.dicomweb, &args.study) {
        (Some(url), Some(uid)) => {
            let options = FetchOptions {
                scope: match needs {
                    Needs::WholeStudy => FetchScope::WholeStudy,
                    Needs::PetCt => FetchScope::PetCt,
                },
                ..Default::default()
            };
            uptake_server::fetch_study_blocking_with(url, uid, auth(args)?, &options)
                .map_err(|e| CliError::DicomWeb(e.to_string()))?
                .study
        }
        _ => uptake_dicom::load_paths(&args.paths),
    };
    if study.instances.is_empty() {
        let detail = study
            .errors
            .first()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        let place = match (&args.dicomweb, &args.study) {
            (Some(url), Some(uid)) => format!("study {uid} at {url}"),
            _ => args
                .paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        };
        return Err(CliError::NoImages {
            paths: place,
            detail,
        });
    }
    Ok(study)
}
