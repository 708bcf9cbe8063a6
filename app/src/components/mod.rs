//! Shared components: the console frame, feedback states, table parts and
//! the editors of an administrator's rights.

pub mod admin_rights;
#[cfg(feature = "ssr")]
pub mod assets;
pub mod feedback;
pub mod islands;
pub mod layout;
pub mod live;
pub mod location_picker;
pub mod source;
pub mod table;
