//! Money in integer minor units with a currency. Never floats: a rate of 150.00 EUR is
//! `15000` minor units of `EUR`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// ISO 4217 codes we accept, with their minor-unit exponent.
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2),
    ("ARS", 2),
    ("AUD", 2),
    ("BRL", 2),
    ("CAD", 2),
    ("CHF", 2),
    ("CLP", 0),
    ("CNY", 2),
    ("COP", 2),
    ("CZK", 2),
    ("DKK", 2),
    ("EGP", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("HKD", 2),
    ("HUF", 2),
    ("IDR", 2),
    ("ILS", 2),
    ("INR", 2),
    ("ISK", 0),
    ("JPY", 0),
    ("KES", 2),
    ("KRW", 0),
    ("KWD", 3),
    ("MXN", 2),
    ("MYR", 2),
    ("NGN", 2),
    ("NOK", 2),
    ("NZD", 2),
    ("PHP", 2),
    ("PKR", 2),
    ("PLN", 2),
    ("QAR", 2),
    ("RON", 2),
    ("SAR", 2),
    ("SEK", 2),
    ("SGD", 2),
    ("THB", 2),
    ("TRY", 2),
    ("TWD", 2),
    ("UAH", 2),
    ("USD", 2),
    ("VND", 0),
    ("ZAR", 2),
];

/// A currency code from the supported ISO 4217 list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("{0:?} is not a supported ISO 4217 currency code (e.g. EUR, USD, GBP)")]
    UnknownCurrency(String),
    #[error("amount overflows")]
    Overflow,
    #[error("amount must not be negative")]
    Negative,
}

impl Currency {
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let upper = code.trim().to_ascii_uppercase();
        if CURRENCIES.iter().any(|(c, _)| *c == upper) {
            Ok(Currency(upper))
        } else {
            Err(MoneyError::UnknownCurrency(code.to_string()))
        }
    }

    pub fn code(&self) -> &str {
        &self.0
    }

    /// Digits after the decimal point (2 for EUR, 0 for JPY, 3 for KWD).
    pub fn exponent(&self) -> u8 {
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == self.0)
            .map(|(_, e)| *e)
            .unwrap_or(2)
    }

    /// Render minor units for humans: `150000` EUR -> `1500.00 EUR`.
    pub fn format(&self, minor: i64) -> String {
        let exp = u32::from(self.exponent());
        if exp == 0 {
            return format!("{minor} {}", self.0);
        }
        let div = 10i64.pow(exp);
        let sign = if minor < 0 { "-" } else { "" };
        let abs = minor.unsigned_abs();
        format!(
            "{sign}{}.{:0width$} {}",
            abs / div as u64,
            abs % div as u64,
            self.0,
            width = exp as usize
        )
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Currency::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The largest amount we accept anywhere: 10^13 minor units (100 billion in a 2-digit currency).
/// Anything above is a typo, and staying far below i64::MAX keeps sums overflow-free.
pub const MAX_MINOR: i64 = 10_000_000_000_000;

/// Price of `minutes` of work at `rate_minor` per hour, rounded half up to the minor unit.
pub fn price_for_minutes(rate_minor_per_hour: i64, minutes: i64) -> Result<i64, MoneyError> {
    if rate_minor_per_hour < 0 || minutes < 0 {
        return Err(MoneyError::Negative);
    }
    let product = i128::from(rate_minor_per_hour) * i128::from(minutes);
    let price = (product + 30) / 60;
    let price = i64::try_from(price).map_err(|_| MoneyError::Overflow)?;
    if price > MAX_MINOR {
        return Err(MoneyError::Overflow);
    }
    Ok(price)
}

/// Validate a stored or submitted amount: not negative, not absurd.
pub fn amount(minor: i64) -> Result<i64, String> {
    if minor < 0 {
        Err("must not be negative".into())
    } else if minor > MAX_MINOR {
        Err(format!("must be at most {MAX_MINOR} minor units"))
    } else {
        Ok(minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn currencies() {
        assert_eq!(Currency::parse("eur").unwrap().code(), "EUR");
        assert_eq!(Currency::parse("JPY").unwrap().exponent(), 0);
        assert!(matches!(
            Currency::parse("XXX"),
            Err(MoneyError::UnknownCurrency(_))
        ));
    }

    #[test]
    fn formatting() {
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(eur.format(150_000), "1500.00 EUR");
        assert_eq!(eur.format(5), "0.05 EUR");
        assert_eq!(eur.format(-1234), "-12.34 EUR");
        assert_eq!(Currency::parse("JPY").unwrap().format(1200), "1200 JPY");
        assert_eq!(Currency::parse("KWD").unwrap().format(1005), "1.005 KWD");
    }

    #[test]
    fn pricing_rounds_half_up() {
        // 150.00/h for 90 minutes = 225.00
        assert_eq!(price_for_minutes(15_000, 90).unwrap(), 22_500);
        // 100.00/h for 1 minute = 1.6666.. -> 1.67
        assert_eq!(price_for_minutes(10_000, 1).unwrap(), 167);
        assert_eq!(price_for_minutes(1, 30).unwrap(), 1); // 0.5 rounds up
        assert_eq!(price_for_minutes(1, 29).unwrap(), 0);
        assert!(price_for_minutes(-1, 10).is_err());
        assert!(matches!(
            price_for_minutes(MAX_MINOR, 600),
            Err(MoneyError::Overflow)
        ));
    }

    proptest! {
        #[test]
        fn price_is_monotonic_in_minutes(rate in 0i64..1_000_000, m in 0i64..100_000) {
            let a = price_for_minutes(rate, m).unwrap();
            let b = price_for_minutes(rate, m + 1).unwrap();
            prop_assert!(b >= a);
        }

        #[test]
        fn whole_hours_are_exact(rate in 0i64..1_000_000, h in 0i64..1000) {
            prop_assert_eq!(price_for_minutes(rate, h * 60).unwrap(), rate * h);
        }
    }
}
