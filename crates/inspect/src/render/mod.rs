//! Text printers for what `inspect` found. The JSON form is the same structs serialised, so
//! both always say the same thing; every front-end prints through these.

pub mod capture;
pub mod options;
pub mod table;

pub use table::Table;
