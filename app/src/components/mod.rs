//! Shared components: the console frame, feedback states and table parts.

pub mod feedback;
pub mod layout;
pub mod source;
pub mod table;
