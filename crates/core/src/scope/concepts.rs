//! Business concepts and the names clients use for their instances: "Salesforce" is a
//! third-party integration, a "focus group" is primary research, a "TikTok" is video production,
//! a "pitch deck" is sales collateral, a "basket" is the cart. Joined to the alias table, so a
//! request word reaches the brief's word for the concept and the evidence names both:
//! "integrations (salesforce)".
//!
//! Written by hand from general agency vocabulary (products, channels, research methods, the
//! everyday words for shop and booking parts), not from any one brief. Each group is
//! (the concept's words as briefs write them, the words and two-word phrases clients write).
//! Words here are lowercase and matched as written, not stemmed.

pub(super) const CONCEPTS: &[(&[&str], &[&str])] = &[
    // Products a brief means by "third-party integrations" or "connectors".
    (
        &["integrations", "integration", "connector"],
        &[
            "salesforce",
            "hubspot",
            "xero",
            "quickbooks",
            "sage",
            "netsuite",
            "sap",
            "dynamics",
            "pipedrive",
            "zoho",
            "mailchimp",
            "klaviyo",
            "zapier",
            "slack",
            "cliniko",
            "square",
            "shopify",
            "woocommerce",
            "magento",
            "zendesk",
            "intercom",
            "erp",
            "crm",
            "sync",
            "synced",
            "syncing",
            "connect",
            "connected",
        ],
    ),
    (
        &["primary", "qualitative"],
        &[
            "focus group",
            "focus groups",
            "ethnography",
            "diary study",
            "in-depth",
        ],
    ),
    (
        &["primary", "quantitative"],
        &[
            "survey",
            "surveys",
            "questionnaire",
            "questionnaires",
            "poll",
            "polling",
            "a/b",
            "ab test",
            "respondents",
        ],
    ),
    (
        &["video"],
        &[
            "tiktok",
            "tiktoks",
            "reel",
            "reels",
            "film",
            "filming",
            "footage",
            "clip",
            "clips",
            "youtube",
            "vlog",
            "animation",
            "animated",
            "shorts",
        ],
    ),
    (
        &["collateral", "print"],
        &[
            "pitch deck",
            "sales deck",
            "brochure",
            "brochures",
            "one-pager",
            "one-page",
            "leaflet",
            "leaflets",
            "flyer",
            "flyers",
            "datasheet",
            "datasheets",
            "menu boards",
            "poster",
            "posters",
            "business cards",
            "case study",
            "case studies",
        ],
    ),
    (
        &["advertising", "paid", "promotion"],
        &[
            "boost",
            "boosted",
            "boosting",
            "facebook ad",
            "google ads",
            "ad spend",
            "sponsored",
        ],
    ),
    (
        &["community", "replying", "messages", "comments"],
        &["dms", "dm", "inbox", "reply", "respond", "responding"],
    ),
    (
        &["copywriting", "copy"],
        &["words for", "wording", "write the text", "text for"],
    ),
    (
        &["seo"],
        &[
            "google ranking",
            "ranking",
            "rank",
            "search engine",
            "search results",
            "keywords",
        ],
    ),
    (
        &["forecasting", "predictive", "machine"],
        &[
            "predict",
            "prediction",
            "predictions",
            "projection",
            "projections",
            "ai",
            "likely to",
        ],
    ),
    (
        &["pr", "media"],
        &["press release", "press", "journalists", "trade media"],
    ),
    (
        &["training"],
        &[
            "coach",
            "coaching",
            "teach",
            "teaching",
            "course",
            "onboard",
            "onboarding",
        ],
    ),
    (
        &["software", "selecting", "implementing"],
        &[
            "wms",
            "vendor selection",
            "which system",
            "which software",
            "set it up",
        ],
    ),
    (
        &["hiring", "recruitment"],
        &["hire", "recruit", "recruiting", "headhunt"],
    ),
    (&["brand", "logo", "identity"], &["rebrand", "rebranding"]),
    (
        &["implementation", "programme"],
        &["roll out", "rollout", "rolls", "project team"],
    ),
    (
        &["presenting", "board", "tenants"],
        &["residents", "tenant", "shareholders"],
    ),
    (
        &["design", "redesign"],
        &["mockups", "mock-ups", "wireframes", "new versions", "draw"],
    ),
    // Everyday names for parts of a shop, a booking system, a report, a data pipeline.
    (&["cart"], &["basket", "bag"]),
    (
        &["checkout", "payment"],
        &["pay", "buy", "card screen", "till"],
    ),
    (
        &["booking", "appointment"],
        &["book", "slots", "slot", "reservation"],
    ),
    (&["workshop"], &["session", "sessions"]),
    (
        &["call", "check-in"],
        &["catch-up", "catchup", "meeting", "speak"],
    ),
    (
        &["newsletter", "email"],
        &["mailing", "mailout", "mailshot"],
    ),
    (&["blog", "posts"], &["article", "articles"]),
    (&["graphics"], &["images", "pictures", "visuals"]),
    (&["competitors"], &["brands", "rivals", "competition"]),
    (&["market", "size"], &["spend", "how big"]),
    (
        &["debtors"],
        &["owes", "owed", "late payers", "receivables"],
    ),
    (
        &["pipeline", "etl"],
        &["load", "refresh", "figures didn't update"],
    ),
    (&["recommendations", "report"], &["findings", "in writing"]),
    (
        &["defects", "fixing"],
        &["typo", "spelling mistake", "broken", "bug", "error"],
    ),
    (
        &["applicants", "interviews"],
        &["participants", "speak with", "talking to"],
    ),
];
