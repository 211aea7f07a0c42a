//! One module per documented incident.
pub mod booth;
pub mod btob;
pub mod penguin;
pub mod batch;
pub mod cosminexus;
