//! Built-in phrase lists of the etiquette lint. Phrases are matched folded (case, apostrophes
//! and spacing ignored) and as whole words.

/// Defensive phrasing in a reply to a complaint, each with what to do instead.
pub(super) const DEFENSIVE: &[(&str, &str)] = &[
    ("we pride ourselves", PRIDE),
    ("as per the contract", CONTRACT),
    ("as per our contract", CONTRACT),
    ("per the contract", CONTRACT),
    ("according to the contract", CONTRACT),
    ("as per our agreement", CONTRACT),
    ("you failed to", BLAME),
    ("you should have", BLAME),
    ("if you had read", BLAME),
    ("if you had followed", BLAME),
    ("if you had checked", BLAME),
    ("you were told", BLAME),
    ("you misunderstood", BLAME),
    ("clearly you", BLAME),
    ("obviously you", BLAME),
    ("unfortunately you", BLAME),
    ("that is not our fault", FAULT),
    ("that's not our fault", FAULT),
    ("this is not our fault", FAULT),
    ("it is not our fault", FAULT),
    ("it's not our fault", FAULT),
    ("not our fault", FAULT),
    ("we did nothing wrong", FAULT),
    ("we cannot be held responsible", FAULT),
    ("we can't be held responsible", FAULT),
    ("it is not our responsibility", FAULT),
    ("it's not our responsibility", FAULT),
    ("not our responsibility", FAULT),
    ("not our problem", FAULT),
    ("as i already said", REPEAT),
    ("as i have already said", REPEAT),
    ("as i've already said", REPEAT),
    ("as i said before", REPEAT),
    ("as i mentioned before", REPEAT),
    ("as i already mentioned", REPEAT),
    ("as already mentioned", REPEAT),
    ("as previously mentioned", REPEAT),
    ("as previously stated", REPEAT),
    ("as stated previously", REPEAT),
    ("as stated before", REPEAT),
    ("as i have explained", REPEAT),
    ("per my last email", REPEAT),
    ("per my previous email", REPEAT),
    ("per my last message", REPEAT),
    ("as i said", REPEAT),
    // Apologies for the client's feelings or for a maybe, not for what happened. They begin
    // with an acknowledgement word on purpose: the longer phrase wins, so "sorry you feel that
    // way" is not taken for an apology.
    ("sorry you feel", NON_APOLOGY),
    ("sorry that you feel", NON_APOLOGY),
    ("sorry if you", NON_APOLOGY),
    ("sorry if anyone", NON_APOLOGY),
    ("sorry if this", NON_APOLOGY),
    ("sorry if that", NON_APOLOGY),
    ("sorry if there", NON_APOLOGY),
    ("apologies if you", NON_APOLOGY),
    ("apologies if this", NON_APOLOGY),
    ("apologise if you", NON_APOLOGY),
    ("apologize if you", NON_APOLOGY),
    ("to be fair", DISMISS),
    ("with all due respect", DISMISS),
    ("you need to understand", DISMISS),
    ("you must understand", DISMISS),
    ("calm down", DISMISS),
    ("no one else has complained", DISMISS),
    ("nobody else has complained", DISMISS),
    ("our records show", DISMISS),
];

const PRIDE: &str = "say what you will do for them now rather than what you are proud of";
const CONTRACT: &str = "say \"as we agreed\" and explain the point in plain words";
const BLAME: &str =
    "describe what happened without blame, e.g. \"it looks like the file did not reach us\"";
const FAULT: &str = "leave blame out and say what you will do to put it right";
const REPEAT: &str = "restate the point plainly, without pointing back at earlier messages";
const DISMISS: &str = "remove it and acknowledge how they feel instead";
const NON_APOLOGY: &str =
    "apologise for what happened, not for how they feel: e.g. \"I am sorry the report was late.\"";

/// Thanks, apology or acknowledgement: a reply to a complaint needs one of these.
pub(super) const ACKNOWLEDGEMENTS: &[&str] = &[
    "thank you",
    "thank-you",
    "thanks",
    "sorry",
    "apologise",
    "apologize",
    "apologised",
    "apologized",
    "apologies",
    "apology",
    "i understand",
    "we understand",
    "i can understand",
    "understandably",
    "i appreciate",
    "we appreciate",
    "grateful",
    "you're right",
    "you are right",
    "you're absolutely right",
    "you are absolutely right",
    "i hear you",
    "i can see why",
    "i can imagine",
    "we regret",
    "i regret",
    "that must have been",
];

/// Requests that ask a question without a question mark.
pub(super) const QUESTIONS: &[&str] = &[
    "could you",
    "would you",
    "can you",
    "would it be possible",
    "let me know",
    "let us know",
    "please tell",
    "please share",
    "please send",
    "tell me more",
    "tell us more",
];

/// Openings of a salutation line, longest first. Folded (lower-case ASCII).
pub(super) const GREETINGS: &[&str] = &[
    "good afternoon",
    "good morning",
    "good evening",
    "greetings",
    "hello",
    "dear",
    "hey",
    "hi",
];

/// Whom a salutation may address without naming anyone ("Hi all", "Dear team").
pub(super) const GENERIC_ADDRESSEES: &[&str] = &[
    "all",
    "team",
    "everyone",
    "everybody",
    "there",
    "folks",
    "both",
    "colleagues",
    "friends",
    "you all",
    "y'all",
];

/// Titles that may precede a name in a salutation. Folded, without a trailing full stop.
pub(super) const TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "madam",
    "madame",
    "lord",
    "lady",
    "rev",
    "reverend",
    "fr",
    "herr",
    "frau",
    "mme",
    "mlle",
];

/// Words that make an avoided phrase a form of address, so the preferred form can be offered
/// in its place. Folded.
pub(super) const ADDRESS_WORDS: &[&str] = &[
    "sir",
    "sirs",
    "madam",
    "madame",
    "ma'am",
    "maam",
    "mr",
    "mrs",
    "miss",
    "ms",
    "mx",
    "dr",
    "dear",
    "whom",
    "mate",
    "buddy",
    "dude",
    "guys",
    "love",
    "darling",
    "hun",
    "sweetie",
    "pal",
    "chief",
    "boss",
    "gentlemen",
    "ladies",
    "lads",
];
