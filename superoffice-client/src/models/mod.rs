//! Models (module under construction)
