//! How long the platform keeps the personal data it holds for its own workings: sign-in
//! requests and the mail it sent. The retention job (`accounts::retention`) erases them after
//! these periods, and the personal data page (`rules`) states the same numbers, so the page
//! cannot promise what the platform does not do.

use serde::Serialize;

/// Default days a sign-in request (address, date) is kept: the rate limit needs one hour, a
/// month leaves time to answer "did someone ask for a link to my address?".
pub const DEFAULT_SIGN_IN_DAYS: u32 = 30;
/// Default days the text of a sent mail is kept: long enough to answer a question about it.
pub const DEFAULT_MAIL_BODY_DAYS: u32 = 30;
/// Default days the record of a mail (address, subject, outcome) is kept: a year of delivery
/// history for the consoles.
pub const DEFAULT_MAIL_LOG_DAYS: u32 = 365;

/// The retention periods, in days (`ECOUTE_RETENTION_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Retention {
    /// Sign-in requests are erased this many days after they were made.
    pub sign_in_days: u32,
    /// The text and attachment of a mail are erased this many days after it was queued, once
    /// it is no longer waiting to go.
    pub mail_body_days: u32,
    /// What is left of a mail (address, subject, outcome, attempts) is erased this many days
    /// after it was queued, once it is no longer waiting to go.
    pub mail_log_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention {
            sign_in_days: DEFAULT_SIGN_IN_DAYS,
            mail_body_days: DEFAULT_MAIL_BODY_DAYS,
            mail_log_days: DEFAULT_MAIL_LOG_DAYS,
        }
    }
}

impl Retention {
    /// Checks the periods: at least a day each, and a mail's text never outliving its record.
    pub fn checked(self) -> anyhow::Result<Self> {
        for (name, days) in [
            ("ECOUTE_RETENTION_SIGN_IN_DAYS", self.sign_in_days),
            ("ECOUTE_RETENTION_MAIL_BODY_DAYS", self.mail_body_days),
            ("ECOUTE_RETENTION_MAIL_LOG_DAYS", self.mail_log_days),
        ] {
            if !(1..=3650).contains(&days) {
                anyhow::bail!("{name} must be between 1 and 3650 days, got {days}");
            }
        }
        if self.mail_body_days > self.mail_log_days {
            anyhow::bail!(
                "ECOUTE_RETENTION_MAIL_BODY_DAYS ({}) must not exceed ECOUTE_RETENTION_MAIL_LOG_DAYS ({})",
                self.mail_body_days,
                self.mail_log_days
            );
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_checked() {
        assert!(Retention::default().checked().is_ok());
        let zero = Retention {
            sign_in_days: 0,
            ..Retention::default()
        };
        assert!(zero.checked().unwrap_err().to_string().contains("SIGN_IN_DAYS"));
        let body_longer = Retention {
            mail_body_days: 400,
            ..Retention::default()
        };
        assert!(body_longer.checked().is_err());
    }
}
