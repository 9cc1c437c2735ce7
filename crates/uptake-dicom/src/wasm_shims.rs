//! C allocator symbols for `openjp2` on `wasm32-unknown-unknown`.
//!
//! `openjp2` is a Rust translation of OpenJPEG that still calls `malloc`, `calloc`, `realloc`,
//! `free` and `strcpy`. The `unknown` wasm target has no libc, so without these definitions the
//! JS glue would try to import them from an "env" module that does not exist. They are built on
//! Rust's global allocator; each block stores its size in a 16-byte header so `free` and
//! `realloc` can rebuild the layout. `free(NULL)` is a no-op, as C requires (openjp2 relies on it).

use std::alloc::{alloc, alloc_zeroed, dealloc, realloc as rust_realloc, Layout};

const HEADER: usize = 16;

unsafe fn layout_for(size: usize) -> Option<Layout> {
    Layout::from_size_align(size.checked_add(HEADER)?, HEADER).ok()
}

/// C `malloc`.
///
/// # Safety
/// Called by C-style code; returns null on failure.
#[no_mangle]
pub unsafe extern "C" fn malloc(size: usize) -> *mut u8 {
    let Some(layout) = layout_for(size) else {
        return std::ptr::null_mut();
    };
    let base = alloc(layout);
    if base.is_null() {
        return base;
    }
    (base as *mut usize).write(size);
    base.add(HEADER)
}

/// C `calloc`.
///
/// # Safety
/// Called by C-style code; returns null on failure or overflow.
#[no_mangle]
pub unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut u8 {
    let Some(total) = count.checked_mul(size) else {
        return std::ptr::null_mut();
    };
    let Some(layout) = layout_for(total) else {
        return std::ptr::null_mut();
    };
    let base = alloc_zeroed(layout);
    if base.is_null() {
        return base;
    }
    (base as *mut usize).write(total);
    base.add(HEADER)
}

/// C `free`; null is ignored.
///
/// # Safety
/// `ptr` must come from `malloc`, `calloc` or `realloc` here, or be null.
#[no_mangle]
pub unsafe extern "C" fn free(ptr: *mut u8) {
    if ptr.is_null() {
        return;
    }
    let base = ptr.sub(HEADER);
    let size = (base as *const usize).read();
    if let Some(layout) = layout_for(size) {
        dealloc(base, layout);
    }
}

/// C `realloc`.
///
/// # Safety
/// `ptr` must come from these functions or be null.
#[no_mangle]
pub unsafe extern "C" fn realloc(ptr: *mut u8, new_size: usize) -> *mut u8 {
    if ptr.is_null() {
        return malloc(new_size);
    }
    let base = ptr.sub(HEADER);
    let old = (base as *const usize).read();
    let (Some(layout), Some(new_total)) = (layout_for(old), new_size.checked_add(HEADER)) else {
        return std::ptr::null_mut();
    };
    let grown = rust_realloc(base, layout, new_total);
    if grown.is_null() {
        return grown;
    }
    (grown as *mut usize).write(new_size);
    grown.add(HEADER)
}

/// C `strcpy`.
///
/// # Safety
/// `dst` must have room for `src` including its terminating NUL.
#[no_mangle]
pub unsafe extern "C" fn strcpy(dst: *mut u8, src: *const u8) -> *mut u8 {
    let mut i = 0;
    loop {
        let c = *src.add(i);
        *dst.add(i) = c;
        if c == 0 {
            break;
        }
        i += 1;
    }
    dst
}
