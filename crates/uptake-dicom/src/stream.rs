//! Streaming assembly: each instance's slice is decoded into its series' buffer the moment
//! the instance arrives, and its pixel bytes are freed, so a study received over the network
//! is never held twice (file bytes and volume) and decoding overlaps the transfer.
//!
//! A [`SlicePool`] holds one series. When the caller knows the final slice order early (from
//! the positions a QIDO-RS instance query returns) each slice goes straight into its final
//! slot and [`SlicePool::take_volume`] hands the buffer over without a copy; otherwise slices
//! are stored in arrival order and permuted in place once the plan (from the headers) is
//! known. The plan always comes from the headers, never from the early order: a wrong early
//! order costs a permutation, not a wrong volume.

use std::collections::HashMap;

use ndarray::Array3;

use crate::error::{AssembleError, InstanceError, Problem};
use crate::instance::DicomInstance;
use crate::packed::{PackedSlice, PackedVolume};
use crate::scaled::{ScaledVolume, SliceScale};
use crate::stack::StackPlan;
use crate::volume::{slice_sources, Volume, Voxels};

/// The decoded slices of one series.
#[derive(Debug, Clone, PartialEq)]
enum PoolData {
    I16(Vec<i16>),
    F32(Vec<f32>),
    /// Exact i16 slices packed one by one (`None`: a slot not received).
    Packed(Vec<Option<PackedSlice>>),
    /// 16-bit stored values and each slot's rescale ([`SliceScale::EMPTY`]: not received).
    Scaled(Vec<u16>, Vec<SliceScale>),
}

/// One slice of a pool, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PoolSlice<'a> {
    /// CT in HU, exact.
    I16(&'a [i16]),
    /// Rescaled values.
    F32(&'a [f32]),
    /// CT in HU, exact, packed (see [`SlicePool::with_packing`]).
    Packed(&'a PackedSlice),
    /// Stored values and their rescale (see [`SlicePool::with_packing`]).
    Scaled(&'a [u16], SliceScale),
}

/// Slices of one series decoded as they arrive.
#[derive(Debug)]
pub struct SlicePool {
    series_uid: String,
    /// Values per slice (Rows × Columns), known from the first instance.
    per_slice: usize,
    data: PoolData,
    /// SOP Instance UID → pool index.
    index: HashMap<String, usize>,
    /// SOP Instance UID → expected final slot, when known before the pixels.
    expected: HashMap<String, usize>,
    /// Pool indices in use.
    used: Vec<bool>,
    /// Slices expected in all (e.g. the series' instance count), to reserve the buffer once.
    capacity_hint: usize,
    /// Whether exact i16 slices are kept packed.
    pack: bool,
    /// One slice decoded before it is packed.
    scratch: Vec<i16>,
    /// One slice being packed.
    packing: Vec<u8>,
}

/// What [`SlicePool::add`] did with an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooled {
    /// Decoded into pool index `.0`; the instance's pixel bytes were freed.
    At(usize),
    /// Not pooled (several frames, another slice size, or a second copy of a SOP Instance):
    /// the instance keeps its pixels and assembles the usual way.
    No,
}

impl SlicePool {
    /// An empty pool for `series_uid`. `expected_order`: SOP Instance UIDs in their expected
    /// final slice order (empty when unknown).
    pub fn new(series_uid: &str, expected_order: &[String]) -> SlicePool {
        SlicePool {
            series_uid: series_uid.to_string(),
            per_slice: 0,
            data: PoolData::I16(Vec::new()),
            index: HashMap::new(),
            expected: expected_order
                .iter()
                .enumerate()
                .map(|(i, uid)| (uid.clone(), i))
                .collect(),
            used: Vec::new(),
            capacity_hint: expected_order.len(),
            pack: false,
            scratch: Vec::new(),
            packing: Vec::new(),
        }
    }

    /// Keeps the series compact, exactly: exact i16 slices (CT in HU) packed losslessly,
    /// slice by slice, as they arrive — the series then never exists unpacked (about 35–50 %
    /// of the memory; see [`crate::packed`]) and [`SlicePool::take_volume`] gives
    /// [`Voxels::Packed`]; other series of at most 16 bits allocated (PET) as their stored
    /// values with each slice's rescale, half of f32 ([`Voxels::Scaled`], every value the f32
    /// decoding gives). Costs one packing pass per CT slice. A CT series widened to f32 is
    /// not packed.
    pub fn with_packing(mut self) -> SlicePool {
        self.pack = true;
        self
    }

    /// Reserves room for `slices` slices at the first instance (the series' instance count
    /// from the server): the buffer is then allocated once at its final size instead of
    /// growing by doubling, which would hold up to twice the series while it grows.
    pub fn with_capacity_hint(mut self, slices: usize) -> SlicePool {
        self.capacity_hint = self.capacity_hint.max(slices);
        self
    }

    /// Number of slices decoded into the pool.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Adopts an expected final order (SOP Instance UIDs) after slices have arrived: the
    /// slices pooled so far move to their expected slots, in place, and later ones go
    /// straight to theirs. Returns the slots that now hold a slice (in no particular order),
    /// or `None`, leaving the pool as it was, when an order is already set, the order
    /// repeats a UID, or a pooled slice is not in it.
    pub fn adopt_order(&mut self, order: &[String]) -> Option<Vec<usize>> {
        if !self.expected.is_empty() {
            return None;
        }
        let expected: HashMap<String, usize> = order
            .iter()
            .enumerate()
            .map(|(i, uid)| (uid.clone(), i))
            .collect();
        if expected.len() != order.len() {
            return None;
        }
        // Where each pooled slice goes.
        let mut target = vec![None; self.used.len()];
        for (sop, &at) in &self.index {
            *target.get_mut(at)? = Some(*expected.get(sop)?);
        }
        if self.per_slice > 0 {
            self.grow_to(order.len()).ok()?;
        }
        self.expected = expected;
        self.capacity_hint = self.capacity_hint.max(order.len());
        if self.per_slice == 0 {
            // Nothing pooled yet: the first slice sets the buffer up for the order.
            return Some(Vec::new());
        }
        fn relocate<T: Copy + Default>(v: &mut [T], per: usize, target: &[Option<usize>]) {
            let mut moved = vec![false; target.len()];
            let mut held = vec![T::default(); per];
            let mut swap = vec![T::default(); per];
            for start in 0..target.len() {
                if moved[start] || target[start].is_none_or(|t| t == start) {
                    continue;
                }
                // Lift the slice at `start`, then follow where each lifted slice goes: a
                // slot still holding an unmoved slice hands that one on; a free slot (or
                // the start, now empty) ends the chain.
                held.copy_from_slice(&v[start * per..(start + 1) * per]);
                moved[start] = true;
                let mut from = start;
                while let Some(to) = target[from] {
                    let dest = &mut v[to * per..(to + 1) * per];
                    let occupied =
                        to != start && target.get(to).is_some_and(Option::is_some) && !moved[to];
                    if occupied {
                        swap.copy_from_slice(dest);
                        dest.copy_from_slice(&held);
                        std::mem::swap(&mut held, &mut swap);
                        moved[to] = true;
                        from = to;
                    } else {
                        dest.copy_from_slice(&held);
                        break;
                    }
                }
            }
        }
        match &mut self.data {
            PoolData::I16(v) => relocate(v, self.per_slice, &target),
            PoolData::F32(v) => relocate(v, self.per_slice, &target),
            PoolData::Scaled(v, scales) => {
                relocate(v, self.per_slice, &target);
                relocate(scales, 1, &target);
            }
            PoolData::Packed(v) => {
                let mut placed = vec![None; v.len()];
                for (from, to) in target.iter().enumerate() {
                    if let (Some(to), Some(slice)) = (to, v.get_mut(from)) {
                        if let Some(dest) = placed.get_mut(*to) {
                            *dest = slice.take();
                        }
                    }
                }
                *v = placed;
            }
        }
        let mut used = vec![false; self.used.len().max(order.len())];
        for t in target.iter().flatten() {
            used[*t] = true;
        }
        self.used = used;
        for at in self.index.values_mut() {
            if let Some(Some(t)) = target.get(*at) {
                *at = *t;
            }
        }
        Some(target.into_iter().flatten().collect())
    }

    /// Whether the slice of SOP Instance `sop_uid` is in the pool.
    pub fn contains(&self, sop_uid: &str) -> bool {
        self.index.contains_key(sop_uid)
    }

    /// Whether no slice was pooled yet.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// Slice at pool index `i`.
    pub fn slice(&self, i: usize) -> Option<PoolSlice<'_>> {
        let range = i * self.per_slice..(i + 1) * self.per_slice;
        match &self.data {
            PoolData::I16(v) => v.get(range).map(PoolSlice::I16),
            PoolData::F32(v) => v.get(range).map(PoolSlice::F32),
            PoolData::Packed(v) => v.get(i)?.as_ref().map(PoolSlice::Packed),
            PoolData::Scaled(v, scales) => Some(PoolSlice::Scaled(v.get(range)?, *scales.get(i)?)),
        }
    }

    /// Whether the slices of this pool are in their expected final order (see
    /// [`SlicePool::new`]) — then pool index = final slice index.
    pub fn has_expected_order(&self) -> bool {
        !self.expected.is_empty()
    }

    /// Makes room for `slices` slices; the bytes asked for when the memory is not there
    /// (nothing changes then).
    fn grow_to(&mut self, slices: usize) -> Result<(), usize> {
        fn grow<T: Copy + Default>(v: &mut Vec<T>, n: usize) -> Result<(), usize> {
            if v.len() < n {
                v.try_reserve(n - v.len())
                    .map_err(|_| n.saturating_mul(std::mem::size_of::<T>()))?;
                v.resize(n, T::default());
            }
            Ok(())
        }
        let n = slices.saturating_mul(self.per_slice);
        match &mut self.data {
            PoolData::I16(v) => grow(v, n)?,
            PoolData::F32(v) => grow(v, n)?,
            PoolData::Scaled(v, scales) => {
                grow(v, n)?;
                grow(scales, slices)?;
            }
            PoolData::Packed(v) => {
                if v.len() < slices {
                    v.try_reserve(slices - v.len()).map_err(|_| n)?;
                    v.resize(slices, None);
                }
            }
        }
        if self.used.len() < slices {
            self.used.resize(slices, false);
        }
        Ok(())
    }

    fn widen_to_f32(&mut self) {
        match &self.data {
            PoolData::I16(v) => {
                self.data = PoolData::F32(v.iter().map(|&x| f32::from(x)).collect());
            }
            PoolData::Packed(v) => {
                let per = self.per_slice;
                let mut wide = vec![0f32; v.len() * per];
                for (slice, out) in v.iter().zip(wide.chunks_mut(per.max(1))) {
                    if let Some(slice) = slice {
                        for (o, x) in out.iter_mut().zip(slice.unpack()) {
                            *o = f32::from(x);
                        }
                    }
                }
                self.data = PoolData::F32(wide);
            }
            PoolData::Scaled(v, scales) => {
                let per = self.per_slice.max(1);
                let wide = v
                    .chunks(per)
                    .zip(scales.iter())
                    .flat_map(|(bits, s)| bits.iter().map(move |&b| s.value(b)))
                    .collect();
                self.data = PoolData::F32(wide);
            }
            PoolData::F32(_) => {}
        }
    }

    /// Decodes the single frame of `inst` into the pool and frees its pixel bytes. CT with
    /// an integral rescale is kept as exact i16 HU (widened to f32 for the whole series the
    /// first time a value does not fit); everything else as f32.
    pub fn add(&mut self, inst: &mut DicomInstance) -> Result<Pooled, InstanceError> {
        let h = &inst.header;
        let per = h.pixel.samples_per_frame();
        if h.frame_count() != 1 || per == 0 || self.index.contains_key(&h.sop_instance_uid) {
            return Ok(Pooled::No);
        }
        if self.is_empty() && self.used.is_empty() {
            self.per_slice = per;
            let integral = h
                .frames
                .first()
                .is_some_and(|f| f.rescale_slope == 1.0 && f.rescale_intercept.fract() == 0.0);
            // The slots expected (order or instance count) in one zeroed allocation: it costs
            // nothing on fresh pages (wasm `memory.grow`, `mmap`), where growing an empty
            // buffer would write every zero once more. The buffer can be longer than the
            // slots in use; `take_volume` cuts it to the volume.
            // A hint the memory cannot hold (a server's wrong instance count) is dropped.
            fn zeroed<T: Copy + Default>(n: Option<usize>) -> Vec<T> {
                let mut v = Vec::new();
                if let Some(n) = n.filter(|&n| v.try_reserve_exact(n).is_ok()) {
                    v.resize(n, T::default());
                }
                v
            }
            let slots = self.capacity_hint.max(self.expected.len());
            let n = slots.checked_mul(per);
            self.data = if h.modality == "CT" && integral && self.pack {
                PoolData::Packed(Vec::new())
            } else if h.modality == "CT" && integral {
                PoolData::I16(zeroed(n))
            } else if self.pack && h.modality != "CT" && h.pixel.bits_allocated <= 16 {
                PoolData::Scaled(zeroed(n), Vec::new())
            } else {
                PoolData::F32(zeroed(n))
            };
            let source = h.source_name.clone();
            self.grow_to(self.expected.len())
                .map_err(|bytes| InstanceError::new(source, Problem::OutOfMemory { bytes }))?;
        } else if per != self.per_slice {
            return Ok(Pooled::No);
        }
        let at = match self.expected.get(&h.sop_instance_uid) {
            Some(&slot) if !self.used.get(slot).copied().unwrap_or(false) => slot,
            // Arrival order, after the expected slots.
            _ => self.used.len().max(self.expected.len()),
        };
        let source = &inst.header.source_name;
        self.grow_to(at + 1)
            .map_err(|bytes| InstanceError::new(source, Problem::OutOfMemory { bytes }))?;
        let range = at * per..(at + 1) * per;
        let exact = match &mut self.data {
            PoolData::I16(v) => inst.decode_frame_into(0, &mut v[range.clone()])?,
            PoolData::F32(v) => inst.decode_frame_into(0, &mut v[range.clone()])?,
            PoolData::Scaled(v, scales) => {
                let exact = inst.decode_frame_into(0, &mut v[range.clone()])?;
                let f = inst.header.frames.first();
                if let (Some(f), Some(slot)) = (f, scales.get_mut(at)) {
                    *slot = SliceScale {
                        slope: f.rescale_slope,
                        intercept: f.rescale_intercept,
                        signed: inst.header.pixel.signed,
                    };
                }
                exact && f.is_some()
            }
            PoolData::Packed(v) => {
                self.scratch.resize(per, 0);
                let exact = inst.decode_frame_into(0, &mut self.scratch)?;
                if let (true, Some(slot)) = (exact, v.get_mut(at)) {
                    *slot = Some(PackedSlice::pack_with(&self.scratch, &mut self.packing));
                }
                exact
            }
        };
        if !exact {
            self.widen_to_f32();
            if let PoolData::F32(v) = &mut self.data {
                inst.decode_frame_into(0, &mut v[range])?;
            }
        }
        self.used[at] = true;
        self.index.insert(inst.header.sop_instance_uid.clone(), at);
        inst.release_pixels();
        Ok(Pooled::At(at))
    }

    /// Pool index of each slot of `plan` (`None` for an empty slot); `None` overall when an
    /// instance of the plan is not in the pool.
    fn slot_indices(
        &self,
        plan: &StackPlan,
        instances: &[DicomInstance],
    ) -> Option<Vec<Option<usize>>> {
        plan.slots
            .iter()
            .map(|slot| match slot {
                None => Some(None),
                Some(fr) => {
                    let inst = instances.get(fr.instance)?;
                    if fr.frame != 0 {
                        return None;
                    }
                    self.index
                        .get(&inst.header.sop_instance_uid)
                        .map(|&i| Some(i))
                }
            })
            .collect()
    }

    /// The volume of `plan` from the pooled slices: the buffer itself when the plan uses
    /// every pooled slice (reordered in place if needed), else a copy (the pool stays for
    /// the series' other plans). `None` when a slot of the plan is not in the pool (the
    /// caller assembles from the instances).
    pub fn take_volume(
        &mut self,
        plan: &StackPlan,
        instances: &[DicomInstance],
    ) -> Option<Result<(Volume, bool), AssembleError>> {
        let perm = self.plan_slots(plan, instances)?;
        let [_, _, nk] = plan.geometry.dims;
        let per = self.per_slice;
        let full: Option<Vec<usize>> = perm.iter().copied().collect();
        let whole =
            full.is_some() && perm.len() == self.index.len() && self.used.len() == perm.len();
        let in_order = perm.iter().enumerate().all(|(k, &p)| p == Some(k));
        let data = if let (true, Some(full)) = (whole, &full) {
            if !in_order {
                self.permute(full);
            }
            let mut data = std::mem::replace(&mut self.data, PoolData::I16(Vec::new()));
            match &mut data {
                PoolData::I16(v) => v.truncate(nk * per),
                PoolData::F32(v) => v.truncate(nk * per),
                PoolData::Packed(v) => v.truncate(nk),
                PoolData::Scaled(v, scales) => {
                    v.truncate(nk * per);
                    scales.truncate(nk);
                }
            }
            data
        } else {
            self.gather(&perm)
        };
        let volume = self.volume_of(data, plan, instances);
        if whole {
            self.index.clear();
            self.used.clear();
        }
        Some(volume.map(|v| (v, whole && in_order)))
    }

    /// A copy of the volume of `plan` from the pooled slices, leaving the pool as it is (a
    /// preview of a series still arriving). `None` when a slot of the plan is not in the pool.
    pub fn copy_volume(
        &self,
        plan: &StackPlan,
        instances: &[DicomInstance],
    ) -> Option<Result<Volume, AssembleError>> {
        let perm = self.plan_slots(plan, instances)?;
        Some(self.volume_of(self.gather(&perm), plan, instances))
    }

    /// Pool index of each slot of `plan`, when the plan's slices have this pool's shape.
    fn plan_slots(
        &self,
        plan: &StackPlan,
        instances: &[DicomInstance],
    ) -> Option<Vec<Option<usize>>> {
        let perm = self.slot_indices(plan, instances)?;
        let [ni, nj, nk] = plan.geometry.dims;
        (ni * nj == self.per_slice && perm.len() == nk).then_some(perm)
    }

    /// The volume of `plan` with the slices `data` (in the plan's order).
    fn volume_of(
        &self,
        data: PoolData,
        plan: &StackPlan,
        instances: &[DicomInstance],
    ) -> Result<Volume, AssembleError> {
        let [ni, nj, nk] = plan.geometry.dims;
        let per = self.per_slice;
        let shape = (nk, nj, ni);
        let voxels = match data {
            PoolData::I16(v) => Array3::from_shape_vec(shape, v).ok().map(Voxels::I16),
            PoolData::F32(v) => Array3::from_shape_vec(shape, v).ok().map(Voxels::F32),
            PoolData::Scaled(v, mut scales) => {
                scales.resize(nk, SliceScale::EMPTY);
                ScaledVolume::new(shape, v, scales).map(Voxels::Scaled)
            }
            PoolData::Packed(v) => {
                let slices = v
                    .into_iter()
                    .map(|s| s.unwrap_or_else(|| PackedSlice::zeros(per)))
                    .collect();
                PackedVolume::new(shape, slices).map(Voxels::Packed)
            }
        };
        let voxels = voxels.ok_or_else(|| AssembleError::Empty {
            series_uid: self.series_uid.clone(),
        })?;
        Ok(Volume::of_plan(
            plan,
            instances,
            voxels,
            slice_sources(plan, instances),
        ))
    }

    /// Reorders the pool in place so that slot `k` holds pool slice `perm[k]` (one slice of
    /// scratch; each cycle of the permutation is followed once).
    fn permute(&mut self, perm: &[usize]) {
        fn run<T: Copy + Default>(v: &mut [T], per: usize, perm: &[usize]) {
            let mut done = vec![false; perm.len()];
            let mut tmp = vec![T::default(); per];
            for start in 0..perm.len() {
                if done[start] || perm[start] == start {
                    done[start] = true;
                    continue;
                }
                tmp.copy_from_slice(&v[start * per..(start + 1) * per]);
                let mut k = start;
                loop {
                    done[k] = true;
                    let src = perm[k];
                    if src == start {
                        v[k * per..(k + 1) * per].copy_from_slice(&tmp);
                        break;
                    }
                    v.copy_within(src * per..(src + 1) * per, k * per);
                    k = src;
                }
            }
        }
        match &mut self.data {
            PoolData::I16(v) => run(v, self.per_slice, perm),
            PoolData::F32(v) => run(v, self.per_slice, perm),
            PoolData::Scaled(v, scales) => {
                run(v, self.per_slice, perm);
                run(scales, 1, perm);
            }
            PoolData::Packed(v) => {
                let mut taken: Vec<Option<PackedSlice>> = std::mem::take(v);
                *v = perm
                    .iter()
                    .map(|&p| taken.get_mut(p).and_then(Option::take))
                    .collect();
            }
        }
    }

    /// A copy of the slices `perm` (zeros for an empty slot).
    fn gather(&self, perm: &[Option<usize>]) -> PoolData {
        fn run<T: Copy + Default>(v: &[T], per: usize, perm: &[Option<usize>]) -> Vec<T> {
            let mut out = vec![T::default(); perm.len() * per];
            for (k, p) in perm.iter().enumerate() {
                if let Some(p) = p {
                    out[k * per..(k + 1) * per].copy_from_slice(&v[p * per..(p + 1) * per]);
                }
            }
            out
        }
        match &self.data {
            PoolData::I16(v) => PoolData::I16(run(v, self.per_slice, perm)),
            PoolData::F32(v) => PoolData::F32(run(v, self.per_slice, perm)),
            PoolData::Scaled(v, scales) => {
                PoolData::Scaled(run(v, self.per_slice, perm), run(scales, 1, perm))
            }
            PoolData::Packed(v) => PoolData::Packed(
                perm.iter()
                    .map(|p| p.and_then(|p| v.get(p)?.clone()))
                    .collect(),
            ),
        }
    }
}
