//! One module per documented incident.
pub mod batch;
pub mod booth;
pub mod btob;
pub mod cosminexus;
pub mod penguin;
