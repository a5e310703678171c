//! Workshop recruitment ("appel à personnes"): volunteers answer a qualification
//! questionnaire on a campaign, operators draw a fair panel under diversity quotas, invite it,
//! manage confirmations and the waitlist, record attendance, and the profiles are purged when
//! the retention period ends.

pub mod applications;
pub mod assignment;
pub mod calendar;
pub mod criteria;
pub mod invitations;
pub mod pages;
pub mod queries;
pub mod retention;
pub mod selection;
