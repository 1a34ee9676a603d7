//! REST handlers (module under construction)
