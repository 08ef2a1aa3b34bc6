//! One `gomodfetch download` run (in progress: issue 4): which modules, in what order,
//! how many at once; de-duplicated fetches; verification before publication.

pub mod bridge;
pub mod once;
