//! One rule per question, each with its tests beside it. Front-ends and services ask these;
//! none of them decides the same question again.

pub mod agreement;
pub mod destination;
pub mod input;
pub mod rogue;
