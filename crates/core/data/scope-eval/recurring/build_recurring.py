#!/usr/bin/env python3
"""Authoring source of the RECURRING-requests evaluation set.

Eight client engagements, each with a written brief, and the requests each client sent over the
months, in the order they arrived. Run `python3 build_recurring.py` in this folder to rewrite
`recurring.jsonl` (and print counts).

Each request is (category, ref, title, body, expected):

* first         — the first time a kind of ask appears in the engagement, when a later request
                  of the engagement recurs to it (ref None)
* recur-same    — the same kind of ask as an earlier request of the SAME engagement (ref = its
                  number), in other words, and it gets the same decision
* recur-differs — looks like an earlier ask of the same engagement (ref = its number), but
                  something material differs (a stated quantity is now exceeded, a new deliverable
                  rather than a repeat, a different system), so the earlier decision does not apply
* cross-client  — looks like an ask ANOTHER engagement already had decided (ref = that case's id);
                  decided on this engagement's own brief
* fresh         — none of the above: a kind of ask that does not come back in this engagement,
                  or a message that asks for no work (ref None)

`ref` is used only by the checks below; it is not written to the JSONL.

Order: within an engagement, requests are numbered in arrival order. In the JSONL the engagements
are interleaved round-robin (request 1 of every engagement, then request 2 of every engagement,
...) like one shared inbox, so every earlier request of an engagement precedes its later ones and
every `cross-client` case follows the other engagement's case it resembles (checked below).

Labels follow ../README.md ("How the labels were written"), decided as a careful account manager
who has the brief and remembers this engagement's earlier decisions. Judgement calls, whose first
decision is not what an item's words alone suggest, are marked "JUDGEMENT:" with the sentence of
the brief that settles them; nothing outside the brief is assumed.
"""
import json
import pathlib

I, O, U = "in", "out", "unclear"
CATEGORIES = {"first", "recur-same", "recur-differs", "cross-client", "fresh"}
FIELDS = ["id", "domain", "category", "brief", "title", "body", "expected"]


def item(id_, kind, text):
    return {"id": id_, "kind": kind, "text": text}


ENGAGEMENTS = []


def engagement(bid, domain, text, items, requests):
    ENGAGEMENTS.append((bid, domain, {"text": text, "items": items}, requests))


# ============================================================== 1. software: shop retainer
engagement(
    "cellar-club", "software",
    "Ongoing care of Cellar Door's existing Shopify wine-club shop: fixes, small changes and "
    "monthly updates. The nightly export of new members to the club's existing HubSpot CRM was "
    "agreed at kickoff as part of the shop and is covered by this retainer.",
    [
        item("fixes", "in", "Fixing defects in the existing shop, theme and checkout"),
        item("small-changes", "in", "Small content and layout changes to existing pages, up to 8 hours a month"),
        item("updates", "in", "Monthly app and theme updates, with a short written note of what changed"),
        item("club-box", "in", "The monthly club-box subscription flow (sign-up, pause, skip a month, cancel)"),
        item("integrations", "out", "Third-party integrations and new apps"),
        item("new-features", "out", "New features, new page types or a redesign"),
        item("content", "out", "Product photography and copywriting"),
    ],
    [
        # 01
        ("first", None, "checkout spinning",
         "Hi team, a couple of members say checkout just spins forever after they put their card "
         "in. Mostly on mobile?? can you look", I),
        # 02 JUDGEMENT: "Third-party integrations" is out, but the brief text says the nightly
        # HubSpot export was agreed at kickoff as part of the shop and is covered.
        ("first", None, "hubspot missing new members",
         "Morning - Sarah noticed the people who joined over the weekend aren't in HubSpot. Is the "
         "nightly thing broken?", I),
        # 03
        ("first", None, "change banner text",
         "can we swap the homepage banner wording to 'Autumn reds are here' and use the attached "
         "pic instead. thx", I),
        # 04
        ("first", None, "Gift memberships?",
         "Would be great to sell gift memberships, so someone buys 3 months of boxes for a friend. "
         "Can you build that for us?", O),
        # 05
        ("first", None, "Pause option",
         "A member says she can't find where to pause her box for August. Is pausing actually "
         "working on the site?", I),
        # 06
        ("recur-same", 1, "payment page stuck again",
         "Same as before I think. iPhone users getting stuck on the payment step, the Pay button "
         "greys out and nothing happens. Lost 4 orders yesterday :(", I),
        # 07
        ("first", None, "new wines",
         "We've got 14 new wines landing next week. Could your team write the tasting notes and "
         "take some bottle shots for the product pages?", O),
        # 08
        ("recur-same", 2, "CRM sync",
         "Hiya, the member export into HubSpot seems to have stopped on Tuesday night, nothing "
         "since. Can you check the overnight job", I),
        # 09
        ("recur-same", 3, "Footer + about us",
         "Please update the opening hours in the footer (we close at 6 on Saturdays now) and fix "
         "the typo on the about us page, it says 'vinyard'.", I),
        # 10 differs from 02: a different system. Only the HubSpot export was agreed.
        ("recur-differs", 2, "Mailchimp too?",
         "Since the HubSpot export works so well, could you set up the same nightly push of new "
         "members into Mailchimp? Our newsletter lives there.", O),
        # 11
        ("recur-same", 4, "presents",
         "Christmas is coming and people keep emailing to ask if they can give the club as a "
         "present. Could the site let someone pay for a few months of boxes for somebody else?", O),
        # 12 JUDGEMENT: the client calls it a small change, but an automatic pairing box is a new
        # feature ("New features" is out), not a content or layout change to an existing page.
        ("first", None, "quick small change",
         "Just a small change: can the product page show a 'pairs well with' box that picks 3 "
         "matching cheeses from the deli range automatically?", O),
        # 13
        ("recur-same", 5, "skip month not working",
         "Two members tried to skip October and both still got charged on the 1st. Something off "
         "with the skip button?", I),
        # 14 differs from 03/09: the small-changes allowance is 8 hours a month; this is 15.
        ("recur-differs", 3, "copy tweaks for new range",
         "Could you do the usual text and image tweaks across the site for the new range? Going "
         "by last time it's about 15 hours of work, and we need all of it done this month.", O),
        # 15 same ruling as 12: a "small" recommendation feature is a new feature.
        ("recur-same", 12, "another tiny tweak",
         "Another small one - on the cart page could you add a 'you might also like' row that "
         "suggests wines based on what's already in the basket?", O),
        # 16
        ("recur-same", 7, "Christmas bundle blurbs",
         "can someone write up short descriptions for the 6 christmas bundles? shouldnt take "
         "long", O),
        # 17
        ("fresh", None, "menu looks different",
         "Hey, the theme updated last week and the menu looks slightly different, what did you "
         "change? I didn't see the usual note.", I),
        # 18 looks like hopsmith-social-03 (replying to DMs, in there by its brief text); this
        # brief has no community management at all: a separate deliverable.
        ("cross-client", "hopsmith-social-03", "instagram messages",
         "We're getting loads of Instagram DMs asking about delivery days. Could your team answer "
         "them for us going forward?", O),
        # 19
        ("fresh", None, "Thanks!",
         "Just wanted to say thanks for sorting the checkout so fast, the team are chuffed.", U),
        # 20 differs from 07/16: the client supplies the photos; putting them on existing pages
        # is a small content change, not photography.
        ("recur-differs", 7, "bottle photos",
         "Our photographer finally delivered the bottle shots (attached, 9 wines). Could you swap "
         "them onto the product pages instead of the old ones?", I),
    ],
)

# ============================================================== 2. software: mobile app support
engagement(
    "vango-app", "software",
    "Support and development for VanGo's existing van-hire booking app (iOS and Android) and its "
    "admin panel. Keeping the driving-licence check working on the existing Onfido account is part "
    "of support.",
    [
        item("bugfix", "in", "Bug fixes for the existing iOS and Android apps and the admin panel"),
        item("sprints", "in", "Two feature sprints per quarter, up to 10 developer-days each, features agreed at the quarterly planning call"),
        item("releases", "in", "App Store and Google Play releases, including store listing text and screenshots"),
        item("os-updates", "in", "Compatibility updates for new iOS and Android versions"),
        item("web-booking", "out", "A web version of the booking flow"),
        item("languages", "out", "Translations and additional languages"),
        item("hosting", "out", "Server hosting costs and third-party subscription fees"),
    ],
    [
        # 01
        ("first", None, "app crashes picking dates",
         "Hi, the app crashes when you pick a return date more than 2 weeks out. Seen it on my "
         "iPhone and the depot manager's.", I),
        # 02
        ("first", None, "Winter rates in app store",
         "Can you update the App Store description to mention our winter rates and push it out "
         "with the next release?", I),
        # 03
        ("first", None, "Polish version",
         "A lot of our customers are Polish - could the app be in Polish as well?", O),
        # 04 JUDGEMENT: Onfido is a third-party service, but the brief text puts keeping the
        # licence check working inside support.
        ("first", None, "Licence check failing",
         "Customers are getting 'verification failed' on the licence scan step since this "
         "morning. Onfido say everything is fine on their side.", I),
        # 05
        ("first", None, "Q2 planning - loyalty points",
         "For the Q2 planning call: we'd like the first sprint to be loyalty points (customers "
         "earn points per hire). Your estimate was 8 days?", I),
        # 06
        ("first", None, "new iOS",
         "Apple is launching a new iOS next month, will our app still work? Anything you need to "
         "do?", I),
        # 07
        ("recur-same", 1, "Bug - app closes",
         "Android users: the app just closes when they tap Return date. Samsungs mostly. pls fix "
         "asap, weekend is our busiest", I),
        # 08
        ("recur-same", 3, "Romanian",
         "Could we get the app in Romanian? We're opening a depot in Luton and a lot of the "
         "customers there are Romanian.", O),
        # 09
        ("first", None, "Book on our website",
         "Customers keep asking to book from our website instead of downloading the app. Can you "
         "make the booking bit work in a browser?", O),
        # 10
        ("recur-same", 4, "ID scan",
         "the driving licence photo step is timing out for everyone again, can someone look "
         "today please", I),
        # 11 differs from 05: both sprints of the quarter are used; a third exceeds the brief.
        ("recur-differs", 5, "one more sprint",
         "We've done both sprints this quarter but the board wants damage-photo upload before "
         "summer. Can you squeeze in another sprint of about 8 days in June?", O),
        # 12
        ("recur-same", 2, "Store screenshots",
         "New screenshots for the Google Play listing attached, and could the short description "
         "say 'Hire a van in 2 minutes'. Can it go out with the next release?", I),
        # 13 differs from 04: not keeping the existing Onfido check working but replacing the
        # provider: development work, which could only be sprint work if agreed at planning and
        # within a sprint's days. The request gives neither, so ask.
        ("recur-differs", 4, "Swap Onfido",
         "Onfido have put their prices up again. Could you replace them with Veriff for the "
         "licence check?", U),
        # 14
        ("recur-same", 9, "reserve without the app",
         "Is it possible to have a simple page on vango.co.uk where people can reserve a van "
         "without the app? Just the basics, no accounts.", O),
        # 15
        ("recur-same", 5, "Q3 sprint 1",
         "Q3 planning: can sprint one be the referral scheme (give £10, get £10)? You said about "
         "7 days when we discussed it.", I),
        # 16
        ("recur-same", 6, "Android 17",
         "Google's new Android is in beta now. Do we need changes so the app keeps working on "
         "it when it comes out?", I),
        # 17 mixed: explaining is fine, but paying the bill is excluded.
        ("fresh", None, "AWS bill",
         "We got an AWS bill for £640 this month, way higher than usual. Can you cover it this "
         "time, or at least explain what happened?", O),
        # 18 looks like cellar-club-07/16 (copywriting, out there); here store listing text is
        # an in item.
        ("cross-client", "cellar-club-07", "store text for referral feature",
         "Could you write a couple of lines for the App Store and Play listings about the new "
         "referral scheme? Just update the description text.", I),
        # 19 differs from 09/14: a browser again, but the existing admin panel (bug fixes are in),
        # not a customer web booking flow.
        ("recur-differs", 9, "admin panel in chrome",
         "Depot staff use the admin panel in Chrome and the 'new booking' button does nothing "
         "since Friday. can you fix", I),
    ],
)

# ============================================================== 3. data: weekly sales reporting
engagement(
    "vale-dairy", "data",
    "Weekly sales reporting for Vale Dairy Co-operative: a maintained Power BI workspace fed from "
    "the co-operative's existing SQL Server. The weekly sales files from Tesco, Morrisons and "
    "Co-op are loaded as part of the reporting, although other external data is excluded.",
    [
        item("refresh", "in", "Weekly data refresh every Monday by 9am"),
        item("dashboards", "in", "Maintenance of the four existing dashboards (sales, volumes, pricing, buyers)"),
        item("buyer-files", "in", "Loading the weekly sales files from Tesco, Morrisons and Co-op"),
        item("adhoc", "in", "Up to 2 ad-hoc analyses a month, answered in a short written note"),
        item("external", "out", "Other external data sources"),
        item("forecasting", "out", "Forecasting and predictive models"),
        item("new-dashboards", "out", "New dashboards beyond the four existing ones"),
    ],
    [
        # 01
        ("first", None, "monday numbers missing",
         "Hi, it's 10.15 and the sales dashboard still shows last week. Did the refresh run?", I),
        # 02 JUDGEMENT: retailer files are external data, which is excluded, but the brief text
        # and an in item name Tesco's, Morrisons' and Co-op's weekly files as included.
        ("first", None, "Tesco file",
         "Tesco's weekly file has two extra columns now and it looks like your load skipped it. "
         "Can you sort?", I),
        # 03
        ("first", None, "butter in Scotland",
         "Quick one for the analysts: butter volumes fell 12% in Scotland in September, can you "
         "dig into why? This is our first question for the month.", I),
        # 04
        ("first", None, "christmas cream forecast",
         "Could you forecast how much cream we'll sell in the December weeks so we can plan "
         "production?", O),
        # 05
        ("first", None, "pricing dashboard wrong",
         "The pricing dashboard shows average price per litre as £0.00 for semi-skimmed since "
         "the last refresh.", I),
        # 06
        ("recur-same", 2, "Morrisons data not in",
         "Morrisons sent their sales sheet on Friday like always but the buyers dashboard has "
         "nothing for them this week", I),
        # 07 differs from 02: Aldi is not one of the three named buyers; other external data is out.
        ("recur-differs", 2, "Aldi!",
         "Good news, we've won Aldi! They'll send weekly sales files too, can you load theirs the "
         "same way as the others?", O),
        # 08
        ("recur-same", 1, "old data again",
         "refresh didnt happen again?? volumes page is still on the 3rd", I),
        # 09
        ("recur-same", 3, "Co-op price rise",
         "Can you look at whether the August price rise lost us volume at the Co-op? A short "
         "note is fine. It's the only analysis we've asked for in November.", I),
        # 10 differs from 03/09: two analyses a month are included; these would be the 3rd-5th.
        ("recur-differs", 3, "few more deep dives",
         "We've had our two analyses this month already, but could the team also do three more "
         "deep-dives: churn by region, pack size mix and promo uplift?", O),
        # 11
        ("recur-same", 4, "milk next spring",
         "Would be really handy to know what next spring's milk volumes are likely to be, "
         "based on the last 3 years. Could you model that?", O),
        # 12
        ("first", None, "haulage costs dashboard",
         "Can we get a dashboard for our haulage costs? The data is in the same SQL Server.", O),
        # 13
        ("recur-same", 5, "buyers totals",
         "The totals on the buyers page don't add up - Co-op shows more than total sales. Bug?", I),
        # 14
        ("recur-same", 12, "waste dashboard",
         "We'd like to keep track of waste and write-offs. Could you set up a separate dashboard "
         "for that?", O),
        # 15 more than the stated weekly cadence.
        ("fresh", None, "refresh every day?",
         "Could the refresh run every morning instead of only on Mondays? The sales team want "
         "fresher numbers.", O),
        # 16 differs from 02/06: a Co-op file, but not its sales file: a promotions calendar is
        # other external data.
        ("recur-differs", 6, "Co-op promo calendar",
         "Co-op also send us a monthly promotions calendar as a PDF. Can you load that into "
         "Power BI as well?", O),
        # 17 looks like tenant-voice-13 (board presentation, in there); nothing in this brief
        # includes presentations.
        ("cross-client", "tenant-voice-13", "AGM",
         "Could one of you present the sales dashboards at our members' AGM in March? About "
         "half an hour.", O),
        # 18 differs from 12/14: not a separate dashboard but a page inside an existing one;
        # "maintenance" of the four may or may not stretch to that, so ask.
        ("recur-differs", 12, "haulage page",
         "Instead of a whole new dashboard, could you just add a haulage costs page to the "
         "existing sales dashboard?", U),
    ],
)

# ============================================================== 4. research: resident survey
engagement(
    "tenant-voice", "research",
    "Resident satisfaction research for Riverside Homes housing association: one postal and online "
    "survey of all tenant households, 12 follow-up interviews and a written report. The "
    "questionnaire is translated into Somali and Bengali because those residents were named in the "
    "tender.",
    [
        item("questionnaire", "in", "Design of one questionnaire, with two rounds of client comments"),
        item("fieldwork", "in", "Postal and online survey of all 2,400 tenant households, with one reminder mailing"),
        item("interviews", "in", "12 follow-up interviews with residents"),
        item("report", "in", "Final written report and one presentation to the board"),
        item("translation", "in", "Questionnaire translations into Somali and Bengali"),
        item("leaseholders", "out", "Leaseholders and commercial tenants"),
        item("repeat", "out", "Repeat or tracking surveys"),
        item("action", "out", "Action planning or implementing the recommendations"),
    ],
    [
        # 01
        ("first", None, "Questionnaire comments",
         "Attached are our comments on draft 1 of the questionnaire, mostly the wording of Q7 to "
         "Q12.", I),
        # 02
        ("first", None, "Urdu translation",
         "Could we also have the questionnaire in Urdu? We have quite a few Urdu speaking "
         "residents in Northfield.", O),
        # 03
        ("first", None, "Somali version",
         "Has the Somali version gone to print yet? One of our resident volunteers has offered "
         "to proofread it.", I),
        # 04
        ("first", None, "leaseholders",
         "Could we include the leaseholders in the survey mailing? it's only about 300 more", O),
        # 05
        ("recur-same", 1, "second lot of comments",
         "Hiya, second lot of comments from the housing team on the questionnaire below. Sorry "
         "for the delay, half the team were off!", I),
        # 06 differs from 01/05: both included rounds of comments are used.
        ("recur-differs", 1, "repairs section",
         "Our Chief Exec has now seen the questionnaire (after our two rounds of comments) and "
         "wants the repairs section rewritten. Can you do another version?", O),
        # 07 more than the one reminder mailing.
        ("fresh", None, "second reminder",
         "Response rate is 31% after the reminder. Can we send another reminder letter to the "
         "households that haven't replied?", O),
        # 08
        ("first", None, "interview recruitment",
         "How are you choosing the 12 residents for interviews? We'd like a few from the tower "
         "blocks if possible.", I),
        # 09 differs from 08: 20 interviews exceed the 12 included.
        ("recur-differs", 8, "more interviews",
         "The board would like 20 interviews in total rather than 12, including 8 in Eastfield.", O),
        # 10
        ("recur-same", 2, "Arabic",
         "We've had a request from a tenants' group for the survey in Arabic. Is that possible?", O),
        # 11
        ("recur-same", 4, "shops on the parade",
         "Would be useful to hear from the shops on Mill Parade too - they rent from us. Can they "
         "get the survey?", O),
        # 12
        ("recur-same", 3, "Bengali mistake",
         "A resident says the Bengali questionnaire has a mistake in question 4 (the wrong word "
         "for repairs). Can it be fixed before the reminder goes out?", I),
        # 13
        ("first", None, "board date",
         "Can you present the findings to the board on 14 March? 2pm slot.", I),
        # 14
        ("first", None, "next year",
         "Assuming this all goes well, could you run the same survey again next year so we can "
         "compare?", O),
        # 15
        ("recur-same", 14, "pulse check",
         "We'd love a quick pulse check in six months to see if things have improved. Online "
         "only, much shorter. Can you do it?", O),
        # 16
        ("fresh", None, "action plan",
         "Could you help us write the action plan from the findings, with owners and dates for "
         "each action?", O),
        # 17 differs from 13: a second presentation, to a different audience.
        ("recur-differs", 13, "residents AGM",
         "As well as the board, could you present the findings at the residents' AGM in April?", O),
        # 18 looks like vale-dairy-03 (an ad-hoc analysis, in there); this brief has no analysis
        # of other data, only the survey.
        ("cross-client", "vale-dairy-03", "complaints data",
         "While you're analysing, could you also look at our repairs complaints data from the "
         "last two years and tell us what's driving them?", O),
        # 19 differs from 02/10: Bengali is one of the two included translations.
        ("recur-differs", 2, "Bengali please",
         "Residents at Eastfield are asking for the survey in Bengali rather than English - can "
         "they have that version?", I),
        # 20 a residents' summary might be part of the written report or a second deliverable.
        ("fresh", None, "summary for residents",
         "Could the final report come with a short easy-read summary we can send out to "
         "residents?", U),
    ],
)

# ============================================================== 5. marketing: organic social
engagement(
    "hopsmith-social", "marketing",
    "Organic social media for Hopsmith Brewery's existing Instagram and Facebook accounts. The "
    "brewery supplies photos and video; we plan, write, design and schedule the posts. Replying to "
    "comments and messages during UK office hours is included because the brewery has no one else "
    "to do it.",
    [
        item("posts", "in", "12 feed posts a month across Instagram and Facebook, with captions and hashtags"),
        item("stories", "in", "Up to 8 Instagram stories a month"),
        item("calendar", "in", "A monthly content calendar sent for approval by the 25th"),
        item("report", "in", "A one-page monthly performance report"),
        item("paid", "out", "Paid advertising, boosted posts and influencer fees"),
        item("platforms", "out", "Other platforms (TikTok, LinkedIn, X)"),
        item("shoots", "out", "Photography and video shoots"),
    ],
    [
        # 01
        ("first", None, "new IPA launch!",
         "Hey! We're launching Citra Haze on the 12th. Can it get a post or two this month? "
         "Photos attached.", I),
        # 02
        ("first", None, "boost?",
         "That launch post is doing great, can we put £100 behind it to reach more people in "
         "Bristol?", O),
        # 03 JUDGEMENT: no item covers messages, but the brief text includes replying to comments
        # and messages in office hours.
        ("first", None, "DMs piling up",
         "There are loads of unanswered DMs asking about the tap room opening times, can you "
         "reply to them?", I),
        # 04
        ("first", None, "TikTok",
         "Can we start a TikTok? Young drinkers are all on there apparently", O),
        # 05
        ("first", None, "October calendar",
         "Where's the calendar for October? Need it to sign off before I go on holiday", I),
        # 06
        ("recur-same", 1, "quiz night",
         "Hi hi, quiz night every Thursday from next week - can it go in the feed? I'll send a "
         "photo of the chalkboard.", I),
        # 07 mixed: a post is fine, the sponsored ad is not.
        ("recur-same", 2, "festival announcement",
         "Can you post the festival announcement and run it as a sponsored ad to people within "
         "30 miles?", O),
        # 08
        ("recur-same", 3, "nasty comment",
         "Someone's left a nasty comment under the stout post on Facebook. Can you reply "
         "politely and keep an eye on it?", I),
        # 09
        ("first", None, "photographer",
         "We need fresh photos of the new canning line, can you send a photographer on Tuesday?", O),
        # 10 differs from 03/08: replies are included in UK office hours only.
        ("recur-differs", 3, "weekend messages",
         "Could someone also answer messages on Saturdays and Sundays? That's when people ask "
         "about table bookings.", O),
        # 11
        ("recur-same", 4, "LinkedIn",
         "Our MD wants us on LinkedIn for trade customers, could you post there too?", O),
        # 12 differs from 01/06: the month's 12 posts are used.
        ("recur-differs", 1, "Black Friday",
         "We've had our 12 posts for November, but could you squeeze in 4 more for Black "
         "Friday?", O),
        # 13
        ("fresh", None, "reach vs impressions",
         "In the September report, what's the difference between 'reach' and 'impressions'? "
         "Our MD keeps asking.", I),
        # 14
        ("recur-same", 9, "reel",
         "Could you film a short reel of the brewers at work on brew day?", O),
        # 15
        ("recur-same", 2, "influencer",
         "A local influencer with 40k followers wants to feature us for £300. Can you arrange it "
         "and pay her out of our budget?", O),
        # 16
        ("recur-same", 5, "dec plan",
         "When will we see December's content plan? Would like it before the 25th pls, xmas is "
         "manic", I),
        # 17 looks like harbour-identity-07 (print-ready sign artwork, in there); this brief
        # covers social posts only, so print artwork is a separate deliverable.
        ("cross-client", "harbour-identity-07", "beer garden sign",
         "Could you do print-ready artwork for a big sign for the beer garden, same look as our "
         "posts?", O),
        # 18
        ("fresh", None, "stories this week",
         "Can we do a couple of stories this week counting down to the tap takeover? Only used 3 "
         "stories so far this month.", I),
        # 19 differs from 04/11: the client's own TikTok video, posted to Instagram and Facebook
        # as one of the month's posts; nothing is done on TikTok.
        ("recur-differs", 4, "viral video",
         "We made a TikTok ourselves that went a bit viral! Could you put the video on our "
         "Instagram and Facebook as one of this month's posts?", I),
        # 20 looks like harbour-identity-04/10 (poster and banners in the new style, out there);
        # here designing the month's posts is included, and this is a post.
        ("cross-client", "harbour-identity-10", "line-up graphic",
         "Could you design a poster-style graphic announcing the festival line-up for Instagram? "
         "It can be one of July's posts.", I),
    ],
)

# ============================================================== 6. design: visual identity
engagement(
    "harbour-identity", "design",
    "Refresh of the visual identity of the Harbour Museum: new logo, colour palette and "
    "typography, applied to a set of templates and the existing wayfinding signs. The gift shop's "
    "own sub-brand stays as it is.",
    [
        item("logo", "in", "Logo redesign: three initial concepts, one developed, two revision rounds"),
        item("guidelines", "in", "A 20-page brand guidelines PDF"),
        item("templates", "in", "Templates: letterhead, business card, email signature and a PowerPoint master"),
        item("signs", "in", "Print-ready artwork for the existing 15 wayfinding signs"),
        item("print", "out", "Printing, production and installation"),
        item("website", "out", "Website design or changes"),
        item("shop", "out", "Changes to the gift shop sub-brand"),
        item("exhibitions", "out", "Exhibition graphics and posters"),
    ],
    [
        # 01
        ("first", None, "concept feedback",
         "The trustees liked concept B most but want the anchor a bit less literal. Is this our "
         "first revision round?", I),
        # 02
        ("first", None, "business cards",
         "Can you get 500 business cards printed for the directors with the new logo?", O),
        # 03
        ("first", None, "PowerPoint fonts",
         "The PowerPoint master falls back to Arial on our laptops. can you fix it?", I),
        # 04
        ("first", None, "exhibition poster",
         "Could you do a poster for the 'Ships in Bottles' exhibition opening in June, using the "
         "new look?", O),
        # 05
        ("recur-same", 1, "round 2",
         "Here's our second set of changes on the logo: thicker wave, and teal instead of navy.", I),
        # 06 differs from 01/05: both revision rounds are used.
        ("recur-differs", 1, "logo again",
         "Sorry! After the two rounds the chair now thinks the wave should be a boat. Could you "
         "have another go at it?", O),
        # 07
        ("first", None, "car park sign",
         "Please send the print-ready file for the car park sign, the sign company is waiting.", I),
        # 08 differs from 07: signs for a new wing are beyond the existing 15.
        ("recur-differs", 7, "new wing signs",
         "We're opening a new gallery wing in spring and will need artwork for 6 new signs "
         "there too.", O),
        # 09
        ("recur-same", 2, "who puts them up",
         "Who will put the new signs up? Can your team install them next week?", O),
        # 10
        ("recur-same", 4, "roll-up banners",
         "Need two roll-up banners for the maritime art show, same style as the new identity "
         "please.", O),
        # 11
        ("first", None, "website looks dated",
         "Now the identity is done the website looks dated. Can you redo the homepage with the "
         "new colours?", O),
        # 12
        ("fresh", None, "shop bags",
         "The gift shop bags should have the new colours and logo, can you redesign them?", O),
        # 13
        ("recur-same", 3, "email signature in outlook",
         "For some staff the email signature logo shows up as an attachment in Outlook instead "
         "of in the signature.", I),
        # 14
        ("fresh", None, "teal on dark",
         "In the brand guidelines, can we use the teal on a dark background? Page 12 isn't clear "
         "about it.", I),
        # 15
        ("recur-same", 11, "header and footer",
         "Our web agency asks whether you could update the site header and footer to match the "
         "new brand?", O),
        # 16 looks like cellar-club-09 (small text change on a site, in there); this brief
        # excludes any website changes.
        ("cross-client", "cellar-club-09", "opening hours",
         "Could you change the winter opening hours on our website? It still says 10 till 5.", O),
        # 17
        ("recur-same", 7, "sign files",
         "The sign company says the files for the toilets and lift signs are missing bleed. Can "
         "you resend?", I),
        # 18 differs from 02: no printing asked, only print-ready business card artwork, which the
        # business card template covers.
        ("recur-differs", 2, "cards for our printer",
         "We've found a cheaper printer ourselves. Can you send print-ready business card files "
         "for the 6 directors?", I),
    ],
)

# ============================================================== 7. consulting: ops diagnostic
engagement(
    "northway-ops", "consulting",
    "A six-week diagnostic of the Kettering distribution centre's operations for Northway "
    "Logistics, ending in a written report with recommendations. Implementation is excluded, but "
    "one follow-up call in the month after the report is included to answer questions about it.",
    [
        item("visits", "in", "Three on-site visits of one day each"),
        item("interviews", "in", "Interviews with up to 15 staff across shifts"),
        item("data", "in", "Review of 12 months of existing WMS pick and labour data"),
        item("report", "in", "Final report with prioritised recommendations and a one-hour presentation to the leadership team"),
        item("implementation", "out", "Implementation, project management or change management"),
        item("other-sites", "out", "Other sites (Corby, Daventry)"),
        item("it", "out", "IT, WMS or equipment selection"),
    ],
    [
        # 01
        ("first", None, "first visit",
         "Could the first site visit be Tuesday 3rd? Night shift starts at 10 if you want to "
         "see the handover.", I),
        # 02
        ("first", None, "Corby?",
         "While you're in the area could you spend a day at Corby as well?", O),
        # 03
        ("first", None, "interview list",
         "Attached is the list of 11 people we'd like you to talk to, including two team leaders "
         "from nights.", I),
        # 04
        ("first", None, "WMS export",
         "We've exported pick rates from the WMS for Jan-Dec. Which format works best for you, "
         "csv or Excel?", I),
        # 05
        ("first", None, "which WMS",
         "Our WMS contract ends next year. Can you recommend which system we should move to?", O),
        # 06 differs from 01: three visits are included; this is a fourth day.
        ("recur-differs", 1, "one more day on site",
         "Can you come in for an extra day in week 5? I know that's after your three visits.", O),
        # 07
        ("recur-same", 3, "two more names",
         "Could you also talk to Dave and Priya from inbound? That takes the list to 13.", I),
        # 08 differs from 03/07: 13 plus 20 exceeds the 15 included.
        ("recur-differs", 3, "pickers",
         "We've got 20 pickers who want to be heard - can you interview all of them on top of "
         "the 13?", O),
        # 09
        ("recur-same", 2, "Daventry",
         "The ops director asks if the same review could cover Daventry.", O),
        # 10
        ("fresh", None, "draft report",
         "When will we see the draft report?", I),
        # 11
        ("first", None, "run the rollout",
         "The leadership team want to push ahead with the slotting changes. Could you "
         "project-manage the rollout for us?", O),
        # 12 JUDGEMENT: the engagement ends with the report, but the brief text includes one
        # follow-up call in the month after it.
        ("first", None, "question on rec 4",
         "Two weeks on from the report - can we get on a call to talk through recommendation 4 "
         "(shift patterns)? The board had a few questions.", I),
        # 13 differs from 12: one call is included; monthly calls for six months are ongoing
        # support of the implementation.
        ("recur-differs", 12, "monthly check ins",
         "Could we have a monthly check-in call for the next 6 months to keep us on track with "
         "the changes?", O),
        # 14
        ("recur-same", 5, "scanners",
         "Also what handheld scanners should we buy to replace the old Zebras? Could you compare "
         "a few options for us", O),
        # 15
        ("recur-same", 4, "March labour data",
         "We realised March's labour data was missing from the export, sorry. Resending now - "
         "can you rerun your numbers with it?", I),
        # 16
        ("recur-same", 11, "staff comms",
         "Could your team help us communicate the changes to staff? Briefings, posters, that "
         "kind of thing.", O),
        # 17 looks like tenant-voice-13 (presentation to a board, in there); here one
        # presentation to the leadership team is included, and this is a second one.
        ("cross-client", "tenant-voice-13", "group board",
         "Could you present the findings to our group board in London as well? The leadership "
         "team session went really well.", O),
        # 18 three visits "of one day each": whether a visit may be split is not settled.
        ("first", None, "half days?",
         "Could visit two be split into two half days (one early shift, one late shift)?", U),
        # 19 differs from 05/14: no system selection, a question about the delivered report.
        ("recur-differs", 5, "rec 6 WMS settings",
         "In rec 6 you mention our WMS slotting settings. What did you mean exactly? We're not "
         "changing systems, just want to understand it.", I),
        # 20 same kind as 18, still not settled by the brief.
        ("recur-same", 18, "evenings",
         "Could the last visit be two evenings instead of one full day? Want you to see the "
         "late pick.", U),
    ],
)

# ============================================================== 8. data: charity CRM and reporting
engagement(
    "brightpaws-data", "data",
    "Data services for Bright Paws animal charity: a one-off cleanup of the existing Donorfy "
    "supporter database and a monthly fundraising report for the trustees. The monthly report "
    "shows Gift Aid claimed and unclaimed because the trustees asked for it at the pitch, though "
    "preparing and submitting claims is excluded.",
    [
        item("cleanup", "in", "One-off deduplication and address cleanup of the existing ~38,000 supporter records"),
        item("report", "in", "Monthly fundraising report (income by channel, new and lapsed donors), delivered by the 10th"),
        item("extracts", "in", "Up to 3 data extracts a month for mailings"),
        item("gift-aid", "out", "Gift Aid claim preparation and submission to HMRC"),
        item("integrations", "out", "Integrations between Donorfy and other systems"),
        item("migration", "out", "Moving to a new CRM"),
        item("legal", "out", "Legal or GDPR advice"),
    ],
    [
        # 01
        ("first", None, "couples",
         "Hi! Before you start the dedupe, can we agree how to treat couples at the same "
         "address?", I),
        # 02
        ("first", None, "report by the 10th?",
         "Trustees meet on the 11th - will October's report be ready by the 10th?", I),
        # 03 JUDGEMENT: "Gift Aid" is an out item, but the brief text puts Gift Aid claimed and
        # unclaimed in the monthly report; only preparing and submitting claims is excluded.
        ("first", None, "gift aid figures",
         "Can the monthly report show how much Gift Aid we've claimed against how much we could "
         "claim?", I),
        # 04
        ("first", None, "christmas appeal list",
         "Could you pull a list of donors who gave in the last 2 years but not this year, with "
         "addresses, for the Christmas appeal?", I),
        # 05
        ("first", None, "JustGiving",
         "Could you set it up so JustGiving donations flow straight into Donorfy?", O),
        # 06 differs from 03: reporting Gift Aid is in, doing the claim is out.
        ("recur-differs", 3, "HMRC claim",
         "Since you've got all the Gift Aid figures now, could you just do the claim to HMRC for "
         "us this quarter?", O),
        # 07
        ("recur-same", 4, "raffle list",
         "Another list please: everyone who bought raffle tickets in 2025, emails only. That's "
         "our 2nd this month.", I),
        # 08 differs from 04/07: three extracts a month are included; this is a fourth.
        ("recur-differs", 4, "one more list",
         "I know we've had three lists this month already but can we have one more for the "
         "legacy mailing?", O),
        # 09
        ("fresh", None, "phone consent",
         "Are we allowed to email people who only gave phone consent? We need a proper legal "
         "answer on this.", O),
        # 10
        ("recur-same", 1, "wrong merge",
         "Found a few records merged wrongly - a mum and daughter with the same name and "
         "address. Can you split them back out?", I),
        # 11
        ("recur-same", 2, "new donors low?",
         "In the November report the new donors figure looks low. Are the online ones counted?", I),
        # 12
        ("fresh", None, "Beacon",
         "We're thinking of switching our CRM to Beacon. Could you move all our data across?", O),
        # 13
        ("recur-same", 5, "Eventbrite",
         "Would be great if our Eventbrite ticket buyers came into Donorfy by themselves. Can you "
         "link the two?", O),
        # 14 differs from 01/10: the cleanup is one-off; a second full pass is a new job.
        ("recur-differs", 1, "another clean",
         "The cleanup was great. Could you do another full pass next spring after the big "
         "appeal?", O),
        # 15
        ("recur-same", 3, "gift aid by appeal",
         "The Gift Aid bit of the monthly report - could it be split by appeal from now on?", I),
        # 16 looks like cellar-club-02/08 (a nightly export to a CRM, in there by its brief
        # text); here integrations with other systems are out and nothing was agreed otherwise.
        ("cross-client", "cellar-club-02", "nightly export",
         "Could you set up a nightly export of new supporters from Donorfy into our Mailchimp "
         "account?", O),
        # 17
        ("fresh", None, "new volunteer coordinator",
         "FYI Jess has joined as volunteer coordinator, she may email you now and then.", U),
        # 18 differs from 05/13: no integration, the income is already in Donorfy; showing it is
        # income by channel in the monthly report.
        ("recur-differs", 5, "JustGiving in the report",
         "JustGiving income is already imported into Donorfy by our finance team. Can the "
         "monthly report show it as its own channel?", I),
        # 19 income by channel is in; income by region is another cut the brief does not name.
        ("fresh", None, "by region",
         "could the report show income by region as well? trustees asked", U),
    ],
)


def build():
    """Interleave round-robin and return the case dicts in file (= arrival) order."""
    per = []
    for bid, domain, brief, requests in ENGAGEMENTS:
        rows = []
        for n, (category, ref, title, body, expected) in enumerate(requests, start=1):
            rows.append(({
                "id": f"{bid}-{n:02}",
                "domain": domain,
                "category": category,
                "brief": brief,
                "title": title,
                "body": body,
                "expected": expected,
            }, ref))
        per.append(rows)
    out = []
    for k in range(max(len(r) for r in per)):
        for rows in per:
            if k < len(rows):
                out.append(rows[k])
    return out


def check(rows):
    cases = [c for c, _ in rows]
    pos = {c["id"]: i for i, c in enumerate(cases)}
    byid = {c["id"]: c for c in cases}
    assert len(pos) == len(cases), "duplicate ids"
    assert len(ENGAGEMENTS) == 8
    assert len({d for _, d, _, _ in ENGAGEMENTS}) >= 5, "need 5 kinds of work"
    briefs = {}
    for c, ref in rows:
        assert list(c) == FIELDS, c["id"]
        assert c["category"] in CATEGORIES, c["id"]
        assert c["expected"] in (I, O, U), c["id"]
        assert c["title"].strip() and c["body"].strip(), c["id"]
        bid, nn = c["id"].rsplit("-", 1)
        b = json.dumps(c["brief"], sort_keys=True)
        assert briefs.setdefault(bid, b) == b, f"brief differs within {bid}"
        cat = c["category"]
        if cat in ("recur-same", "recur-differs"):
            assert isinstance(ref, int) and ref < int(nn), c["id"]
            r = byid[f"{bid}-{ref:02}"]
            assert pos[r["id"]] < pos[c["id"]]
            if cat == "recur-same":
                assert r["expected"] == c["expected"], f"{c['id']} should match {r['id']}"
            else:
                assert r["expected"] != c["expected"], f"{c['id']} should differ from {r['id']}"
        elif cat == "cross-client":
            assert isinstance(ref, str) and ref in byid, c["id"]
            assert not ref.startswith(bid + "-"), c["id"]
            assert pos[ref] < pos[c["id"]], f"{c['id']} must come after {ref}"
        else:
            assert ref is None, c["id"]
    for bid, _, _, requests in ENGAGEMENTS:
        recurred = {r[1] for r in requests if r[0] in ("recur-same", "recur-differs")}
        for n, r in enumerate(requests, start=1):
            if r[0] in ("first", "fresh"):
                assert (r[0] == "first") == (n in recurred), f"{bid}-{n:02} first/fresh"
    for bid, domain, brief, requests in ENGAGEMENTS:
        assert 12 <= len(requests) <= 20, bid
        assert 4 <= len(brief["items"]) <= 8, bid
        ids = [it["id"] for it in brief["items"]]
        assert len(ids) == len(set(ids)), bid
        assert all(it["kind"] in (I, O) for it in brief["items"]), bid
        assert all(set(it) == {"id", "kind", "text"} for it in brief["items"]), bid
    cats, exp, dom = {}, {}, {}
    for c in cases:
        cats[c["category"]] = cats.get(c["category"], 0) + 1
        exp[c["expected"]] = exp.get(c["expected"], 0) + 1
        dom[c["domain"]] = dom.get(c["domain"], 0) + 1
    recur = cats.get("recur-same", 0) + cats.get("recur-differs", 0)
    assert recur >= 0.40 * len(cases), f"recurrences {recur}/{len(cases)}"
    assert cats.get("recur-differs", 0) >= 0.15 * recur, "too few recur-differs"
    print(len(cases), "cases,", len(ENGAGEMENTS), "engagements")
    print("category:", dict(sorted(cats.items())))
    print(f"recurrences: {recur} ({100 * recur / len(cases):.0f}% of cases), "
          f"recur-differs {cats.get('recur-differs', 0)} ({100 * cats.get('recur-differs', 0) / recur:.0f}% of recurrences)")
    print("expected:", dict(sorted(exp.items())))
    print("domain:", dict(sorted(dom.items())))
    for cat in sorted(cats):
        e = {}
        for c in cases:
            if c["category"] == cat:
                e[c["expected"]] = e.get(c["expected"], 0) + 1
        print(f"  {cat}: {dict(sorted(e.items()))}")


def main():
    here = pathlib.Path(__file__).resolve().parent
    rows = build()
    check(rows)
    lines = [json.dumps(c, ensure_ascii=False) for c, _ in rows]
    (here / "recurring.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
