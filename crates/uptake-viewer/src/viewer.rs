//! [`Viewer`]: the whole application state and its event handlers.

use crate::banner::{format_nhs_number, format_person_name, patient_banner};
use crate::cursor::CursorValues;
use crate::deep_link::{DeepLink, LesionRef};
use crate::error::ViewerError;
use crate::export_csv::write_csv;
use crate::history::{Command, History};
use crate::keys::{handle_key, next_fusion_step, Effect, KeyEvent};
use crate::layout::{self, dot, Layout, ViewRole, ViewState, ViewportSpec};
use crate::lesions::{self, Lesion, LesionRow, ThresholdChoice, Totals};
use crate::session::Session;
use crate::suv_panel::{LiverInfo, SuvInfo};
use crate::tools::{ToolMode, HU_PER_PX, SUV_PER_PX, ZOOM_PER_PX};
use uptake_dicom::{Geometry, Volume};
use uptake_quant::reference::liver_reference;
use uptake_quant::suv::SuvOverrides;
use uptake_quant::{quantify_volume, FactorSummary, QuantifyReport, QuantifyRequest};
use uptake_render::{
    pick_mip, pick_plane, CtWindow, Display, Orientation, PetDisplay, ValueKind, ViewKind,
    VolumeDesc, VolumeGeometry,
};

/// MIP cine speed, degrees per second.
pub const CINE_DEG_PER_S: f64 = 45.0;

/// The viewer: a [`Session`] plus everything the user changes.
#[derive(Debug)]
pub struct Viewer {
    /// The loaded study.
    pub session: Session,
    layout: Layout,
    views: Vec<ViewState>,
    plane: Orientation,
    maximised: Option<usize>,
    cursor: [f64; 3],
    active_view: usize,
    tool: ToolMode,
    ct_window: CtWindow,
    pet_display: PetDisplay,
    fusion_percent: u8,
    mip_angle: f64,
    cine_playing: bool,
    help_visible: bool,
    threshold: ThresholdChoice,
    lesions: Vec<Lesion>,
    liver_centre: Option<[f64; 3]>,
    overrides: SuvOverrides,
    history: History,
    drag: Option<(usize, [f64; 2])>,
}

/// `uptake_dicom` geometry as `uptake_render` geometry (same fields).
pub fn render_geometry(g: &Geometry) -> VolumeGeometry {
    VolumeGeometry {
        dims: g.dims,
        origin: g.origin,
        spacing: g.spacing,
        axes: g.axes,
    }
}

fn raw_desc(v: &Volume) -> Option<VolumeDesc<'_>> {
    let values = uptake_render::dicom::voxels(v)?;
    VolumeDesc::new(render_geometry(&v.geometry), values, ValueKind::Suv).ok()
}

impl Viewer {
    /// A viewer on `session` in the PET-CT default: 2×2 axial, cursor at the volume centre.
    pub fn new(session: Session) -> Viewer {
        let mut v = Viewer {
            session,
            layout: Layout::TwoByTwo,
            views: layout::views_for(Layout::TwoByTwo),
            plane: Orientation::Axial,
            maximised: None,
            cursor: [0.0; 3],
            active_view: 0,
            tool: ToolMode::Cursor,
            ct_window: CtWindow::SOFT_TISSUE,
            pet_display: PetDisplay::default(),
            fusion_percent: 50,
            mip_angle: 0.0,
            cine_playing: false,
            help_visible: false,
            threshold: ThresholdChoice::Percent41,
            lesions: Vec::new(),
            liver_centre: None,
            overrides: SuvOverrides::default(),
            history: History::default(),
            drag: None,
        };
        v.cursor = v.reference_geometry().centre();
        v
    }

    /// The geometry the MPR views fit and step through: the CT's, else the PET's.
    pub fn reference_geometry(&self) -> VolumeGeometry {
        match &self.session.ct {
            Some(ct) => render_geometry(&ct.geometry),
            None => render_geometry(&self.session.pet_raw().geometry),
        }
    }

    fn pet_geometry(&self) -> VolumeGeometry {
        render_geometry(&self.session.pet_raw().geometry)
    }

    // ---- layout -------------------------------------------------------------------------

    /// The current layout.
    pub fn layout_kind(&self) -> Layout {
        self.layout
    }
    /// Switches layout (views keep no zoom/pan; maximise is cleared).
    pub fn set_layout(&mut self, layout: Layout) {
        self.layout = layout;
        self.views = layout::views_for(layout);
        self.maximised = None;
        self.active_view = 0;
    }
    /// The plane of the single-plane views.
    pub fn plane(&self) -> Orientation {
        self.plane
    }
    /// Switches the plane of the single-plane views.
    pub fn set_plane(&mut self, plane: Orientation) {
        self.plane = plane;
    }
    /// The maximised view, if any.
    pub fn maximised(&self) -> Option<usize> {
        self.maximised
    }

    /// Every view's rectangle, kind, camera and colours for a `w × h` canvas.
    pub fn layout(&self, w: u32, h: u32) -> Vec<ViewportSpec> {
        let geo = self.reference_geometry();
        let pet_geo = self.pet_geometry();
        let fusion = self.fusion_percent as f32 / 100.0;
        layout::rects(self.layout, self.maximised, w, h)
            .into_iter()
            .filter_map(|(i, rect)| {
                let view = self.views.get(i)?;
                let size = rect.size();
                let (kind, camera, orientation) = match view.role {
                    ViewRole::Mip => (
                        ViewKind::Mip,
                        layout::mip_camera(view, self.mip_angle, &pet_geo, size),
                        None,
                    ),
                    _ => {
                        let o = view.orientation.unwrap_or(self.plane);
                        (
                            ViewKind::Mpr { slab_mm: 0.0 },
                            layout::mpr_camera(o, view, self.cursor, &geo, size),
                            Some(o),
                        )
                    }
                };
                let display = match view.role {
                    ViewRole::Ct => Display {
                        ct: Some(self.ct_window),
                        pet: None,
                        fusion: 0.0,
                        labels: None,
                    },
                    ViewRole::Pet | ViewRole::Mip => Display {
                        ct: None,
                        pet: Some(self.pet_display),
                        fusion: 1.0,
                        labels: None,
                    },
                    ViewRole::Fused => Display {
                        ct: Some(self.ct_window),
                        pet: Some(self.pet_display),
                        fusion,
                        labels: None,
                    },
                };
                Some(ViewportSpec {
                    index: i,
                    rect,
                    role: view.role,
                    orientation,
                    kind,
                    camera,
                    display,
                })
            })
            .collect()
    }

    fn view_at(&self, w: u32, h: u32, x: f64, y: f64) -> Option<ViewportSpec> {
        self.layout(w, h).into_iter().find(|s| s.contains(x, y))
    }

    /// Double-click: maximises the view under `(x, y)`, or restores the layout.
    pub fn double_click(&mut self, w: u32, h: u32, x: f64, y: f64) {
        if self.maximised.is_some() {
            self.maximised = None;
        } else if let Some(s) = self.view_at(w, h, x, y) {
            self.maximised = Some(s.index);
        }
    }

    // ---- cursor -------------------------------------------------------------------------

    /// The linked cursor, LPS mm.
    pub fn cursor(&self) -> [f64; 3] {
        self.cursor
    }
    /// Moves the cursor (non-finite values are ignored).
    pub fn set_cursor(&mut self, p: [f64; 3]) {
        if p.iter().all(|v| v.is_finite()) {
            self.cursor = p;
        }
    }

    /// Slice spacing along the normal of an MPR view: the spacing of the volume axis most
    /// aligned with it (CT for CT/fused views, PET for the PET view).
    pub fn slice_spacing(&self, spec: &ViewportSpec) -> f64 {
        let g = match spec.role {
            ViewRole::Pet | ViewRole::Mip => self.pet_geometry(),
            _ => self.reference_geometry(),
        };
        let n = spec.camera.normal();
        let (mut best, mut sp) = (-1.0, 1.0);
        for a in 0..3 {
            let c = dot(g.axes[a], n).abs();
            if c > best {
                best = c;
                sp = g.spacing[a];
            }
        }
        sp
    }

    fn step_view(&mut self, spec: &ViewportSpec, slices: i32) {
        if spec.role == ViewRole::Mip {
            self.mip_angle = (self.mip_angle + 5.0 * slices as f64).rem_euclid(360.0);
            return;
        }
        let d = self.slice_spacing(spec) * slices as f64;
        self.cursor = layout::add(self.cursor, layout::scale(spec.camera.normal(), d));
    }

    /// Mouse wheel over `(x, y)`: `slices` steps along that view's normal (on the MIP: rotates
    /// by 5° a step).
    pub fn scroll(&mut self, w: u32, h: u32, x: f64, y: f64, slices: i32) {
        if let Some(s) = self.view_at(w, h, x, y) {
            self.active_view = s.index;
            self.step_view(&s, slices);
        }
    }

    fn pick(&self, s: &ViewportSpec, x: f64, y: f64) -> Option<[f64; 3]> {
        let local = [
            (x - s.rect.x as f64).max(0.0) as u32,
            (y - s.rect.y as f64).max(0.0) as u32,
        ];
        match s.kind {
            ViewKind::Mip => {
                let desc = self.pet_desc()?;
                pick_mip(&s.camera, s.rect.size(), local, &desc).map(|h| h.point)
            }
            _ => Some(pick_plane(&s.camera, s.rect.size(), local)),
        }
    }

    /// Primary button down at canvas `(x, y)`: per the tool, moves the cursor (MIP: hottest
    /// voxel under the mouse), measures a lesion, or starts a drag.
    pub fn pointer_down(&mut self, w: u32, h: u32, x: f64, y: f64) -> Result<(), ViewerError> {
        let Some(s) = self.view_at(w, h, x, y) else {
            return Ok(());
        };
        self.active_view = s.index;
        self.drag = Some((s.index, [x, y]));
        match self.tool {
            ToolMode::Cursor => {
                if let Some(p) = self.pick(&s, x, y) {
                    self.cursor = p;
                }
            }
            ToolMode::Lesion => {
                if let Some(p) = self.pick(&s, x, y) {
                    self.cursor = p;
                    self.add_lesion(p)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Pointer moved with the button down: cursor drag, W/L or SUV range, zoom or pan.
    pub fn pointer_move(&mut self, w: u32, h: u32, x: f64, y: f64) {
        let Some((i, last)) = self.drag else { return };
        let (dx, dy) = (x - last[0], y - last[1]);
        self.drag = Some((i, [x, y]));
        let Some(spec) = self.layout(w, h).into_iter().find(|s| s.index == i) else {
            return;
        };
        match self.tool {
            ToolMode::Cursor => {
                if spec.kind != ViewKind::Mip {
                    if let Some(p) = self.pick(&spec, x, y) {
                        self.cursor = p;
                    }
                }
            }
            ToolMode::WindowLevel => match spec.role {
                ViewRole::Ct | ViewRole::Fused => {
                    self.ct_window.width = (self.ct_window.width + dx as f32 * HU_PER_PX).max(1.0);
                    self.ct_window.level += dy as f32 * HU_PER_PX;
                }
                ViewRole::Pet | ViewRole::Mip => {
                    let hi = self.pet_display.high - dy as f32 * SUV_PER_PX;
                    self.pet_display.high = hi.max(self.pet_display.low + 0.01);
                }
            },
            ToolMode::Zoom => {
                if let Some(v) = self.views.get_mut(i) {
                    v.zoom = (v.zoom * (-dy * ZOOM_PER_PX).exp()).clamp(0.05, 50.0);
                }
            }
            ToolMode::Pan => {
                if let Some(v) = self.views.get_mut(i) {
                    v.pan_mm[0] -= dx * spec.camera.mm_per_px;
                    v.pan_mm[1] -= dy * spec.camera.mm_per_px;
                }
            }
            ToolMode::Lesion => {}
        }
    }

    /// Button released.
    pub fn pointer_up(&mut self) {
        self.drag = None;
    }

    // ---- tools, keys, display -----------------------------------------------------------

    /// The tool.
    pub fn tool(&self) -> ToolMode {
        self.tool
    }
    /// Selects the tool.
    pub fn set_tool(&mut self, t: ToolMode) {
        self.tool = t;
    }
    /// The CT window.
    pub fn ct_window(&self) -> CtWindow {
        self.ct_window
    }
    /// The PET display range and map.
    pub fn pet_display(&self) -> PetDisplay {
        self.pet_display
    }
    /// Fusion opacity, percent.
    pub fn fusion_percent(&self) -> u8 {
        self.fusion_percent
    }
    /// The MIP angle, degrees.
    pub fn mip_angle(&self) -> f64 {
        self.mip_angle
    }
    /// Whether the MIP cine is playing.
    pub fn cine_playing(&self) -> bool {
        self.cine_playing
    }
    /// Sets the CT window (level, width in HU; the width is at least 1 HU). Non-finite values
    /// are ignored.
    pub fn set_ct_window(&mut self, level: f32, width: f32) {
        if level.is_finite() && width.is_finite() {
            self.ct_window.level = level;
            self.ct_window.width = width.max(1.0);
        }
    }
    /// Sets the PET display range (`high` is kept above `low`). Non-finite values are ignored.
    pub fn set_pet_range(&mut self, low: f32, high: f32) {
        if low.is_finite() && high.is_finite() {
            self.pet_display.low = low;
            self.pet_display.high = high.max(low + 0.01);
        }
    }
    /// Sets the PET colour map.
    pub fn set_pet_colormap(&mut self, colormap: uptake_render::Colormap) {
        self.pet_display.colormap = colormap;
    }
    /// Sets the fusion opacity, percent (clamped to 100).
    pub fn set_fusion_percent(&mut self, percent: u8) {
        self.fusion_percent = percent.min(100);
    }
    /// Plays or pauses the MIP cine.
    pub fn set_cine(&mut self, playing: bool) {
        self.cine_playing = playing;
    }
    /// The view that received the last click, scroll or key.
    pub fn active_view(&self) -> usize {
        self.active_view
    }
    /// Changes the SUV normalisation: recomputes the factor, every lesion and every readout.
    pub fn set_suv_type(&mut self, suv_type: uptake_quant::suv::SuvType) {
        self.session.suv_type = suv_type;
        self.apply_overrides();
    }
    /// Whether the help is shown.
    pub fn help_visible(&self) -> bool {
        self.help_visible
    }
    /// Advances the MIP cine by `dt_s` seconds when playing.
    pub fn tick(&mut self, dt_s: f64) {
        if self.cine_playing && dt_s.is_finite() {
            self.mip_angle = (self.mip_angle + CINE_DEG_PER_S * dt_s).rem_euclid(360.0);
        }
    }

    /// Handles a key (see [`crate::keys`]) over the active view; returns its effect.
    pub fn key(&mut self, w: u32, h: u32, ev: KeyEvent) -> Effect {
        let e = handle_key(ev);
        match e {
            Effect::Slice(n) => {
                let specs = self.layout(w, h);
                let spec = specs
                    .iter()
                    .find(|s| s.index == self.active_view && s.kind != ViewKind::Mip)
                    .or_else(|| specs.iter().find(|s| s.kind != ViewKind::Mip))
                    .copied();
                if let Some(s) = spec {
                    self.step_view(&s, n);
                }
            }
            Effect::CtPreset(p) => self.ct_window = p.window(),
            Effect::FusionStep => self.fusion_percent = next_fusion_step(self.fusion_percent),
            Effect::ToggleCine => self.cine_playing = !self.cine_playing,
            Effect::Reset => self.reset(),
            Effect::ToggleHelp => self.help_visible = !self.help_visible,
            Effect::None => {}
        }
        e
    }

    /// Resets zoom, pan, windows, fusion, MIP angle and the cursor (measurements are kept).
    pub fn reset(&mut self) {
        self.views = layout::views_for(self.layout);
        self.maximised = None;
        self.ct_window = CtWindow::SOFT_TISSUE;
        self.pet_display = PetDisplay::default();
        self.fusion_percent = 50;
        self.mip_angle = 0.0;
        self.cursor = self.reference_geometry().centre();
    }

    // ---- readouts -----------------------------------------------------------------------

    /// CT HU and PET value at the cursor (`getCursorValues()`).
    pub fn cursor_values(&self) -> CursorValues {
        let p = self.cursor;
        let ct_hu = self
            .session
            .ct
            .as_ref()
            .and_then(|ct| ct.sample(p))
            .map(|s| s.nearest);
        let mut v = match self.session.suv() {
            Ok(suv) => CursorValues {
                point: p,
                ct_hu,
                pet_value: suv.point(p).ok().map(|s| s.nearest),
                pet_units: suv.factor.result_units.clone(),
                suv_type: Some(suv.factor.suv_type),
                suv_refused: None,
                text: String::new(),
            },
            Err(reason) => CursorValues {
                point: p,
                ct_hu,
                pet_value: self.session.pet_raw().sample(p).map(|s| s.nearest),
                pet_units: pet_units_text(&self.session.pet_raw().units),
                suv_type: None,
                suv_refused: Some(reason.to_string()),
                text: String::new(),
            },
        };
        v.text = v.readout_text();
        v
    }

    // ---- lesions ------------------------------------------------------------------------

    /// The threshold used by the lesion tool.
    pub fn threshold(&self) -> ThresholdChoice {
        self.threshold
    }
    /// Chooses the lesion tool's threshold.
    pub fn set_threshold(&mut self, t: ThresholdChoice) {
        self.threshold = t;
    }

    /// Measures the lesion at `point` with `threshold` (`measureLesion`): the same report
    /// (and JSON keys) as `uptake quantify --json`. Refused SUV is a typed error.
    pub fn measure_lesion(
        &self,
        point: [f64; 3],
        threshold: ThresholdChoice,
    ) -> Result<QuantifyReport, ViewerError> {
        let vol = self.session.suv().map_err(|r| ViewerError::SuvRefused {
            reason: r.to_string(),
        })?;
        let th = threshold
            .threshold(self.liver_centre)
            .ok_or(ViewerError::NoLiverReference)?;
        let mut req = QuantifyRequest::at(point);
        req.threshold = th;
        req.suv_type = self.session.suv_type;
        req.overrides = self.overrides.clone();
        Ok(quantify_volume(vol, &req)?)
    }

    /// Measures the lesion at `point` with the current threshold and appends it to the table
    /// (undoable). Returns its row.
    pub fn add_lesion(&mut self, point: [f64; 3]) -> Result<usize, ViewerError> {
        let report = self.measure_lesion(point, self.threshold)?;
        let index = self.lesions.len();
        let lesion = Lesion {
            name: self.next_name(),
            seed: point,
            threshold: self.threshold,
            report: Some(report),
            error: None,
        };
        self.lesions.push(lesion.clone());
        self.history.push(Command::AddLesion { index, lesion });
        Ok(index)
    }

    fn next_name(&self) -> String {
        let mut n = self.lesions.len() + 1;
        loop {
            let name = format!("L{n}");
            if !self.lesions.iter().any(|l| l.name == name) {
                return name;
            }
            n += 1;
        }
    }

    /// Renames lesion `index` (undoable).
    pub fn rename_lesion(&mut self, index: usize, name: &str) -> Result<(), ViewerError> {
        let l = self
            .lesions
            .get_mut(index)
            .ok_or(ViewerError::NoSuchLesion(index))?;
        let old = std::mem::replace(&mut l.name, name.to_string());
        self.history.push(Command::Rename {
            index,
            old,
            new: name.to_string(),
        });
        Ok(())
    }

    /// Deletes lesion `index` (undoable).
    pub fn delete_lesion(&mut self, index: usize) -> Result<(), ViewerError> {
        if index >= self.lesions.len() {
            return Err(ViewerError::NoSuchLesion(index));
        }
        let lesion = self.lesions.remove(index);
        self.history.push(Command::Delete { index, lesion });
        Ok(())
    }

    /// Places (or with `None` removes) the liver reference sphere (undoable). PERCIST lesions
    /// are re-measured.
    pub fn set_liver_reference(&mut self, centre: Option<[f64; 3]>) -> Result<(), ViewerError> {
        if let (Some(c), Ok(vol)) = (centre, self.session.suv()) {
            liver_reference(vol, c)?;
        }
        let old = self.liver_centre;
        self.liver_centre = centre;
        self.history.push(Command::SetLiver { old, new: centre });
        self.remeasure();
        Ok(())
    }

    /// Replaces the SUV overrides (undoable): recomputes the factor, every lesion and every
    /// readout. Non-finite or non-positive values are refused.
    pub fn set_overrides(&mut self, overrides: SuvOverrides) -> Result<(), ViewerError> {
        for (name, v) in [
            ("weight_kg", overrides.weight_kg),
            ("height_m", overrides.height_m),
            ("dose_bq", overrides.dose_bq),
        ] {
            if let Some(v) = v {
                if !v.is_finite() || v <= 0.0 {
                    return Err(ViewerError::InvalidOverride(format!(
                        "{name} must be a positive number, got {v}"
                    )));
                }
            }
        }
        let old = std::mem::replace(&mut self.overrides, overrides.clone());
        self.history.push(Command::SetOverrides {
            old,
            new: overrides,
        });
        self.apply_overrides();
        Ok(())
    }

    /// The current overrides.
    pub fn overrides(&self) -> &SuvOverrides {
        &self.overrides
    }

    fn apply_overrides(&mut self) {
        let o = self.overrides.clone();
        self.session.recompute_suv(&o);
        self.remeasure();
    }

    fn measure_into(&self, l: &mut Lesion) {
        match self.measure_lesion(l.seed, l.threshold) {
            Ok(r) => {
                l.report = Some(r);
                l.error = None;
            }
            Err(e) => {
                l.report = None;
                l.error = Some(e.to_string());
            }
        }
    }

    fn remeasure(&mut self) {
        let mut lesions = std::mem::take(&mut self.lesions);
        for l in &mut lesions {
            self.measure_into(l);
        }
        self.lesions = lesions;
    }

    /// Switches the PET and/or CT series (`None`: automatic choice); every lesion is
    /// re-measured on the new PET. On error nothing changes.
    pub fn switch_series(
        &mut self,
        pet_uid: Option<&str>,
        ct_uid: Option<&str>,
    ) -> Result<(), ViewerError> {
        let o = self.overrides.clone();
        self.session.switch_series(pet_uid, ct_uid, &o)?;
        self.remeasure();
        Ok(())
    }

    fn apply(&mut self, c: &Command, forward: bool) {
        match (c, forward) {
            (Command::AddLesion { index, lesion }, true)
            | (Command::Delete { index, lesion }, false) => {
                let i = (*index).min(self.lesions.len());
                let mut lesion = lesion.clone();
                // Re-measure: the factor or liver may have changed since it was stored.
                self.measure_into(&mut lesion);
                self.lesions.insert(i, lesion);
            }
            (Command::AddLesion { index, .. }, false) | (Command::Delete { index, .. }, true) => {
                if *index < self.lesions.len() {
                    self.lesions.remove(*index);
                }
            }
            (Command::Rename { index, old, new }, fwd) => {
                if let Some(l) = self.lesions.get_mut(*index) {
                    l.name = if fwd { new.clone() } else { old.clone() };
                }
            }
            (Command::SetLiver { old, new }, fwd) => {
                self.liver_centre = if fwd { *new } else { *old };
                self.remeasure();
            }
            (Command::SetOverrides { old, new }, fwd) => {
                self.overrides = if fwd { new.clone() } else { old.clone() };
                self.apply_overrides();
            }
        }
    }

    /// Undoes the last command.
    pub fn undo(&mut self) -> Result<(), ViewerError> {
        let c = self
            .history
            .take_undo()
            .ok_or(ViewerError::NothingTo("undo"))?;
        self.apply(&c, false);
        Ok(())
    }

    /// Redoes the last undone command.
    pub fn redo(&mut self) -> Result<(), ViewerError> {
        let c = self
            .history
            .take_redo()
            .ok_or(ViewerError::NothingTo("redo"))?;
        self.apply(&c, true);
        Ok(())
    }

    /// The lesions.
    pub fn lesion_list(&self) -> &[Lesion] {
        &self.lesions
    }
    /// The table rows (`lesions()`).
    pub fn lesions(&self) -> Vec<LesionRow> {
        self.lesions.iter().map(Lesion::row).collect()
    }
    /// Whole-body totals.
    pub fn totals(&self) -> Totals {
        lesions::totals(&self.lesions)
    }
    /// The u8 label volume on the PET grid for the outlines.
    pub fn label_volume(&self) -> Vec<u8> {
        lesions::label_volume(&self.lesions, self.session.pet_raw().geometry.dims)
    }

    /// The label volume as an `uptake_render` description on the PET grid (for
    /// `Renderer::set_labels`); `labels` is what [`Viewer::label_volume`] returned.
    pub fn label_desc<'a>(&self, labels: &'a [u8]) -> uptake_render::LabelDesc<'a> {
        uptake_render::LabelDesc {
            geometry: self.pet_geometry(),
            labels,
        }
    }

    /// The CT volume as the renderer's input (HU), when the session has a CT.
    pub fn ct_desc(&self) -> Option<VolumeDesc<'_>> {
        let ct = self.session.ct.as_ref()?;
        uptake_render::dicom::ct_desc(ct).ok()
    }

    /// The PET as the renderer's input: SUV, or the stored units (Bq/ml) when SUV is refused.
    /// Either way the values are read from the one PET volume held: SUV is computed slice by
    /// slice as the texture is written (`uptake_render::dicom::suv_desc`), never copied whole.
    pub fn pet_desc(&self) -> Option<VolumeDesc<'_>> {
        match self.session.suv() {
            Ok(v) => uptake_render::dicom::suv_desc(v).ok(),
            Err(_) => raw_desc(self.session.pet_raw()),
        }
    }

    /// The layout as `uptake_render` viewports with the cursor's crosshair, ready to render.
    pub fn viewports(&self, w: u32, h: u32) -> Vec<uptake_render::Viewport> {
        self.layout(w, h)
            .iter()
            .map(|s| s.to_viewport(self.cursor))
            .collect()
    }

    // ---- SUV panel ----------------------------------------------------------------------

    /// The SUV panel (`suvInfo()`).
    pub fn suv_info(&self) -> SuvInfo {
        let (factor, refused, liver) = match self.session.suv() {
            Ok(v) => (
                Some(FactorSummary::from(&v.factor)),
                None,
                self.liver_centre
                    .and_then(|c| liver_reference(v, c).ok())
                    .map(|r| LiverInfo::from(&r)),
            ),
            Err(r) => (None, Some(r.to_string()), None),
        };
        SuvInfo {
            suv_type: self.session.suv_type,
            series_uid: self.session.choice.pet_series_uid.clone(),
            factor,
            refused,
            overrides: self.overrides.clone(),
            liver,
        }
    }

    // ---- banner, export, links ----------------------------------------------------------

    /// The patient banner shown on every view and export.
    pub fn banner(&self) -> String {
        patient_banner(
            &self.session.patient,
            self.session.study_date.as_deref(),
            &self.session.series_text(),
        )
    }

    /// The lesion table as CSV (see [`crate::export_csv`]).
    pub fn export_csv(&self) -> String {
        let p = &self.session.patient;
        let nhs = p
            .nhs_number
            .as_deref()
            .and_then(format_nhs_number)
            .map(|(f, valid)| if valid { f } else { format!("{f} (INVALID)") })
            .unwrap_or_default();
        let (suv_type, factor, refused) = match self.session.suv() {
            Ok(v) => (
                v.factor.suv_type.label().to_string(),
                v.factor
                    .series_factor()
                    .map_or("per slice".to_string(), |f| format!("{f}")),
                String::new(),
            ),
            Err(r) => (String::new(), String::new(), r.to_string()),
        };
        let header: Vec<(&str, String)> = vec![
            (
                "patient_name",
                format_person_name(p.name.as_deref().unwrap_or("")),
            ),
            ("nhs_number", nhs),
            ("patient_id", p.id.clone().unwrap_or_default()),
            ("patient_id_issuer", p.id_issuer.clone().unwrap_or_default()),
            ("birth_date", p.birth_date.clone().unwrap_or_default()),
            ("sex", p.sex.clone().unwrap_or_default()),
            (
                "study_date",
                self.session.study_date.clone().unwrap_or_default(),
            ),
            ("study_uid", self.session.pet_raw().study_uid.clone()),
            ("pet_series_uid", self.session.choice.pet_series_uid.clone()),
            (
                "ct_series_uid",
                self.session
                    .choice
                    .ct_series_uid
                    .clone()
                    .unwrap_or_default(),
            ),
            ("suv_type", suv_type.clone()),
            ("suv_factor", factor),
            ("suv_refused", refused),
            ("banner", self.banner()),
        ];
        write_csv(&header, &self.lesions, &suv_type)
    }

    /// A deep link to this study, series and cursor.
    pub fn deep_link(&self) -> DeepLink {
        DeepLink {
            study: self.session.pet_raw().study_uid.clone(),
            series: Some(self.session.choice.pet_series_uid.clone()),
            at: Some(self.cursor),
            lesion: None,
        }
    }

    /// Applies a parsed deep link: moves the cursor to `at`, then to the lesion (a point is
    /// measured and added; a name selects that lesion's seed).
    pub fn apply_deep_link(&mut self, link: &DeepLink) -> Result<(), ViewerError> {
        if let Some(at) = link.at {
            self.set_cursor(at);
        }
        match &link.lesion {
            Some(LesionRef::Point(p)) => {
                self.set_cursor(*p);
                self.add_lesion(*p)?;
            }
            Some(LesionRef::Name(n)) => {
                if let Some(l) = self.lesions.iter().find(|l| &l.name == n) {
                    self.cursor = l.seed;
                }
            }
            None => {}
        }
        Ok(())
    }
}

fn pet_units_text(units: &str) -> String {
    match units.trim().to_ascii_uppercase().as_str() {
        "BQML" => "Bq/ml".to_string(),
        other => other.to_string(),
    }
}
