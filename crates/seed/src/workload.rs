//! The benchmark workload: a realistic book of work, drawn deterministically from a seed.
//!
//! Pure: the generator is a seeded pseudo-random sequence (SplitMix64), so the same seed, size
//! and index always give the same request, and request `i` can be drawn without drawing the
//! ones before it. Nothing here touches a database; `rapport bench seed` writes the plans.
//!
//! What makes it realistic enough to measure against:
//! - clients are Zipf-skewed (a few large clients file most of the work);
//! - requests age over three years, ids grow with time, and old work is closed while recent
//!   work is still open (about 4% of the book is open);
//! - about three messages per request (inbound first, then replies, notes, follow-ups);
//! - promises on most requests, time entries on worked requests, ratings on delivered work;
//! - text drawn from a vocabulary of a few thousand words with a Zipf frequency, plus fixed
//!   phrases, so full-text search meets common words, rare words and real phrases.

use rapport_core::message::Direction;
use rapport_core::promise::PromiseKind;
use rapport_core::request::{Channel, Kind, Priority, Status};

/// SplitMix64: small, fast, and good enough for a workload.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        self.next_u64() % n
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A Zipf distribution over `0..n`: rank `k` has weight `1 / (k + 1)^s`.
#[derive(Debug, Clone)]
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Self {
        let n = n.max(1);
        let mut cdf = Vec::with_capacity(n);
        let mut sum = 0.0;
        for k in 0..n {
            sum += 1.0 / ((k + 1) as f64).powf(s);
            cdf.push(sum);
        }
        for c in &mut cdf {
            *c /= sum;
        }
        Zipf { cdf }
    }

    pub fn len(&self) -> usize {
        self.cdf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cdf.is_empty()
    }

    pub fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.unit();
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1)
    }
}

/// The words of the book: real words first (the most frequent ranks), then made-up product
/// and system names, so a search for a rare word finds a handful of requests, not half the book.
const WORDS: &[&str] = &[
    "report",
    "export",
    "dashboard",
    "invoice",
    "customer",
    "data",
    "file",
    "update",
    "error",
    "please",
    "monthly",
    "weekly",
    "sales",
    "figures",
    "client",
    "team",
    "account",
    "order",
    "orders",
    "page",
    "login",
    "password",
    "access",
    "email",
    "emails",
    "template",
    "chart",
    "table",
    "column",
    "columns",
    "row",
    "rows",
    "total",
    "totals",
    "missing",
    "wrong",
    "duplicate",
    "duplicates",
    "import",
    "upload",
    "download",
    "csv",
    "spreadsheet",
    "pdf",
    "link",
    "links",
    "mobile",
    "app",
    "website",
    "form",
    "forms",
    "field",
    "fields",
    "date",
    "dates",
    "time",
    "zone",
    "currency",
    "price",
    "prices",
    "discount",
    "stock",
    "warehouse",
    "shipping",
    "delivery",
    "supplier",
    "suppliers",
    "contract",
    "contracts",
    "budget",
    "forecast",
    "quarter",
    "quarterly",
    "annual",
    "audit",
    "compliance",
    "privacy",
    "consent",
    "newsletter",
    "campaign",
    "segment",
    "filter",
    "filters",
    "search",
    "results",
    "slow",
    "timeout",
    "crash",
    "blank",
    "screen",
    "button",
    "menu",
    "logo",
    "colour",
    "font",
    "layout",
    "print",
    "printing",
    "label",
    "labels",
    "barcode",
    "scanner",
    "payroll",
    "holiday",
    "holidays",
    "calendar",
    "meeting",
    "schedule",
    "reminder",
    "reminders",
    "notification",
    "notifications",
    "integration",
    "webhook",
    "api",
    "sync",
    "backup",
    "restore",
    "server",
    "migration",
    "database",
    "query",
    "queries",
    "index",
    "permissions",
    "role",
    "roles",
    "user",
    "users",
    "admin",
    "approval",
    "approvals",
    "workflow",
    "status",
    "ticket",
    "tickets",
    "request",
    "change",
    "changes",
    "feature",
    "bug",
    "question",
    "urgent",
    "asap",
    "tomorrow",
    "today",
    "friday",
    "monday",
    "deadline",
    "board",
    "presentation",
    "slides",
    "summary",
    "breakdown",
    "region",
    "regions",
    "country",
    "countries",
    "branch",
    "branches",
    "store",
    "stores",
    "product",
    "products",
    "catalogue",
    "category",
    "categories",
    "variant",
    "variants",
    "image",
    "images",
    "photo",
    "photos",
    "video",
    "translation",
    "translations",
    "french",
    "german",
    "spanish",
    "hindi",
    "japanese",
    "portuguese",
    "receipt",
    "receipts",
    "refund",
    "refunds",
    "payment",
    "payments",
    "card",
    "bank",
    "transfer",
    "reconciliation",
    "ledger",
    "journal",
    "tax",
    "vat",
    "gst",
    "rounding",
    "decimal",
    "decimals",
    "negative",
    "balance",
    "balances",
    "opening",
    "closing",
    "month",
    "end",
    "year",
    "fiscal",
    "period",
    "periods",
    "retention",
    "churn",
    "cohort",
    "cohorts",
    "funnel",
    "conversion",
    "traffic",
    "visitors",
    "sessions",
    "bounce",
    "attribution",
    "pixel",
    "tracking",
    "cookie",
    "banner",
    "popup",
    "checkout",
    "basket",
    "cart",
    "coupon",
    "voucher",
    "loyalty",
    "points",
    "tier",
    "tiers",
    "subscription",
    "subscriptions",
    "renewal",
    "renewals",
    "trial",
    "cancellation",
    "survey",
    "feedback",
    "score",
    "rating",
    "ratings",
    "review",
    "reviews",
    "complaint",
    "escalation",
    "refund",
    "okra",
    "mango",
    "tea",
    "coffee",
    "spice",
    "spices",
    "textile",
    "cotton",
    "silk",
    "leather",
    "furniture",
    "timber",
    "steel",
    "cement",
    "pharmacy",
    "clinic",
    "patient",
    "patients",
    "appointment",
    "appointments",
    "school",
    "students",
    "grades",
    "attendance",
    "fleet",
    "vehicle",
    "vehicles",
    "route",
    "routes",
    "driver",
    "drivers",
    "fuel",
    "mileage",
    "tyre",
    "tyres",
    "insurance",
    "claim",
    "claims",
    "policy",
    "policies",
    "premium",
    "broker",
    "lease",
    "tenant",
    "tenants",
    "rent",
    "maintenance",
    "repair",
    "repairs",
    "energy",
    "meter",
    "meters",
    "reading",
    "readings",
    "solar",
    "grid",
];

const SYLLABLES: &[&str] = &[
    "ka", "ve", "ri", "lo", "mun", "dra", "zen", "tor", "quil", "ba", "nex", "sol", "vi", "ta",
    "gor", "pel", "rin", "os", "mar", "tek", "lux", "fa", "dor", "ix",
];

/// Fixed phrases: titles are built around them, so a phrase query matches real adjacency.
pub const PHRASES: &[&str] = &[
    "monthly sales report",
    "export to csv",
    "password reset",
    "duplicate orders",
    "missing invoice",
    "dashboard is slow",
    "wrong currency",
    "stock levels",
    "shipping labels",
    "payroll export",
    "vat return",
    "loyalty points",
    "checkout error",
    "time zone",
    "board presentation",
    "churn cohort",
    "supplier contracts",
    "newsletter campaign",
    "mobile app crash",
    "fuel mileage",
    "patient appointments",
    "meter readings",
    "bank reconciliation",
    "product catalogue",
    "translation of the menu",
    "quarterly forecast",
    "refund request",
    "login page",
    "search results",
    "api integration",
];

const OPENERS: &[&str] = &[
    "Hello team",
    "Hi",
    "Good morning",
    "Dear all",
    "Hello again",
    "Quick one",
];

const CLOSERS: &[&str] = &[
    "Thanks a lot.",
    "Many thanks.",
    "Could you look at it this week?",
    "This is blocking our month end.",
    "Not urgent, whenever you can.",
    "We are quite disappointed, this is the third time.",
    "Let me know if you need anything else.",
];

/// Everything a request of the workload is made of, as indices and offsets: the seeder maps
/// indices to the rows it created (clients, contacts, members) and offsets to instants.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestPlan {
    /// Index of the client (Zipf-skewed).
    pub client: usize,
    /// Index of the contact within the client.
    pub contact: usize,
    /// Index of the member who works on it, when anyone does.
    pub assignee: Option<usize>,
    pub kind: Kind,
    pub priority: Priority,
    pub status: Status,
    pub channel: Channel,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    /// Minutes after the start of the workload's history the request came in.
    pub created_min: i64,
    pub estimate_minutes: Option<i64>,
    /// Minutes after creation the work is due, when a date was agreed.
    pub due_after_min: Option<i64>,
    /// Minutes after creation it was delivered (delivered and closed work).
    pub delivered_after_min: Option<i64>,
    /// Minutes after delivery it was closed (closed work).
    pub closed_after_delivery_min: Option<i64>,
    pub messages: Vec<MessagePlan>,
    pub promise: Option<PromisePlan>,
    pub time: Option<TimePlan>,
    pub rating: Option<RatingPlan>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MessagePlan {
    pub direction: Direction,
    /// Minutes after the request was created.
    pub after_min: i64,
    pub body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromiseOutcome {
    Open,
    /// Kept this many minutes before it was due (negative: late but accepted).
    Kept(i64),
    Broken,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PromisePlan {
    pub kind: PromiseKind,
    pub due_after_min: i64,
    pub outcome: PromiseOutcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimePlan {
    pub after_min: i64,
    pub minutes: i64,
    pub billable: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatingPlan {
    pub team: i64,
    pub client: i64,
}

/// The shape of a workload: how many requests over how many clients, and the seed.
#[derive(Debug, Clone)]
pub struct Workload {
    pub seed: u64,
    pub requests: u64,
    pub clients: usize,
    pub members: usize,
    pub contacts_per_client: usize,
    /// How far back the history goes, in minutes.
    pub history_min: i64,
    clients_zipf: Zipf,
    words: Vec<String>,
    words_zipf: Zipf,
}

/// Three years of history.
pub const HISTORY_MIN: i64 = 3 * 365 * 24 * 60;

impl Workload {
    pub fn new(seed: u64, requests: u64, clients: usize) -> Self {
        let clients = clients.max(1);
        let words = vocabulary(seed);
        Workload {
            seed,
            requests,
            clients,
            members: 12,
            contacts_per_client: 3,
            history_min: HISTORY_MIN,
            clients_zipf: Zipf::new(clients, 1.07),
            words_zipf: Zipf::new(words.len(), 1.0),
            words,
        }
    }

    /// The vocabulary text is drawn from, most frequent first.
    pub fn words(&self) -> &[String] {
        &self.words
    }

    fn rng_for(&self, stream: u64, i: u64) -> Rng {
        // Mix the index so neighbouring requests are unrelated.
        let mut r = Rng::new(self.seed ^ stream.wrapping_mul(0xA24B_AED4_963E_E407));
        r.0 = r.0.wrapping_add(i.wrapping_mul(0x9FB2_1C65_1E98_DF25));
        r.next_u64();
        r
    }

    fn word(&self, rng: &mut Rng) -> &str {
        &self.words[self.words_zipf.sample(rng)]
    }

    fn sentence(&self, rng: &mut Rng, words: usize) -> String {
        let mut s = String::new();
        for i in 0..words {
            if i > 0 {
                s.push(' ');
            }
            s.push_str(self.word(rng));
        }
        s.push('.');
        let mut c = s.chars();
        match c.next() {
            Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
            None => s,
        }
    }

    fn paragraph(&self, rng: &mut Rng) -> String {
        let n = 1 + rng.below(3) as usize;
        let mut p = format!("{},", rng.pick(OPENERS));
        for _ in 0..n {
            p.push(' ');
            let len = 6 + rng.below(10) as usize;
            p.push_str(&self.sentence(rng, len));
        }
        p.push(' ');
        p.push_str(rng.pick::<&str>(CLOSERS));
        p
    }

    /// Request `i` of the workload (0-based). Requests grow older as `i` falls: the last one
    /// came in a few minutes before the end of the history.
    pub fn request(&self, i: u64) -> RequestPlan {
        let mut rng = self.rng_for(1, i);
        let n = self.requests.max(1);
        let span = self.history_min as f64;
        let created_min = ((i as f64 + rng.unit()) / n as f64 * span) as i64;
        let age_min = self.history_min - created_min;
        let client = self.clients_zipf.sample(&mut rng);
        let contact = rng.below(self.contacts_per_client as u64) as usize;
        let kind = *rng.pick(&[
            Kind::Feature,
            Kind::Data,
            Kind::Data,
            Kind::Bug,
            Kind::Bug,
            Kind::Question,
            Kind::Question,
            Kind::Complaint,
            Kind::Other,
        ]);
        let priority = *rng.pick(&[
            Priority::Low,
            Priority::Normal,
            Priority::Normal,
            Priority::Normal,
            Priority::High,
            Priority::Urgent,
        ]);
        // Work of the last two weeks is mostly open; older work mostly done.
        let status = if age_min < 14 * 24 * 60 {
            *rng.pick(&[
                Status::New,
                Status::Triaged,
                Status::InProgress,
                Status::InProgress,
                Status::WaitingOnClient,
                Status::Delivered,
                Status::Closed,
            ])
        } else if rng.chance(2) {
            *rng.pick(&[Status::InProgress, Status::WaitingOnClient, Status::Triaged])
        } else if rng.chance(15) {
            Status::Delivered
        } else {
            Status::Closed
        };
        let assignee = (status != Status::New).then(|| rng.below(self.members as u64) as usize);
        let channel = *rng.pick(&[
            Channel::Email,
            Channel::Email,
            Channel::Email,
            Channel::Portal,
            Channel::Api,
        ]);
        let phrase = rng.pick(PHRASES);
        let title = match rng.below(3) {
            0 => format!("{} {}", capitalise(phrase), self.word(&mut rng)),
            1 => format!(
                "{} {} {}",
                capitalise(self.word(&mut rng)),
                phrase,
                self.word(&mut rng)
            ),
            _ => format!("Problem with the {phrase}"),
        };
        let opening = self.paragraph(&mut rng);
        let len = 5 + rng.below(8) as usize;
        let body = format!(
            "{opening}\n\nAbout the {phrase}: {}",
            self.sentence(&mut rng, len)
        );
        let tags: Vec<String> = if rng.chance(40) {
            vec![
                rng.pick(&["billing", "reporting", "urgent", "data-quality", "ui"])
                    .to_string(),
            ]
        } else {
            vec![]
        };
        let estimate_minutes = rng.chance(70).then(|| 30 * (1 + rng.below(16) as i64));
        let due_after_min = rng.chance(50).then(|| 60 * 24 * (2 + rng.below(14) as i64));
        let done = matches!(status, Status::Delivered | Status::Closed);
        let delivered_after_min = done
            .then(|| (60 * (4 + rng.below(24 * 10) as i64)).min(age_min.saturating_sub(1).max(1)));
        let closed_after_delivery_min = (status == Status::Closed).then_some(60 * 24);
        // About three messages a request: 1 (15%), 2 (20%), 3 (30%), 4 (20%), 5 (10%), 6-8 (5%).
        let roll = rng.below(100);
        let count = match roll {
            0..15 => 1,
            15..35 => 2,
            35..65 => 3,
            65..85 => 4,
            85..95 => 5,
            _ => 6 + rng.below(3) as usize,
        };
        let reach = delivered_after_min.unwrap_or(age_min).max(1);
        let mut messages = Vec::with_capacity(count);
        let mut t = 0i64;
        for m in 0..count {
            let direction = if m == 0 {
                Direction::Inbound
            } else if m % 2 == 1 {
                Direction::Outbound
            } else if rng.chance(40) {
                Direction::Note
            } else {
                Direction::Inbound
            };
            if m > 0 {
                t = (t + 5 + rng.below(60 * 24) as i64).min(reach);
            }
            let body = if m == 0 {
                body.clone()
            } else {
                self.paragraph(&mut rng)
            };
            messages.push(MessagePlan {
                direction,
                after_min: t,
                body,
            });
        }
        let promise = rng.chance(60).then(|| {
            let kind = *rng.pick(&[
                PromiseKind::Reply,
                PromiseKind::Delivery,
                PromiseKind::Delivery,
                PromiseKind::Proposal,
                PromiseKind::Call,
            ]);
            let due_after_min = 60 * (8 + rng.below(24 * 7) as i64);
            let outcome = if status.is_open() && due_after_min > age_min {
                PromiseOutcome::Open
            } else if rng.chance(80) {
                PromiseOutcome::Kept(rng.below(60 * 30) as i64 - 60 * 6)
            } else {
                PromiseOutcome::Broken
            };
            PromisePlan {
                kind,
                due_after_min,
                outcome,
            }
        });
        let time = (status != Status::New).then(|| TimePlan {
            after_min: 60.min(age_min.max(1)),
            minutes: 15 * (1 + rng.below(12) as i64),
            billable: rng.chance(85),
        });
        let rating = (done && rng.chance(40)).then(|| {
            let team = 3 + rng.below(3) as i64;
            RatingPlan {
                team,
                client: (team - rng.below(3) as i64).clamp(1, 5),
            }
        });
        RequestPlan {
            client,
            contact,
            assignee,
            kind,
            priority,
            status,
            channel,
            title,
            body,
            tags,
            created_min,
            estimate_minutes,
            due_after_min,
            delivered_after_min,
            closed_after_delivery_min,
            messages,
            promise,
            time,
            rating,
        }
    }

    /// A search query of the kind people type, `i`-th of a deterministic stream: single
    /// terms (common and rare), two-term conjunctions, quoted phrases and prefixes.
    pub fn search_query(&self, i: u64) -> String {
        let mut rng = self.rng_for(2, i);
        match rng.below(4) {
            0 => self.word(&mut rng).to_string(),
            1 => format!("{} {}", self.word(&mut rng), self.word(&mut rng)),
            2 => format!("\"{}\"", rng.pick(PHRASES)),
            _ => {
                let w = self.word(&mut rng);
                let cut = w.char_indices().nth(3).map_or(w.len(), |(b, _)| b);
                format!("{}*", &w[..cut])
            }
        }
    }

    /// A new request for the intake scenario (title and body only; the client is the caller's).
    pub fn intake(&self, i: u64) -> (usize, String, String) {
        let p = self.request(i);
        (p.client, p.title, p.body)
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Real words, then about four thousand made-up names from syllables (deterministic per seed).
fn vocabulary(seed: u64) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut words: Vec<String> = Vec::new();
    for w in WORDS {
        if seen.insert(w.to_string()) {
            words.push(w.to_string());
        }
    }
    let mut rng = Rng::new(seed ^ 0x7777);
    let target = words.len() + 4000;
    while words.len() < target {
        let n = 2 + rng.below(3);
        let mut w = String::new();
        for _ in 0..n {
            w.push_str(rng.pick::<&str>(SYLLABLES));
        }
        if seen.insert(w.clone()) {
            words.push(w);
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_request_different_seed_different_request() {
        let a = Workload::new(7, 1000, 50);
        let b = Workload::new(7, 1000, 50);
        let c = Workload::new(8, 1000, 50);
        for i in [0, 1, 500, 999] {
            assert_eq!(a.request(i), b.request(i));
        }
        assert_ne!(a.request(3).body, c.request(3).body);
        assert_ne!(a.request(3).body, a.request(4).body);
        assert_eq!(a.search_query(12), b.search_query(12));
    }

    #[test]
    fn clients_are_skewed() {
        let w = Workload::new(1, 20_000, 100);
        let mut per = vec![0u32; 100];
        for i in 0..20_000 {
            per[w.request(i).client] += 1;
        }
        // The biggest client files far more than the median one, and every index is in range.
        let mut sorted = per.clone();
        sorted.sort_unstable();
        assert!(
            per[0] > 10 * sorted[50],
            "top {} median {}",
            per[0],
            sorted[50]
        );
        assert!(per[0] > per[10] && per[10] > per[90]);
    }

    #[test]
    fn about_three_messages_a_request_inbound_first_in_time_order() {
        let w = Workload::new(2, 5_000, 20);
        let mut total = 0usize;
        for i in 0..5_000 {
            let p = w.request(i);
            assert_eq!(p.messages[0].direction, Direction::Inbound);
            assert_eq!(p.messages[0].body, p.body);
            assert!(
                p.messages
                    .windows(2)
                    .all(|m| m[0].after_min <= m[1].after_min)
            );
            total += p.messages.len();
        }
        let mean = total as f64 / 5_000.0;
        assert!((2.7..3.3).contains(&mean), "mean {mean}");
    }

    #[test]
    fn recent_work_is_open_old_work_is_done_and_dates_fit() {
        let n = 50_000;
        let w = Workload::new(3, n, 200);
        let mut open = 0;
        let mut last = -1;
        for i in 0..n {
            let p = w.request(i);
            assert!(p.created_min >= last, "ids grow with time");
            last = p.created_min;
            assert!(p.created_min <= w.history_min);
            if p.status.is_open() {
                open += 1;
            }
            if let Some(d) = p.delivered_after_min {
                assert!(
                    p.created_min + d <= w.history_min,
                    "delivered in the future"
                );
                assert!(p.messages.iter().all(|m| m.after_min <= d.max(1)));
            }
            assert_eq!(p.assignee.is_none(), p.status == Status::New);
            assert_eq!(
                p.rating.is_some() && !p.status.is_open(),
                p.rating.is_some()
            );
        }
        let share = open as f64 / n as f64;
        assert!((0.02..0.08).contains(&share), "open share {share}");
        // The newest request is younger than two weeks, the oldest almost three years old.
        assert!(w.request(n - 1).created_min > w.history_min - 14 * 24 * 60);
        assert!(w.request(0).created_min < 24 * 60);
    }

    #[test]
    fn vocabulary_is_varied_and_text_uses_it() {
        let w = Workload::new(4, 10_000, 10);
        assert!(w.words().len() > 4000);
        let mut used = std::collections::HashSet::new();
        for i in 0..10_000 {
            for t in w.request(i).body.split(|c: char| !c.is_alphanumeric()) {
                used.insert(t.to_lowercase());
            }
        }
        // Thousands of distinct words: rare words exist for search to find.
        assert!(used.len() > 2500, "{} distinct words", used.len());
    }

    #[test]
    fn search_queries_mix_terms_phrases_and_prefixes() {
        let w = Workload::new(5, 100, 10);
        let qs: Vec<String> = (0..200).map(|i| w.search_query(i)).collect();
        assert!(qs.iter().any(|q| q.starts_with('"') && q.ends_with('"')));
        assert!(qs.iter().any(|q| q.ends_with('*') && q.len() >= 3));
        assert!(qs.iter().any(|q| q.contains(' ') && !q.starts_with('"')));
        assert!(
            qs.iter()
                .any(|q| !q.contains(' ') && !q.ends_with('*') && !q.starts_with('"'))
        );
        // Phrases come from titles: a phrase query has something to match.
        let p = w.request(0);
        assert!(PHRASES.iter().any(|ph| p.title.to_lowercase().contains(ph)));
    }

    #[test]
    fn zipf_samples_are_in_range_and_rank_ordered() {
        let z = Zipf::new(10, 1.0);
        let mut r = Rng::new(9);
        let mut c = [0u32; 10];
        for _ in 0..100_000 {
            c[z.sample(&mut r)] += 1;
        }
        assert!(c[0] > c[1] && c[1] > c[4] && c[4] > c[9]);
        // Rank 1 has half the weight of rank 0.
        let ratio = c[0] as f64 / c[1] as f64;
        assert!((1.8..2.2).contains(&ratio), "ratio {ratio}");
    }
}
