//! Hosts the whole channel on one machine.
pub mod sandbox;
