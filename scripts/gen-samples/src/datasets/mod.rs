//! One module per documented incident.
pub mod btob;
