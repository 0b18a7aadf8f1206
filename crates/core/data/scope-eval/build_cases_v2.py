#!/usr/bin/env python3
"""Authoring source of the second evaluation set (issue 19): new briefs, new requests.

Written before scope guard v2 was changed, labelled from the brief alone by the rules of README.md.
Each request is (category, title, body, expected). Categories say which hard case a request tests:

* more      — more of an included thing (counts, cadences, caps, a second language, longer report)
* new       — new versus existing ("a new site" against "maintain the existing site"),
              a feature against "fix defects"
* meaning   — work an `out` item excludes in words the request does not share with it
* extra     — extra work no item mentions
* noword    — in-scope work asked in words the item does not use
* delivered — a question or bug report about work already delivered
* plain     — ordinary requests, in or out, sharing words with their item

Whole briefs are held out: the briefs in HOLDOUT go to cases-v2-holdout.jsonl and were never
used to choose anything in the check; the others go to cases-v2-tune.jsonl.
Run `python3 build_cases_v2.py` in this folder to rewrite both files.
"""
import json
import pathlib

I, O, U = "in", "out", "unclear"


def item(id_, kind, text):
    return {"id": id_, "kind": kind, "text": text}


BRIEFS = []
HOLDOUT = {"clinic-booking", "ops-advisory", "ux-research", "cafe-content", "finance-data"}


def brief(bid, domain, text, items, requests):
    BRIEFS.append((bid, domain, {"text": text, "items": items}, requests))


# ====================================================================== tuning briefs
brief(
    "garden-shop", "software",
    "Greenleaf Garden Centre has an online shop built by another agency. We take over its care for "
    "12 months: keep it running, fix what breaks and make small content changes.",
    [
        item("maintain", "in", "Maintenance of the existing Shopify web shop: fixing defects, theme and app updates"),
        item("checkout", "in", "Keeping the checkout, cart and payment flow working"),
        item("edits", "in", "Up to 10 hours a month of content edits (products, banners, pages)"),
        item("report", "in", "One monthly report on uptime, speed and sales conversion"),
        item("integrations", "out", "Third-party integrations"),
        item("new-build", "out", "New features, new sites or redesigns"),
    ],
    [
        ("noword", "Basket total is wrong", "When you add two bags of compost the total at the end shows £0. Customers are emailing us.", I),
        ("delivered", "May report", "In the May report the conversion rate dropped to 1.1%, what does that mean for us?", I),
        ("plain", "Update the spring banner", "Please swap the homepage banner for the spring sale one attached.", I),
        ("more", "Big catalogue update", "We have 40 hours of product edits for the autumn range, can your team do them all this month?", O),
        ("meaning", "Connect Salesforce", "Our sales team uses Salesforce. Can online orders be pushed into it automatically?", O),
        ("new", "New microsite for Christmas", "We'd like a separate little Christmas microsite with its own domain for wreath workshops.", O),
        ("new", "Wishlist feature", "Could customers save plants to a wishlist? Lots of people ask for it.", O),
        ("noword", "Can't pay", "People are stuck at the last step, the card screen just reloads and nobody can buy anything.", I),
        ("extra", "Staff rota app", "Can you build us something to plan the weekend rota for the garden centre staff?", O),
        ("meaning", "Xero sync", "Could each sale go straight into Xero so our bookkeeper doesn't retype them?", O),
        ("plain", "App update broke reviews", "Since the reviews app updated, stars don't show on product pages.", I),
        ("extra", "Printed catalogue", "Could you lay out a printed catalogue of our bulbs for the shop counter?", O),
        ("delivered", "Why is the site slow", "The report says the site got slower in April, is that something you changed?", I),
        ("more", "Second report", "Can we have a second report each month focused on the café sales as well?", O),
        ("new", "Redesign the homepage", "The homepage looks dated, can you redesign it with a new layout?", O),
        ("plain", "Hours left", "How many hours of edits do we have left this month?", I),
    ],
)

brief(
    "strategy-workshops", "consulting",
    "Harbour Housing Association wants a five-year strategy. We run a short programme of workshops "
    "with the executive team and write the strategy up.",
    [
        item("workshops", "in", "Three half-day strategy workshops with the executive team"),
        item("checkin", "in", "A fortnightly check-in call with the CEO"),
        item("document", "in", "Final strategy document of up to 20 pages"),
        item("interviews", "in", "Up to six stakeholder interviews"),
        item("implementation", "out", "Implementation of the strategy or programme management"),
        item("board", "out", "Presenting to the board or to tenants"),
    ],
    [
        ("more", "Fourth workshop", "The team would like a fourth workshop to go through the financial options in more depth.", O),
        ("more", "Daily stand-ups", "Could we move to daily stand-ups with the CEO during the final month?", O),
        ("plain", "Workshop 2 agenda", "Can you send the agenda for the second workshop before Friday?", I),
        ("more", "Forty pages", "The CEO feels 20 pages is too thin and wants a 40-page document with appendices.", O),
        ("more", "Ten interviews", "We'd like you to interview ten stakeholders rather than six, including councillors.", O),
        ("delivered", "Question on workshop 1 notes", "In the notes from the first session, what did you mean by 'stock rationalisation'?", I),
        ("meaning", "Run the change programme", "Once agreed, could you lead the project team that rolls the plan out across the estates?", O),
        ("meaning", "Talk to residents", "Could you present the strategy at the residents' association meeting in June?", O),
        ("extra", "Recruit a director", "We need a new finance director, can you run the search?", O),
        ("noword", "Move our call", "Can the next catch-up with Sarah be Thursday instead?", I),
        ("plain", "Interview list", "Here is the list of six stakeholders to interview, are you ok to contact them directly?", I),
        ("more", "Another session", "One more session for the exec team before the draft would help, same format.", O),
        ("extra", "Staff survey", "Could you also design and run a staff engagement survey?", O),
        ("delivered", "Draft comments", "We've put comments in the draft strategy, when will the next version be ready?", I),
        ("plain", "Workshop venue", "Is it ok if the third workshop is held at our Portsmouth office?", I),
        ("more", "Weekly calls", "Can the check-ins with the CEO be weekly instead from now on?", O),
    ],
)

brief(
    "desk-research", "research",
    "Nordic Oats plans to launch in Germany. We provide a market-entry study from published sources "
    "and a monthly pair of expert interviews over six months.",
    [
        item("desk", "in", "Desk research on the German plant-milk market: size, competitors, retailers, prices"),
        item("experts", "in", "Two expert interviews a month"),
        item("report", "in", "A 12-page market-entry report in English"),
        item("updates", "in", "A monthly summary email of new findings"),
        item("primary", "out", "Primary research with consumers"),
        item("media", "out", "Marketing, media buying or PR"),
    ],
    [
        ("meaning", "Focus group in Berlin", "Could you run a focus group with young parents in Berlin to test our packaging?", O),
        ("meaning", "Consumer survey", "We want to ask 1,000 German shoppers what they would pay, can you survey them?", O),
        ("more", "Six interviews this month", "Lots happening at the trade fair, could we do six expert interviews this month?", O),
        ("more", "German version of the report", "Our German partner needs the report in German as well as English.", O),
        ("more", "Longer report", "Could the report be 30 pages with a chapter per retailer?", O),
        ("plain", "Competitor prices", "Please include Alpro and Oatly prices at Rewe and Edeka in the competitor section.", I),
        ("noword", "How big is the pie", "Roughly how much do Germans spend on oat drinks each year?", I),
        ("noword", "Who else sells there", "Which brands would we be up against on the shelf at dm and Rossmann?", I),
        ("delivered", "March summary", "In the March email you mentioned a new tax on sugar, does that apply to us?", I),
        ("meaning", "Press release", "Can you write and send a press release to German trade media about our launch?", O),
        ("extra", "Find a distributor", "Could you introduce us to distributors and negotiate terms with them?", O),
        ("plain", "Expert for April", "Who are the two experts for April's interviews?", I),
        ("extra", "Trademark check", "Can you check whether our brand name is free to register in Germany?", O),
        ("more", "Weekly summaries", "Could we have the summary email every week instead of monthly?", O),
        ("delivered", "Source of market size", "Where does the market size figure on page 3 of the report come from?", I),
        ("plain", "Retailer margins", "Does the desk research cover typical retailer margins?", I),
    ],
)

brief(
    "social-studio", "marketing",
    "Organic social media for Atlas Climbing (3 gyms). We plan, write and design posts for Instagram "
    "and Facebook and report on them.",
    [
        item("posts", "in", "12 Instagram and Facebook posts a month: planning, copy and static graphics"),
        item("calendar", "in", "A monthly content calendar approved by the client"),
        item("stats", "in", "Monthly performance report"),
        item("language", "in", "All copy in English"),
        item("video", "out", "Video production"),
        item("ads", "out", "Paid social advertising"),
        item("community", "out", "Community management: replying to comments and messages"),
    ],
    [
        ("meaning", "TikTok clip", "Could you film and edit a short TikTok clip of the new bouldering wall?", O),
        ("meaning", "Reel for the comp", "We'd love an Instagram reel with footage from Saturday's competition.", O),
        ("meaning", "Boost the post", "Can you put £150 behind the open-day post so more locals see it?", O),
        ("meaning", "Answer DMs", "We're swamped with DMs about memberships, could you reply to them for us?", O),
        ("more", "Extra posts", "It's our busy month, can we have 20 posts in January instead of 12?", O),
        ("more", "Welsh version", "Our Cardiff gym wants every post in Welsh as well.", O),
        ("plain", "Post copy tweak", "In Tuesday's post please change 'wall' to 'boulder' in the caption.", I),
        ("noword", "Pictures for the grand opening", "Can you make a couple of nice images announcing the Leeds opening?", I),
        ("delivered", "Reach dropped", "Last month's report shows reach down 30%, why is that?", I),
        ("plain", "Calendar for March", "When will the March content calendar be ready for approval?", I),
        ("extra", "New logo", "We're thinking about a new logo for the gyms, can you design it?", O),
        ("extra", "Website blog", "Could you also write two blog posts a month for our website?", O),
        ("plain", "Graphic colours", "The graphics in last week's post used the old orange, please use the new one.", I),
        ("noword", "Typo in the caption", "There's a spelling mistake in yesterday's Facebook text, can you fix it?", I),
        ("more", "Two posts a day", "During the festival week we'd like two posts a day.", O),
        ("plain", "Swap a post", "Can the post about kids' clubs move from Tuesday to Thursday?", I),
    ],
)

brief(
    "saas-web", "design",
    "Brightpath (B2B payroll software) needs its marketing website redesigned. We design and build "
    "10 product pages and a new home page in Webflow.",
    [
        item("pages", "in", "Design and build of the home page and 10 product pages in Webflow"),
        item("rounds", "in", "Two rounds of revisions per page"),
        item("cms", "in", "Webflow CMS setup for the blog with training for one editor"),
        item("collateral", "out", "Sales collateral"),
        item("brand", "out", "Brand identity or logo design"),
        item("copy", "out", "Copywriting"),
    ],
    [
        ("meaning", "Pitch deck", "Our sales team needs a pitch deck that matches the new site, can you design it?", O),
        ("meaning", "One-pager for trade show", "Could you make a one-page PDF about the product for our stand at the HR expo?", O),
        ("meaning", "Write the page text", "We don't have anyone to write the words for the product pages, can you do it?", O),
        ("more", "25 product pages", "We now want 25 product pages, one per feature, rather than 10.", O),
        ("more", "Third round on pricing page", "Can we have a third round of changes on the pricing page? The CEO has new ideas.", O),
        ("more", "Second editor training", "A second marketer joined, could you train her on the CMS too?", O),
        ("plain", "Home page hero", "On the home page design, can the hero image be bigger?", I),
        ("noword", "Mobile looks broken", "On my phone the menu overlaps the heading on the features section.", I),
        ("delivered", "How to add a blog post", "How do I publish a new article on the blog? I forgot the steps from the training.", I),
        ("plain", "Second revision round", "Here is our feedback for the second round on the integrations product page.", I),
        ("plain", "New logo", "While you're at it, could you refresh our logo?", O),
        ("extra", "Customer portal", "Can you also design the login area of our product?", O),
        ("noword", "Contact form not sending", "The demo request form doesn't arrive in our inbox.", I),
        ("plain", "Page order", "Can the product pages appear in the menu in this order?", I),
        ("extra", "Email templates", "Could you design our monthly newsletter email template?", O),
        ("plain", "Launch date", "When will the 10 product pages be live in Webflow?", I),
    ],
)

# ====================================================================== held-out briefs
brief(
    "clinic-booking", "software",
    "Riverside Physio has a patient booking website we built last year. This retainer keeps it "
    "running and makes small changes.",
    [
        item("maintain", "in", "Maintenance of the existing booking website: fixing defects and security updates"),
        item("booking", "in", "Online appointment booking, calendar and reminder emails"),
        item("changes", "in", "Up to 8 hours a month of small changes"),
        item("integrations", "out", "Third-party integrations"),
        item("new", "out", "New features or new websites"),
        item("marketing", "out", "Marketing, SEO or advertising"),
    ],
    [
        ("noword", "Patients can't pick a time", "Since Monday the slots for Dr Khan are all greyed out, nobody can book her.", I),
        ("plain", "Reminder email wrong time", "The reminder emails say 9am when the appointment is at 10am.", I),
        ("meaning", "Link to Cliniko", "Can appointments go straight into Cliniko, our patient records system?", O),
        ("meaning", "Take deposits by card", "We want patients to pay a £20 deposit with Stripe when they book.", O),
        ("new", "New site for the Bath clinic", "We're opening in Bath and need a new website for it.", O),
        ("new", "Online video consultations", "Could patients book and join video consultations through the site?", O),
        ("more", "Big batch of changes", "We have about 30 hours of changes we'd like done this month.", O),
        ("delivered", "Who gets the reminders", "Do the reminder emails go to patients who booked by phone too?", I),
        ("meaning", "Google ranking", "We don't show up on Google for 'physio Riverside', can you fix that?", O),
        ("extra", "Staff payroll", "Could you also look after our staff payroll spreadsheet?", O),
        ("plain", "Security update", "Is the site up to date with the latest security patches?", I),
        ("noword", "Text on the price page", "Please change the price of a sports massage to £55 on the prices page.", I),
        ("extra", "Leaflets", "Can you design leaflets for the waiting room?", O),
        ("plain", "Calendar shows wrong week", "The booking calendar jumps to next week when you open it on Sundays.", I),
        ("plain", "Hours used", "How many of this month's hours have you used so far?", I),
        ("plain", "Cookie banner", "Do we need a cookie banner? Could you add one?", U),
    ],
)

brief(
    "ops-advisory", "consulting",
    "Coastline Logistics wants to cut warehouse costs. We run an operations review with on-site "
    "workshops and recommend changes.",
    [
        item("workshops", "in", "Four on-site workshops with warehouse managers"),
        item("call", "in", "A weekly 30-minute progress call"),
        item("report", "in", "A 15-page recommendations report"),
        item("data", "in", "Analysis of 12 months of warehouse data supplied by the client"),
        item("training", "out", "Staff training"),
        item("it", "out", "Selecting or implementing software"),
    ],
    [
        ("more", "Fifth workshop", "Could we add a fifth workshop for the night-shift managers?", O),
        ("more", "Daily calls", "During the busy season can we speak daily instead of weekly?", O),
        ("more", "30-page report", "The owners want a 30-page report with more detail on each site.", O),
        ("more", "Two more years of data", "Can you analyse three years of data instead, we found older files?", O),
        ("meaning", "Teach the pickers", "Could you coach the pickers on the new picking method on the floor?", O),
        ("meaning", "Choose a WMS", "Which warehouse management system should we buy, and can you set it up?", O),
        ("plain", "Workshop dates", "Can the second workshop move to the 14th?", I),
        ("noword", "Catch-up time", "Can we do Tuesday's catch-up at 3pm instead?", I),
        ("delivered", "Question about workshop 1", "What did you mean by 'slotting' in the first workshop summary?", I),
        ("plain", "Data file format", "Is a CSV export of the warehouse data okay for the analysis?", I),
        ("extra", "Recruit a manager", "Can you help us hire a new warehouse manager?", O),
        ("extra", "Fleet review", "Could you also review our lorry fleet costs?", O),
        ("noword", "Draft findings", "When will we see your first recommendations in writing?", I),
        ("delivered", "Chart on page 6", "The chart on page 6 of the report, is that per pallet or per order?", I),
        ("more", "One more session", "One more session with the managers before the report would be useful.", O),
        ("plain", "Invite the finance director", "Can our finance director join the workshops?", U),
    ],
)

brief(
    "ux-research", "research",
    "Pocket Bank wants to know why new customers drop out of account opening. We run qualitative "
    "usability research and report findings.",
    [
        item("interviews", "in", "Eight one-to-one usability interviews with recent applicants"),
        item("test", "in", "One round of usability testing of the account-opening prototype"),
        item("deck", "in", "A findings deck and one playback session"),
        item("quant", "out", "Quantitative research"),
        item("design", "out", "Design or redesign work"),
    ],
    [
        ("more", "Twelve interviews", "Could we do twelve interviews instead of eight to cover older users?", O),
        ("more", "Second test round", "After the fixes, could you test the prototype again?", O),
        ("more", "Second playback", "The board wants its own playback session separate from the team one.", O),
        ("meaning", "Survey our customers", "Could you send a questionnaire to 5,000 customers to get numbers on drop-out reasons?", O),
        ("meaning", "A/B test", "Can you run an A/B test of the two sign-up flows on the live app?", O),
        ("meaning", "Redo the screens", "Based on the findings could you draw new versions of the sign-up screens?", O),
        ("plain", "Interview schedule", "When are the usability interviews scheduled?", I),
        ("noword", "Who are you talking to", "Which applicants will you speak with? Do they include people who gave up?", I),
        ("delivered", "Deck question", "On slide 9 of the findings deck, what does 'KYC friction' mean?", I),
        ("plain", "Prototype link", "Here is the link to the account-opening prototype for testing.", I),
        ("extra", "Write the FAQ", "Could you write the FAQ page for account opening?", O),
        ("extra", "Competitor teardown", "Could you also review the sign-up flows of Monzo and Starling?", U),
        ("noword", "Recording consent", "Do participants sign a consent form before you record them?", I),
        ("plain", "Playback date", "Can the playback session be on the 3rd?", I),
        ("extra", "Run our app store reviews", "Could you reply to our app store reviews?", O),
        ("delivered", "Quotes", "Can we use the participant quotes from the deck in our internal newsletter?", I),
    ],
)

brief(
    "cafe-content", "marketing",
    "Copper Kettle Cafés (5 cafés) want steady written content. We write for their blog and their "
    "email newsletter.",
    [
        item("blog", "in", "Eight blog posts a month in English"),
        item("newsletter", "in", "An email newsletter every fortnight"),
        item("photos", "in", "Use of the client's own photo library in posts"),
        item("video", "out", "Video production"),
        item("collateral", "out", "Sales collateral and print"),
        item("paid", "out", "Paid promotion"),
    ],
    [
        ("meaning", "TikTok of the latte art", "Could you make a TikTok of our barista doing latte art?", O),
        ("meaning", "Menu boards", "Can you design the new menu boards for the counters?", O),
        ("meaning", "Wholesale brochure", "We sell beans to offices now, could you write a brochure to send to office managers?", O),
        ("meaning", "Facebook ad", "Could you run a Facebook ad for the new Clifton café?", O),
        ("more", "Weekly newsletter", "Can the newsletter go out every week in December?", O),
        ("more", "Twelve posts", "We'd like 12 blog posts in November for the Christmas menu.", O),
        ("more", "Polish version", "Lots of our customers are Polish, can the blog be in Polish too?", O),
        ("plain", "Blog topic", "Next month's blog posts: can one be about our new oat milk?", I),
        ("noword", "Mailing for Friday", "What's going to customers in Friday's email?", I),
        ("delivered", "Newsletter open rate", "How many people opened the last newsletter?", I),
        ("plain", "Use the terrace photos", "Please use the terrace photos from the library in the summer posts.", I),
        ("extra", "Rota", "Could you also plan the staff rota for the cafés?", O),
        ("noword", "Typo on the site", "The article about sourdough says 'bred' instead of 'bread'.", I),
        ("extra", "Loyalty scheme", "Could you design a loyalty card scheme for the cafés?", O),
        ("delivered", "Which posts did best", "Which of last month's articles got the most readers?", I),
        ("plain", "Instagram captions", "Could you write Instagram captions to go with the blog posts?", U),
    ],
)

brief(
    "finance-data", "data",
    "Fenwick Wines wants its finance numbers in one place. We build a nightly pipeline from Xero to "
    "Snowflake and a small set of dashboards.",
    [
        item("pipeline", "in", "Nightly data pipeline from Xero into Snowflake"),
        item("dashboards", "in", "Five Power BI dashboards for cash, margin and debtors"),
        item("support", "in", "Fixing defects in the pipeline and dashboards for three months after handover"),
        item("integrations", "out", "Third-party integrations other than Xero"),
        item("ml", "out", "Forecasting or machine learning"),
    ],
    [
        ("meaning", "Add Shopify", "Could the pipeline also pull in our Shopify orders?", O),
        ("meaning", "HubSpot deals", "Can we get HubSpot deal values into Snowflake next to invoices?", O),
        ("meaning", "Predict cash", "Could you predict our cash position for the next 13 weeks?", O),
        ("more", "Sixth dashboard", "We'd like a sixth dashboard for stock.", O),
        ("more", "Hourly refresh", "Can the pipeline run every hour during month-end?", O),
        ("new", "New feature: alerts", "Could the dashboards send an alert email when debtors exceed £50k?", O),
        ("plain", "Margin dashboard wrong", "The margin dashboard shows last month's figures twice.", I),
        ("noword", "Numbers didn't update", "This morning's figures still show Tuesday, did last night's load fail?", I),
        ("noword", "Who owes us money", "Can the chart of late payers be sorted by amount owed?", I),
        ("delivered", "Definition of margin", "Is the margin on the dashboard before or after delivery costs?", I),
        ("plain", "Cash dashboard filter", "Can the cash dashboard filter by bank account?", I),
        ("extra", "Do our VAT return", "Could you prepare our quarterly VAT return?", O),
        ("extra", "Train the team", "Could you run a Power BI course for our finance team?", O),
        ("delivered", "Pipeline bug after handover", "Two months after handover the pipeline skipped credit notes, can you fix it?", I),
        ("plain", "Xero connection", "Xero asked us to reauthorise the connection, what do we do?", I),
        ("plain", "Budget vs actual", "Could the margin dashboard show budget against actual?", U),
    ],
)


def main():
    here = pathlib.Path(__file__).resolve().parent
    files = {"tune": [], "holdout": []}
    for bid, domain, b, requests in BRIEFS:
        ids = [it["id"] for it in b["items"]]
        assert len(ids) == len(set(ids)), bid
        split = "holdout" if bid in HOLDOUT else "tune"
        for n, (category, title, body, expected) in enumerate(requests, start=1):
            files[split].append(json.dumps({
                "id": f"{bid}-{n:02}",
                "domain": domain,
                "category": category,
                "brief": b,
                "title": title,
                "body": body,
                "expected": expected,
            }, ensure_ascii=False))
    for split, lines in files.items():
        (here / f"cases-v2-{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        counts, cats = {}, {}
        for line in lines:
            c = json.loads(line)
            counts[c["expected"]] = counts.get(c["expected"], 0) + 1
            cats[c["category"]] = cats.get(c["category"], 0) + 1
        print(split, len(lines), "cases", counts, cats)


if __name__ == "__main__":
    main()
