//! A streaming `multipart/related` parser (RFC 2046 §5.1, as used by WADO-RS).
//!
//! Bytes are fed in chunks of any size; each part is returned as soon as its closing delimiter
//! (or its declared Content-Length) has arrived, so a slice can be decoded while the rest of a
//! series downloads. Memory is bounded: a part larger than the configured maximum is a
//! [`MultipartError::PartTooLarge`], a header block over [`MAX_HEADER_BYTES`] and a preamble
//! over [`MAX_PREAMBLE_BYTES`] are errors too. Tolerated deviations seen in the wild: a missing
//! CR before LF, extra blank lines between parts, transport padding after a delimiter, a part
//! with Content-Length not followed by CRLF, a missing close delimiter after a complete part,
//! and any preamble or epilogue. No input makes it panic.

use crate::error::MultipartError;
use bytes::{Bytes, BytesMut};
use memchr::memmem;

/// Largest header block of one part.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Largest preamble before the first delimiter.
pub const MAX_PREAMBLE_BYTES: usize = 64 * 1024;

/// One body part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// Header name/value pairs, in order.
    pub headers: Vec<(String, String)>,
    /// The content.
    pub body: Bytes,
}

impl Part {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::find_header(&self.headers, name)
    }

    /// The media type of the part (`Content-Type` without parameters), lower-case.
    pub fn media_type(&self) -> Option<String> {
        self.header("content-type")
            .map(|ct| parse_content_type(ct).0)
    }

    /// The `transfer-syntax` parameter of the part's Content-Type.
    pub fn transfer_syntax(&self) -> Option<String> {
        let (_, params) = parse_content_type(self.header("content-type")?);
        params
            .into_iter()
            .find(|(k, _)| k == "transfer-syntax")
            .map(|(_, v)| v)
    }
}

/// Splits a Content-Type into its lower-case media type and its parameters (names lower-case,
/// values unquoted). Quoted values may contain `;` and `\`-escapes.
pub fn parse_content_type(ct: &str) -> (String, Vec<(String, String)>) {
    let mut chars = ct.chars().peekable();
    let mut media = String::new();
    while let Some(&c) = chars.peek() {
        if c == ';' {
            break;
        }
        media.push(c);
        chars.next();
    }
    let mut params = Vec::new();
    while chars.next() == Some(';') {
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ';' {
                break;
            }
            name.push(c);
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
                chars.next();
            }
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                value.push(n)
                            }
                        }
                        _ => value.push(c),
                    }
                }
                while chars.peek().is_some_and(|c| *c != ';') {
                    chars.next();
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ';' {
                        break;
                    }
                    value.push(c);
                    chars.next();
                }
            }
        }
        let name = name.trim().to_ascii_lowercase();
        if !name.is_empty() {
            params.push((name, value.trim().to_string()));
        }
    }
    (media.trim().to_ascii_lowercase(), params)
}

/// The boundary of a `multipart/*` Content-Type.
pub fn boundary_of(content_type: &str) -> Result<String, MultipartError> {
    let (media, params) = parse_content_type(content_type);
    let shown = || content_type.chars().take(200).collect::<String>();
    if !media.starts_with("multipart/") {
        return Err(MultipartError::NoBoundary(shown()));
    }
    let b = params
        .into_iter()
        .find(|(k, _)| k == "boundary")
        .map(|(_, v)| v)
        .ok_or_else(|| MultipartError::NoBoundary(shown()))?;
    if b.is_empty() || b.len() > 70 || b.bytes().any(|c| c == b'\r' || c == b'\n') {
        return Err(MultipartError::BadBoundary(b.chars().take(80).collect()));
    }
    Ok(b)
}

#[derive(Debug)]
enum State {
    Preamble {
        skipped: usize,
    },
    AfterDelimiter,
    Headers,
    Body {
        headers: Vec<(String, String)>,
        length: Option<usize>,
        scan_from: usize,
    },
    AfterSizedBody {
        headers: Vec<(String, String)>,
        body: Bytes,
        length: usize,
    },
    Done,
    Failed,
}

/// The streaming parser. See the module documentation.
#[derive(Debug)]
pub struct MultipartParser {
    /// `--` + boundary.
    dash_boundary: Vec<u8>,
    /// `\n--` + boundary.
    finder: memmem::Finder<'static>,
    buf: BytesMut,
    state: State,
    index: usize,
    max_part: usize,
}

enum Step {
    Part(Part),
    Progress,
    NeedMore,
}

fn is_blank(b: &[u8]) -> bool {
    b.iter().all(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
}

impl MultipartParser {
    /// A parser for a body with the given boundary; parts larger than `max_part_bytes` fail.
    pub fn new(boundary: &str, max_part_bytes: usize) -> Result<Self, MultipartError> {
        if boundary.is_empty() || boundary.len() > 70 {
            return Err(MultipartError::BadBoundary(
                boundary.chars().take(80).collect(),
            ));
        }
        let dash_boundary = format!("--{boundary}").into_bytes();
        let mut needle = b"\n".to_vec();
        needle.extend_from_slice(&dash_boundary);
        Ok(MultipartParser {
            dash_boundary,
            finder: memmem::Finder::new(&needle).into_owned(),
            buf: BytesMut::new(),
            state: State::Preamble { skipped: 0 },
            index: 0,
            max_part: max_part_bytes,
        })
    }

    /// A parser for a response with this Content-Type (boundary quoted or not).
    pub fn for_content_type(
        content_type: &str,
        max_part_bytes: usize,
    ) -> Result<Self, MultipartError> {
        Self::new(&boundary_of(content_type)?, max_part_bytes)
    }

    /// Number of parts completed so far.
    pub fn parts_completed(&self) -> usize {
        self.index
    }

    /// Whether the close delimiter has been seen.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Feeds the next chunk of the body; returns the parts completed by it.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<Part>, MultipartError> {
        match self.state {
            State::Failed => return Err(MultipartError::Poisoned),
            State::Done => return Ok(Vec::new()), // epilogue: ignored, not buffered
            _ => {}
        }
        self.buf.extend_from_slice(chunk);
        let mut parts = Vec::new();
        loop {
            match self.step() {
                Ok(Step::Part(p)) => parts.push(p),
                Ok(Step::Progress) => {}
                Ok(Step::NeedMore) => break,
                Err(e) => {
                    self.state = State::Failed;
                    self.buf = BytesMut::new();
                    return Err(e);
                }
            }
        }
        if matches!(self.state, State::Done) {
            self.buf = BytesMut::new();
        }
        Ok(parts)
    }

    /// Ends the body; returns a last part if one was complete, or an error if the body was
    /// truncated inside a part or never contained a delimiter.
    pub fn finish(mut self) -> Result<Vec<Part>, MultipartError> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Done => Ok(Vec::new()),
            State::Failed => Err(MultipartError::Poisoned),
            State::Preamble { skipped } => {
                Err(MultipartError::BoundaryNotFound(skipped + self.buf.len()))
            }
            State::AfterDelimiter | State::Headers if is_blank(&self.buf) => Ok(Vec::new()),
            State::AfterSizedBody { headers, body, .. } if is_blank(&self.buf) => {
                Ok(vec![Part { headers, body }])
            }
            _ => Err(MultipartError::Truncated { index: self.index }),
        }
    }

    fn step(&mut self) -> Result<Step, MultipartError> {
        let dlen = self.dash_boundary.len();
        match &mut self.state {
            State::Done | State::Failed => Ok(Step::NeedMore),
            State::Preamble { skipped } => match memmem::find(&self.buf, &self.dash_boundary) {
                Some(p) => {
                    let _ = self.buf.split_to(p + dlen);
                    self.state = State::AfterDelimiter;
                    Ok(Step::Progress)
                }
                None => {
                    let keep = dlen.saturating_sub(1).min(self.buf.len());
                    let drop = self.buf.len() - keep;
                    *skipped += drop;
                    let _ = self.buf.split_to(drop);
                    if *skipped > MAX_PREAMBLE_BYTES {
                        return Err(MultipartError::BoundaryNotFound(*skipped));
                    }
                    Ok(Step::NeedMore)
                }
            },
            State::AfterDelimiter => {
                // Close delimiter `--`, else transport padding and a line break.
                let mut i = 0;
                let b = &self.buf[..];
                if b.len() < 2 {
                    if b == b"-" || b.is_empty() {
                        return Ok(Step::NeedMore);
                    }
                } else if &b[..2] == b"--" {
                    self.state = State::Done;
                    return Ok(Step::NeedMore);
                }
                while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
                    i += 1;
                }
                if i == b.len() {
                    return Ok(Step::NeedMore);
                }
                if b[i] == b'\r' {
                    if i + 1 == b.len() {
                        return Ok(Step::NeedMore);
                    }
                    if b[i + 1] == b'\n' {
                        i += 2;
                    }
                } else if b[i] == b'\n' {
                    i += 1;
                }
                let _ = self.buf.split_to(i);
                self.state = State::Headers;
                Ok(Step::Progress)
            }
            State::Headers => {
                let index = self.index;
                let mut headers = Vec::new();
                let mut pos = 0;
                let end = loop {
                    let Some(nl) = memchr::memchr(b'\n', &self.buf[pos..]) else {
                        if self.buf.len() > MAX_HEADER_BYTES {
                            return Err(MultipartError::HeadersTooLarge {
                                index,
                                limit: MAX_HEADER_BYTES,
                            });
                        }
                        return Ok(Step::NeedMore);
                    };
                    let line = &self.buf[pos..pos + nl];
                    let line = line.strip_suffix(b"\r").unwrap_or(line);
                    pos += nl + 1;
                    if pos > MAX_HEADER_BYTES {
                        return Err(MultipartError::HeadersTooLarge {
                            index,
                            limit: MAX_HEADER_BYTES,
                        });
                    }
                    if line.iter().all(|c| *c == b' ' || *c == b'\t') {
                        break pos;
                    }
                    let text = std::str::from_utf8(line)
                        .map_err(|_| MultipartError::BadHeader { index })?;
                    let (k, v) = text
                        .split_once(':')
                        .ok_or(MultipartError::BadHeader { index })?;
                    headers.push((k.trim().to_string(), v.trim().to_string()));
                };
                let length = match crate::http::find_header(&headers, "content-length") {
                    None => None,
                    Some(v) => Some(
                        v.parse::<usize>()
                            .map_err(|_| MultipartError::BadContentLength { index })?,
                    ),
                };
                if length.is_some_and(|l| l > self.max_part) {
                    return Err(MultipartError::PartTooLarge {
                        index,
                        limit: self.max_part,
                    });
                }
                let _ = self.buf.split_to(end);
                self.state = State::Body {
                    headers,
                    length,
                    scan_from: 0,
                };
                Ok(Step::Progress)
            }
            State::Body {
                headers,
                length: Some(length),
                ..
            } => {
                let length = *length;
                if self.buf.len() < length {
                    return Ok(Step::NeedMore);
                }
                let body = self.buf.split_to(length).freeze();
                self.state = State::AfterSizedBody {
                    headers: std::mem::take(headers),
                    body,
                    length,
                };
                Ok(Step::Progress)
            }
            State::Body {
                headers,
                length: None,
                scan_from,
            } => {
                let index = self.index;
                // An empty body directly followed by the delimiter without CRLF.
                if *scan_from == 0 && self.buf.starts_with(&self.dash_boundary) {
                    let part = Part {
                        headers: std::mem::take(headers),
                        body: Bytes::new(),
                    };
                    let _ = self.buf.split_to(dlen);
                    return Ok(self.emit(part));
                }
                match self.finder.find(&self.buf[*scan_from..]) {
                    Some(p) => {
                        let p = *scan_from + p;
                        let body_len = if p > 0 && self.buf[p - 1] == b'\r' {
                            p - 1
                        } else {
                            p
                        };
                        if body_len > self.max_part {
                            return Err(MultipartError::PartTooLarge {
                                index,
                                limit: self.max_part,
                            });
                        }
                        let mut chunk = self.buf.split_to(p + 1 + dlen);
                        chunk.truncate(body_len);
                        let part = Part {
                            headers: std::mem::take(headers),
                            body: chunk.freeze(),
                        };
                        Ok(self.emit(part))
                    }
                    None => {
                        *scan_from = self.buf.len().saturating_sub(dlen);
                        if scan_from.saturating_sub(1) > self.max_part {
                            return Err(MultipartError::PartTooLarge {
                                index,
                                limit: self.max_part,
                            });
                        }
                        Ok(Step::NeedMore)
                    }
                }
            }
            State::AfterSizedBody { length, .. } => {
                let length = *length;
                let index = self.index;
                let skip = self
                    .buf
                    .iter()
                    .take_while(|c| matches!(c, b'\r' | b'\n' | b' ' | b'\t'))
                    .count();
                let rest = &self.buf[skip..];
                if rest.len() < dlen {
                    if self.dash_boundary.starts_with(rest) {
                        return Ok(Step::NeedMore);
                    }
                    return Err(MultipartError::MissingDelimiter { index, length });
                }
                if !rest.starts_with(&self.dash_boundary) {
                    return Err(MultipartError::MissingDelimiter { index, length });
                }
                let _ = self.buf.split_to(skip + dlen);
                let State::AfterSizedBody { headers, body, .. } =
                    std::mem::replace(&mut self.state, State::AfterDelimiter)
                else {
                    return Ok(Step::Progress);
                };
                self.index += 1;
                Ok(Step::Part(Part { headers, body }))
            }
        }
    }

    fn emit(&mut self, part: Part) -> Step {
        self.index += 1;
        self.state = State::AfterDelimiter;
        Step::Part(part)
    }
}

/// Parses a complete body at once (convenience for tests and small responses).
pub fn parse_all(
    content_type: &str,
    body: &[u8],
    max_part_bytes: usize,
) -> Result<Vec<Part>, MultipartError> {
    let mut p = MultipartParser::for_content_type(content_type, max_part_bytes)?;
    let mut parts = p.feed(body)?;
    parts.extend(p.finish()?);
    Ok(parts)
}
