//! Dates as the administrator reads them: in its own time zone.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

pub fn parse_tz(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

pub fn datetime(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

pub fn date(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_zone() {
        let at: DateTime<Utc> = "2026-11-26T23:30:00Z".parse().unwrap();
        assert_eq!(datetime(at, parse_tz("Europe/Moscow")), "2026-11-27 02:30");
        assert_eq!(datetime(at, parse_tz("nonsense")), "2026-11-26 23:30");
    }
}
