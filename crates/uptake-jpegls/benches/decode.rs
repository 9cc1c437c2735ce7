//! Decoding throughput on the NEMA WG04 CT1 lossless JPEG-LS stream
//! (512 x 512, 16-bit), reported in bytes of decoded 16-bit output per second.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::path::Path;

#[path = "../tests/common/dicom.rs"]
mod dicom;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("jpegls_decode");
    for name in ["CT1_JLSL.dcm", "CT1_JLSN.dcm"] {
        let stream = dicom::read(&Path::new("/work/shared/data/wg04").join(name)).codestream();
        let img = uptake_jpegls::decode(&stream).expect("decode");
        group.throughput(Throughput::Bytes((img.samples.len() * 2) as u64));
        group.bench_function(name, |b| {
            b.iter(|| uptake_jpegls::decode(black_box(&stream)).expect("decode"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
