//! `rapport calendar add|between`: business-time arithmetic for scripts and for checking.

use clap::{Args, Subcommand};
use jiff::Timestamp;
use rapport_core::calendar::{Calendar, CalendarError, CalendarPart, CalendarSpec};
use serde_json::json;

use crate::failure::{CmdResult, Failure, print_json};

#[derive(Debug, Args)]
pub struct CalendarArgs {
    #[command(subcommand)]
    verb: Verb,
}

#[derive(Debug, Subcommand)]
enum Verb {
    /// Print the instant N business minutes after --start (RFC 3339, with the zone's offset).
    ///
    /// A start outside business hours counts from the next opening.
    Add {
        /// The instant to count from, RFC 3339 (e.g. 2026-03-06T16:30:00Z).
        #[arg(long)]
        start: String,
        /// Business minutes to add: more than 0, at most ten years of the calendar's hours.
        #[arg(long, allow_negative_numbers = true)]
        minutes: i64,
        #[command(flatten)]
        calendar: CalendarFlags,
        /// Print the deadline, the minutes and the calendar used as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print the whole business minutes from --from to --to (negative when --to is earlier).
    Between {
        /// RFC 3339 instant, e.g. 2026-03-06T16:30:00Z.
        #[arg(long)]
        from: String,
        /// RFC 3339 instant, e.g. 2026-03-09T12:30:00-04:00.
        #[arg(long)]
        to: String,
        #[command(flatten)]
        calendar: CalendarFlags,
        /// Print the minutes, both instants and the calendar used as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
struct CalendarFlags {
    /// IANA time zone of the calendar, e.g. America/New_York.
    #[arg(long)]
    tz: String,
    /// Weekly hours "<days> HH:MM-HH:MM[,HH:MM-HH:MM…]", e.g. "mon-fri 09:00-17:00"; repeatable.
    #[arg(long = "hours", value_name = "SPEC")]
    hours: Vec<String>,
    /// A holiday as YYYY-MM-DD; repeatable.
    #[arg(long = "holiday", value_name = "DATE")]
    holidays: Vec<String>,
    /// A country whose public holidays apply (AU CA DE FR GB IN JP NL SG US); repeatable.
    #[arg(long = "country", value_name = "CODE")]
    countries: Vec<String>,
}

impl CalendarFlags {
    fn compile(self) -> Result<(CalendarSpec, Calendar), Failure> {
        let spec = CalendarSpec {
            tz: self.tz,
            hours: self.hours,
            holidays: self.holidays,
            countries: self.countries,
        };
        let calendar = spec.compile().map_err(usage)?;
        Ok((spec, calendar))
    }
}

pub fn run(args: CalendarArgs) -> CmdResult {
    match args.verb {
        Verb::Add {
            start,
            minutes,
            calendar,
            json,
        } => {
            let start = instant("--start", &start)?;
            let (spec, calendar) = calendar.compile()?;
            let deadline = calendar
                .add_business_minutes(start, minutes)
                .map_err(usage)?;
            let deadline = local(&calendar, deadline);
            if json {
                print_json(&json!({
                    "deadline": deadline,
                    "start": local(&calendar, start),
                    "minutes": minutes,
                    "calendar": spec,
                }))
            } else {
                println!("{deadline}");
                Ok(())
            }
        }
        Verb::Between {
            from,
            to,
            calendar,
            json,
        } => {
            let from = instant("--from", &from)?;
            let to = instant("--to", &to)?;
            let (spec, calendar) = calendar.compile()?;
            let minutes = calendar.business_minutes_between(from, to);
            if json {
                print_json(&json!({
                    "minutes": minutes,
                    "from": local(&calendar, from),
                    "to": local(&calendar, to),
                    "calendar": spec,
                }))
            } else {
                println!("{minutes}");
                Ok(())
            }
        }
    }
}

fn instant(flag: &str, value: &str) -> Result<Timestamp, Failure> {
    value.parse().map_err(|err| {
        Failure::Usage(format!(
            "{flag} {value:?}: expected an RFC 3339 instant such as 2026-03-06T16:30:00Z ({err})"
        ))
    })
}

/// RFC 3339 with the offset the calendar's zone has at that instant.
fn local(calendar: &Calendar, t: Timestamp) -> String {
    t.display_with_offset(calendar.zone().to_offset(t))
        .to_string()
}

fn usage(err: CalendarError) -> Failure {
    let flag = match err.part() {
        CalendarPart::Zone => "--tz: ",
        CalendarPart::Hours => "--hours: ",
        CalendarPart::Holidays => "--holiday: ",
        CalendarPart::Countries => "--country: ",
        CalendarPart::Minutes => "--minutes: ",
        CalendarPart::Instant => "",
    };
    Failure::Usage(format!("{flag}{err}"))
}
