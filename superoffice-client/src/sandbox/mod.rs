//! In-process SuperOffice sandbox.
