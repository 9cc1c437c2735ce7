//! The global allocator on wasm32: the system allocator, except that deallocating a null
//! pointer is ignored. `openjp2` (JPEG 2000) frees null pointers through Rust's allocator;
//! without this wrapper that corrupts the heap in the browser. Guarded by the JPEG 2000
//! browser test.

use std::alloc::{GlobalAlloc, Layout, System};

struct NullTolerant;

// SAFETY: every method forwards to `System`, except `dealloc` of null, which is a no-op.
unsafe impl GlobalAlloc for NullTolerant {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !ptr.is_null() {
            System.dealloc(ptr, layout);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: NullTolerant = NullTolerant;
