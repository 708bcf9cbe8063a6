//! Domain services. Each takes a connection or transaction (`C:
//! ConnectionTrait`) so server functions, the billing webhook and background
//! jobs share them.

pub mod access;
pub mod admins;
pub mod audit;
pub mod billing;
pub mod card;
pub mod card_tables;
pub mod devices;
pub mod licences;
pub mod locations;
pub mod retention;
pub mod scope;
pub mod subscriber;
pub mod sync;
pub mod users;
