//! Undo/redo: a stack of reversible commands over the measurement document (lesions, liver
//! reference, SUV overrides). Each command stores both states, so undo and redo are exact.

use crate::lesions::Lesion;
use uptake_quant::suv::SuvOverrides;

/// A reversible change.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// A lesion was added at `index`.
    AddLesion {
        /// Row.
        index: usize,
        /// The lesion.
        lesion: Lesion,
    },
    /// A lesion was renamed.
    Rename {
        /// Row.
        index: usize,
        /// Previous name.
        old: String,
        /// New name.
        new: String,
    },
    /// A lesion was deleted from `index`.
    Delete {
        /// Row.
        index: usize,
        /// The lesion removed.
        lesion: Lesion,
    },
    /// The liver reference centre changed (`None`: no reference).
    SetLiver {
        /// Previous centre.
        old: Option<[f64; 3]>,
        /// New centre.
        new: Option<[f64; 3]>,
    },
    /// The SUV overrides changed.
    SetOverrides {
        /// Previous overrides.
        old: SuvOverrides,
        /// New overrides.
        new: SuvOverrides,
    },
}

/// The undo and redo stacks.
#[derive(Debug, Clone, Default)]
pub struct History {
    undo: Vec<Command>,
    redo: Vec<Command>,
}

impl History {
    /// Records a command just applied; clears the redo stack.
    pub fn push(&mut self, c: Command) {
        self.undo.push(c);
        self.redo.clear();
    }
    /// The command to revert, moved to the redo stack.
    pub fn take_undo(&mut self) -> Option<Command> {
        let c = self.undo.pop()?;
        self.redo.push(c.clone());
        Some(c)
    }
    /// The command to re-apply, moved to the undo stack.
    pub fn take_redo(&mut self) -> Option<Command> {
        let c = self.redo.pop()?;
        self.undo.push(c.clone());
        Some(c)
    }
    /// Whether undo is possible.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }
    /// Whether redo is possible.
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
}
