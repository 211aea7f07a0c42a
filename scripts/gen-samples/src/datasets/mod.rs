//! One module per documented incident.
pub mod btob;
pub mod penguin;
