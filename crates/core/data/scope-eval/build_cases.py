#!/usr/bin/env python3
"""Authoring source of cases.jsonl: the labelled scope-check evaluation set.

Edit the briefs and requests here, then run `python3 build_cases.py` in this folder to rewrite
cases.jsonl. Labels were written from the brief alone, before the scope check existed; see README.md.
Each request is (title, body, expected). Case ids are `<brief-id>-<nn>`.
"""
import json
import pathlib

I, O, U = "in", "out", "unclear"


def item(id_, kind, text):
    return {"id": id_, "kind": kind, "text": text}


BRIEFS = []


def brief(bid, domain, text, items, requests):
    BRIEFS.append((bid, domain, {"text": text, "items": items}, requests))


# ---------------------------------------------------------------- software
brief(
    "bakery-shop", "software",
    "Northwind Bakery wants customers to order cakes and bread online for pickup or local delivery. "
    "We will build a responsive web shop on their existing domain, with an admin area for the bakery "
    "staff. Launch target: 1 March. Budget: 180 hours.",
    [
        item("web-shop", "in", "Responsive customer web shop: product catalogue, cart, checkout with card payment via Stripe, pickup or local delivery slot selection"),
        item("admin", "in", "Admin dashboard for staff to manage products, prices, opening hours and incoming orders"),
        item("emails", "in", "Transactional emails: order confirmation, ready-for-pickup and delivery notifications"),
        item("warranty", "in", "Bug fixes for defects reported within 60 days after launch"),
        item("deploy", "in", "Deployment to the client's AWS account and setup of backups"),
        item("mobile", "out", "Native iOS or Android mobile apps"),
        item("pos", "out", "Integration with the in-store point-of-sale (POS) system or accounting software"),
        item("loyalty", "out", "Loyalty points, gift cards or subscription orders"),
        item("content", "out", "Product photography and writing product descriptions"),
        item("support", "out", "Ongoing maintenance, hosting fees and support after the 60-day warranty"),
    ],
    [
        ("chekout broken on safari", "Hi, two customers told us this morning that the checkout button does nothing on iphone safari. we launched 3 weeks ago. can you look asap?", I),
        ("Add a new cake category", "Can we get a 'Wedding cakes' category in the shop? I tried in the admin but couldnt find where to add categories.", I),
        ("App for the store?", "A lot of our regulars keep asking if we have an app they can download on their phone. How much would it be to have one on the App Store?", O),
        ("Sync orders with Square", "Would be great if online orders showed up in our Square till automatically so the counter staff see them", O),
        ("Gift cards for Christmas", "We'd like to sell gift cards online before Christmas, customer pays 25/50/100 and gets a code by email.", O),
        ("Photos for the new menu", "Could your team take some nice photos of the sourdough range and write up short descriptions for each loaf?", O),
        ("Delivery slots on sunday", "We're opening Sundays from next month. Customers need to be able to pick Sunday delivery slots, 9-12 only.", I),
        ("order confirmation email in spam", "Customers say the order confirmation mail lands in spam for gmail. Can you fix that?", I),
        ("Monthly retainer after launch", "Launch went great! Now 4 months in, can you keep an eye on the site and update plugins every month? what would that cost", O),
        ("Discount codes", "Can customers enter a discount code at checkout? e.g. 10% off first order", U),
        ("Weekly bread subscription", "some customers want the same box every week - can they subscribe & pay automatically?", O),
        ("Backups", "Just checking - are the backups running? how often do they happen and can we restore yesterday's version if needed", I),
        ("Slow site", "The site is really slow to load on mobile today, product images take forever. We only launched last month so I hope this is covered.", I),
        ("Xero", "our accountant asks whether the online orders can be exported into Xero automatically each night", O),
        ("Allergen info on products", "We need to show allergens (nuts, gluten, dairy) on each product page and let staff tick them in the admin.", I),
        ("Shop in Polish", "Many of our customers are Polish, could the whole shop also be available in Polish?", O),
        ("Thanks!", "Just wanted to say thank you all for the launch, the team loves it.", U),
        ("Cake message + ipad app", "Can you add a field for a custom message on the cake at checkout? And while you're at it a simple app for the staff iPads to see orders in the kitchen", O),
    ],
)

brief(
    "fleet-app", "software",
    "Haulr Logistics: a driver app and a small backend so dispatchers can see where vans are and "
    "drivers can confirm deliveries. Phase 1 is Android only. Fixed price, 14 weeks.",
    [
        item("android-app", "in", "Android driver app (React Native): login, daily route list, proof of delivery with photo and signature"),
        item("gps", "in", "Background GPS location tracking every 60 seconds while a shift is active"),
        item("offline", "in", "Offline mode: deliveries confirmed without signal are queued and synced later"),
        item("api", "in", "REST API backend and database for routes, stops and delivery confirmations"),
        item("dispatch-map", "in", "Web dispatcher view with a live map of vans and delivery status"),
        item("ios", "out", "iOS / iPhone version of the driver app (planned for phase 2)"),
        item("telematics", "out", "Integration with vehicle telematics hardware, fuel cards or tachographs"),
        item("migration", "out", "Migrating historical data from the legacy TMS"),
        item("route-opt", "out", "Automatic route optimisation or planning algorithms"),
        item("support", "out", "24/7 on-call support"),
    ],
    [
        ("iphone drivers", "Two of our subcontractor drivers only have iPhones. can they use the app too or is that a big job?", O),
        ("Signature pad too small", "Drivers say the signature box is tiny on the Samsung A14s, customers keep signing outside it", I),
        ("Optimise routes", "Dispatch wants the app to work out the best order of stops automatically each morning instead of us doing it by hand", O),
        ("Deliveries missing after tunnel", "Driver did 3 drops in the underground car park, no signal, and they never showed up in dispatch even after he came back out.", I),
        ("Import old deliveries", "Can you load the last 2 years of delivery history from our old system so we can search it in the new dashboard?", O),
        ("GPS every 10 seconds?", "The dots on the map jump around a lot. Could the location update more often, like every 10s?", U),
        ("Fuel card data", "We'd like fuel spend per van next to each route, the data comes from our Shell fuel cards", O),
        ("Photo upload failing", "Proof of delivery photos fail to upload on slow 3G, app just spins forever", I),
        ("Filter map by depot", "On the dispatcher map can we filter vans by depot? we have 3 depots", I),
        ("Weekend support", "We run Saturday deliveries. If the app goes down on a Saturday who do we call? we need someone on call", O),
        ("Customer SMS notifications", "Can the end customer get a text message when the driver is 10 minutes away?", O),
        ("Login problem", "driver forgot his pasword and there is no reset option, how do we reset it", I),
        ("API docs for our ERP team", "Our ERP team wants to pull delivery confirmations from your API into SAP. Is there documentation, and can you build the SAP connector for them?", O),
        ("Tachograph", "Is the app able to read driving hours from the tachograph so we know when drivers need a break?", O),
        ("Dark mode", "Drivers working night shifts asked for a dark mode in the app, the screen is too bright at 3am", U),
        ("Status update", "How are we doing on the dispatcher map? still on track for the demo next week?", I),
    ],
)

# ---------------------------------------------------------------- data / research
brief(
    "retail-bi", "data",
    "Verde Home (online homeware retailer) needs one place for sales and stock numbers. We will build "
    "data pipelines into BigQuery and a set of Looker Studio dashboards, then hand over with "
    "documentation. 10 weeks, time and materials capped at 300 hours.",
    [
        item("etl", "in", "Daily ETL pipelines from Shopify and Google Analytics 4 into BigQuery"),
        item("model", "in", "Cleaned data model for orders, products, customers and inventory"),
        item("dashboards", "in", "Looker Studio dashboards for sales, margin and inventory levels"),
        item("weekly-report", "in", "Automated weekly sales report emailed to the leadership team"),
        item("handover", "in", "Documentation and one training session for the client's analysts"),
        item("ml", "out", "Machine learning demand forecasting or predictive models"),
        item("ads", "out", "Running or optimising advertising campaigns"),
        item("crm", "out", "CRM migration or CRM data cleansing"),
        item("realtime", "out", "Real-time streaming data or sub-hourly refresh"),
    ],
    [
        ("Add returns to sales dashbord", "Can the sales dashboard show returns and net sales too? right now it's gross only", I),
        ("Forecast next quarter", "Board wants a forecast of demand per category for Q3, could you build a model for that using the data you already have?", O),
        ("Live numbers during Black Friday", "On Black Friday we want to see sales updating every few minutes on the big screen in the office", O),
        ("Data looks wrong", "Inventory dashboard says 0 units for the oak shelves but we have 40 in the warehouse. can someone check the pipeline", I),
        ("Facebook ads spend", "Can you also pull our Meta ads spend into BigQuery so we can see ROAS next to sales?", O),
        ("Clean up HubSpot contacts", "our hubspot has loads of duplicate contacts, could your team dedupe it while you're in the data anyway?", O),
        ("Weekly email didn't arrive", "The Monday sales report didnt come this week, was it sent?", I),
        ("Training for new analyst", "We hired a new analyst in September, can you run the training session again for her?", O),
        ("Margin by supplier", "Is it possible to break down margin by supplier on the margin dashboard?", I),
        ("Customer lifetime value", "Could we get a CLV number per customer segment? marketing keeps asking", U),
        ("Access for the agency", "Please give our marketing agency view access to the dashboards", I),
        ("Documentation", "Where is the doc that explains the tables? our analyst can't find what 'net_rev_adj' means", I),
        ("Churn prediction", "Which customers are likely to stop buying? can we score them so we know who to target?", O),
        ("Hourly refresh", "Daily is a bit slow for us, can the pipelines run every hour instead?", U),
        ("Google Ads campaign", "Our PPC guy left, could you manage the Google Ads campaigns for a couple of months?", O),
    ],
)

brief(
    "foodbank-survey", "research",
    "Riverside Food Bank wants to understand who uses its services and what stops eligible families "
    "from coming. Quantitative study: an online and paper survey of service users, analysed and "
    "written up for the board and funders.",
    [
        item("questionnaire", "in", "Design of the survey questionnaire (up to 30 questions) with the client's team"),
        item("fieldwork", "in", "Fieldwork: online survey plus paper forms at three distribution sites, up to 1,000 responses"),
        item("analysis", "in", "Statistical analysis: descriptive statistics, cross-tabulations and significance tests"),
        item("report", "in", "Final written report (about 30 pages) and one presentation to the board"),
        item("qual", "out", "Qualitative research such as focus groups or in-depth interviews"),
        item("translation", "out", "Translation of the questionnaire into other languages"),
        item("paper", "out", "Writing or submitting an academic journal paper"),
        item("waves", "out", "Ongoing tracking surveys or repeat waves"),
    ],
    [
        ("Can we add a question about transport", "Board member suggested asking how people get to the site (bus, car, walking). Can we still add it?", I),
        ("Spanish version", "About a third of our clients speak Spanish at home. We need the survey in Spanish too.", O),
        ("Interviews with volunteers", "It would be great to also talk to 8-10 volunteers one on one about what they see at the pantry", O),
        ("Significance", "In the draft, is the difference between the two sites actually significant or just noise?", I),
        ("Journal article", "A professor at the university wants to co-author a paper from this data. Could you write it up for a journal?", O),
        ("Second wave next year", "Can we repeat the same survey next spring so we can compare?", O),
        ("Present to funders too", "The funders also want a presentation, separate from the board one. Is that ok?", U),
        ("Paper forms at 4th site", "We opened a fourth pantry at St Mark's. Could paper surveys go there as well?", O),
        ("Response count", "How many responses do we have so far? Are we going to hit 1000?", I),
        ("Charts for newsletter", "Could you make 3-4 simple charts from the results that we can put in our newsletter?", U),
        ("Shorten questionaire", "pilot people said it took 25 mins, too long. can we cut it down to 15?", I),
        ("Focus group", "we want to run a focus group with parents to dig deeper into the childcare issue", O),
        ("Report draft deadline", "When can we see the first draft of the report? board meets on the 14th", I),
        ("Data for our own use", "Can we get the raw anonymised data file so our staff can do their own analysis later?", U),
        ("Survey in Arabic", "We also need it in Arabic for the Syrian families at the north site", O),
    ],
)

brief(
    "kpi-retainer", "data",
    "Every month we produce the board KPI pack for Tidewater (B2B SaaS) from the Stripe and HubSpot "
    "exports they send us.",
    [
        item("pack", "in", "Monthly board KPI pack: MRR, churn, net revenue retention, CAC payback"),
        item("sources", "in", "Data taken from Stripe and HubSpot exports supplied by the client"),
        item("call", "in", "One call per month to walk the CFO through the pack"),
        item("questions", "in", "Answering ad-hoc questions about the numbers in the pack by email"),
    ],
    [
        ("January pack", "When will the January KPI pack be ready? board is on the 9th", I),
        ("Churn looks off", "December churn in the pack is 9%, that feels too high, can you double check the Stripe data?", I),
        ("Build us a dashboard", "Could you turn the pack into a live dashboard the board can log into whenever they want?", O),
        ("Investor data room", "We're fundraising, can you prepare the financial model for the data room?", O),
        ("Add NPS", "Can we add NPS to the pack? we run the survey in Delighted", U),
        ("CFO call time", "Can we move this month's call to Thursday?", I),
        ("Question on NRR", "why is NRR above 100% when we lost two customers last month?", I),
        ("Sales team commissions", "Can you calculate sales commissions for Q4 from HubSpot?", O),
        ("Cohort chart", "The board would like a cohort retention chart added", U),
        ("Payroll", "Could you also run payroll for our 12 employees?", O),
        ("Second call", "Could we have a second call this month with our CEO as well?", O),
        ("Pack in German", "Unser Aufsichtsrat möchte das KPI-Paket künftig auf Deutsch. Ist das möglich?", O),
    ],
)

# ---------------------------------------------------------------- marketing
brief(
    "florist-social", "marketing",
    "Social media management for Bloom & Co (florist chain, 6 shops). Organic content on Instagram "
    "and LinkedIn, posted and moderated by us, with a monthly report. Retainer, renewed monthly.",
    [
        item("calendar", "in", "Monthly content calendar agreed with the client by the 25th of the previous month"),
        item("instagram", "in", "12 Instagram feed posts and 8 stories per month, including captions and hashtags"),
        item("linkedin", "in", "8 LinkedIn company page posts per month"),
        item("community", "in", "Community management: replying to comments and direct messages on weekdays 9:00-17:00"),
        item("report", "in", "Monthly performance report with reach, engagement and follower growth"),
        item("paid", "out", "Paid social advertising, boosted posts and ad budget management"),
        item("influencers", "out", "Influencer outreach and partnerships"),
        item("video", "out", "Video production, filming and reels editing"),
        item("platforms", "out", "TikTok, Pinterest, X/Twitter or other platforms"),
        item("web-copy", "out", "Website copywriting and email newsletters"),
    ],
    [
        ("Valentine's posts", "Can we plan extra posts around valentines? it's our busiest week of the year", U),
        ("Boost the Mother's Day post", "Put £200 behind the mother's day post so more people see it pls", O),
        ("Reel of the new shop", "we'd love a reel showing the new Camden shop opening, can you come and film on saturday?", O),
        ("Reply to angry comment", "Someone left a nasty comment about a late delivery under yesterday's post, can you reply nicely and DM them?", I),
        ("TikTok account", "Our younger staff say we should be on TikTok. Can you start posting there too?", O),
        ("Report numbers", "In the March report, why did reach drop so much compared to feb?", I),
        ("LinkedIn post about new hire", "Please post on linkedin welcoming Sarah our new head florist, photo attached", I),
        ("Newsletter", "Could you write our monthly email newsletter as well? it's just a few paragraphs", O),
        ("Influencer collab", "A local influencer with 40k followers messaged us, can you handle the collab and negotiate a fee?", O),
        ("Weekend DMs", "We get lots of DMs on saturday about same day delivery, can someone reply on weekends too?", O),
        ("Hashtags", "Which hashtags are we using? we think #flowersoflondon works better", I),
        ("Calendar for May", "Haven't seen May's content calendar yet and it's already the 27th", I),
        ("Instagram shop setup", "Can you set up Instagram Shopping so people can buy bouquets directly from the posts?", U),
        ("Pinterest boards", "wedding clients love pinterest, could you make us some boards?", O),
        ("Photos for posts", "We're running out of good photos. Can you organise a photoshoot of the spring bouquets for the feed?", O),
        ("Post went out with typo", "the linkedin post today says 'boquet' - can you fix it?", I),
        ("Weekend comments + boost", "please answer the comments from the weekend, and also boost the wedding post with £50", O),
    ],
)

brief(
    "saas-seo", "marketing",
    "SEO and content for Ledgerly (accounting software for freelancers). Goal: more organic sign-ups "
    "from search in 6 months. We handle technical SEO, keyword strategy and blog content; Ledgerly's "
    "developers implement site changes.",
    [
        item("audit", "in", "Technical SEO audit of ledgerly.com with a prioritised fix list"),
        item("keywords", "in", "Keyword research and a content plan for the six months"),
        item("blog", "in", "Four blog articles per month (1,200-1,800 words), written, optimised and uploaded to the CMS"),
        item("onpage", "in", "On-page optimisation recommendations: titles, meta descriptions, headings, internal links"),
        item("reporting", "in", "Monthly rankings and organic traffic report"),
        item("dev", "out", "Implementing code or template changes on the website (done by Ledgerly's developers)"),
        item("paid-search", "out", "Paid search (Google Ads) and paid social"),
        item("links", "out", "Buying backlinks or paid link placements"),
        item("translation", "out", "Content in languages other than English"),
        item("pr", "out", "PR, press releases and media relations"),
    ],
    [
        ("Fix the sitemap", "Your audit says the XML sitemap is broken. Can you just fix it yourselves? our devs are swamped", O),
        ("Blog topic swap", "Instead of the VAT article this month could we do one on invoicing for photographers?", I),
        ("Google ads", "We'd like to try Google Ads for 'freelance invoicing app'. Can you set up a campaign?", O),
        ("Press release for funding", "We just raised our seed round! Can you write a press release and pitch it to TechCrunch?", O),
        ("Rankings dropped", "We dropped from page 1 for 'freelancer accounting software', what happened?", I),
        ("German blog", "We're launching in Germany, could the blog articles be in German?", O),
        ("Guest posts", "Can you get us some guest posts on other finance blogs? happy to pay for placements", O),
        ("Meta descriptions for pricing page", "Please suggest a new title and meta description for the pricing page", I),
        ("Extra articles", "Can we do 6 articles in April instead of 4 because of tax season?", O),
        ("Landing page copy", "Could you write the copy for our new landing page for accountants?", U),
        ("Core web vitals", "The audit mentions LCP problems, can you explain what we need to change?", I),
        ("Upload to Webflow", "the articles are in Google Docs, can you upload them to Webflow with the images?", I),
        ("YouTube SEO", "we also have a YouTube channel, could you optimise the video titles?", U),
        ("Competitor keywords", "What keywords is FreshBooks ranking for that we are not?", I),
        ("Reddit", "can you post about us on reddit and quora threads where people ask about invoicing", O),
    ],
)

# ---------------------------------------------------------------- design
brief(
    "dental-brand", "design",
    "New brand identity for Oakridge Dental, a family dental practice opening its second clinic. From "
    "discovery workshop to brand guidelines; print production is handled by the client's printer.",
    [
        item("discovery", "in", "Discovery workshop and mood boards"),
        item("logo", "in", "Logo design: three initial concepts and two rounds of revisions on the chosen one"),
        item("palette", "in", "Colour palette and typography selection"),
        item("guidelines", "in", "Brand guidelines PDF (logo usage, colours, type, tone of voice basics)"),
        item("stationery", "in", "Business card, letterhead and appointment card designs"),
        item("website", "out", "Website design or development"),
        item("signage", "out", "Exterior signage and interior wayfinding design"),
        item("print", "out", "Printing costs and managing print production"),
        item("imagery", "out", "Photography and illustration"),
        item("marketing", "out", "Social media templates and ongoing marketing design"),
    ],
    [
        ("Third revision round", "We're nearly there with the logo but the partners want one more round of tweaks on the tooth shape", O),
        ("Logo concepts feedback", "We like concept B most. Could the tooth be less cartoonish?", I),
        ("Sign above the door", "The landlord needs the sign design for the new clinic front by next month", O),
        ("Website in new brand", "Our web guy wants to redo the website with the new look, can you design the homepage?", O),
        ("Instagram templates", "Can we have some templates for Instagram posts in the new style?", O),
        ("Fonts licence", "Is the font you picked free to use or do we need to buy a licence?", I),
        ("Appointment card back side", "Can the appointment card have a small map on the back?", I),
        ("Printer needs files", "Our printer asks for print-ready PDFs with bleed for the business cards", I),
        ("Photos of the team", "We need new headshots of the dentists for the brand", O),
        ("Uniform embroidery", "Can you adapt the logo for embroidery on the staff scrubs?", U),
        ("Tone of voice", "The guidelines tone section is thin - could you write example phrases for reception staff on the phone?", U),
        ("Print the cards", "Can you just order 2000 business cards for us? we don't have time", O),
        ("Colour on screen vs print", "The teal looks different on the printed letterhead, is the CMYK value right?", I),
        ("Mascot illustration", "The kids love a mascot - can you draw a friendly tooth character for the children's area?", O),
        ("Workshop", "when is the discovery workshop? we'd like all 3 partners there", I),
        ("Waiting room posters", "we need a few posters for the waiting room about flossing", O),
    ],
)

brief(
    "energy-portal-ux", "design",
    "UX/UI redesign of the Helios Energy customer portal, where households check usage, pay bills and "
    "report meter readings. Design only: our deliverable is a Figma design ready for Helios's in-house "
    "developers.",
    [
        item("research", "in", "User research: five user interviews and a usability test of the current portal"),
        item("wireframes", "in", "Wireframes of the main journeys: sign-in, usage, billing and payments, meter readings"),
        item("ui", "in", "High-fidelity UI design in Figma for up to 12 page templates, desktop and mobile web"),
        item("design-system", "in", "Design system: components, colours, typography and accessibility notes (WCAG 2.2 AA)"),
        item("handoff", "in", "Developer handoff session and answers to developer questions for four weeks"),
        item("dev", "out", "Front-end or back-end development"),
        item("copy", "out", "Copywriting and content strategy"),
        item("app", "out", "Native mobile app design"),
        item("stock", "out", "Stock photography or illustration licences"),
    ],
    [
        ("Build the pages", "Our dev team is short staffed, could you also code the new billing page in React?", O),
        ("More interviews", "Can we do 10 interviews instead of 5? the first ones were really useful", O),
        ("Meter reading flow", "The meter reading wireframe misses the case where the customer has two meters", I),
        ("App designs", "We want the same look in our iOS and Android app. can you design the app screens?", O),
        ("Contrast issue", "Accessibility team says the grey text on the usage page fails contrast", I),
        ("Error messages wording", "Can you write the error messages and help text for the payment form?", O),
        ("13th template", "We realised we also need a page for moving house. is that ok?", U),
        ("Dev question on spacing", "Developer asks: what's the spacing token between cards on mobile?", I),
        ("Illustrations for empty states", "can you source or draw illustrations for the empty states?", O),
        ("Tablet layouts", "Do the designs cover tablet? our analytics show 15% of visits on iPad", U),
        ("Usability test recruitment", "Who recruits the participants for the usability test, us or you?", I),
        ("Dark theme", "could the design system include a dark theme as well?", U),
        ("Handoff questions after 3 months", "Devs are finally starting the build (3 months after handoff) and have questions about the components", O),
        ("Figma access", "please share the figma file with our new product manager", I),
        ("Help centre content", "our FAQ is outdated, could you rewrite the help articles?", O),
    ],
)

# ---------------------------------------------------------------- consulting
brief(
    "warehouse-ops", "consulting",
    "Operations review for Baltic Freight's Riga warehouse: where time and money are lost between "
    "goods-in and dispatch, and what to change first. Eight-week engagement ending with "
    "recommendations; implementation is not part of this engagement.",
    [
        item("assessment", "in", "Current-state assessment: site visits, staff interviews and analysis of WMS data"),
        item("mapping", "in", "Process maps for goods-in, put-away, picking, packing and dispatch"),
        item("kpis", "in", "KPI baseline: pick rate, order accuracy, dock-to-stock time"),
        item("recommendations", "in", "Recommendations report with a prioritised improvement roadmap and cost-benefit estimates"),
        item("workshops", "in", "Two workshops with the management team"),
        item("implementation", "out", "Implementation of changes, including WMS configuration or new software"),
        item("hr", "out", "Recruitment, HR restructuring or redundancy advice"),
        item("training", "out", "Training warehouse staff"),
        item("legal", "out", "Legal, tax or customs advice"),
        item("other-sites", "out", "Any site other than the Riga warehouse"),
    ],
    [
        ("Tallinn site too", "Management asks if you could also have a look at our Tallinn warehouse while you're in the region", O),
        ("Picking analysis", "Can you split the pick rate by shift? we think nights are slower", I),
        ("Configure WMS slotting", "Could your consultant set up the new slotting rules in our WMS directly?", O),
        ("Workshop date", "Can we move the second workshop to the 12th?", I),
        ("Layoffs", "If we automate packing, how should we handle the staff we no longer need? what are our obligations?", O),
        ("Customs delays", "Trucks wait hours for customs clearance, can you advise on bonded warehouse status?", O),
        ("Interview the night shift", "Please also interview the night shift team leads, they see things differently", I),
        ("Train pickers", "Once we have the new process, can you train the pickers on it?", O),
        ("Cost benefit of conveyor", "In the roadmap, what would a conveyor between packing and dispatch pay back?", I),
        ("Returns process", "Returns processing is a mess too. Can you map that as well?", U),
        ("Third workshop", "We'd like a third workshop, with the shift supervisors this time", O),
        ("Data export", "What WMS reports do you need from us, and in what format?", I),
        ("Help choosing a new WMS", "Could you help us select a new WMS vendor, write the RFP and score the bids?", O),
        ("Interim findings", "Can we get a short interim summary at week 4 for the board?", U),
        ("dock to stock", "how are you measuring dock-to-stock? our numbers from the system differ from yours", I),
    ],
)

brief(
    "iso27001-readiness", "consulting",
    "ISO 27001:2022 readiness for Pinecone Health (SaaS, 60 staff). We find the gaps, write the "
    "missing policies and rehearse the audit so they can book certification with confidence.",
    [
        item("gap", "in", "Gap analysis against ISO 27001:2022 clauses and Annex A controls"),
        item("risk", "in", "Risk assessment methodology and an initial risk register"),
        item("policies", "in", "Drafting up to 15 information security policies and the Statement of Applicability"),
        item("internal-audit", "in", "One internal audit rehearsal before the certification audit"),
        item("pentest", "out", "Penetration testing or vulnerability scanning"),
        item("cert", "out", "Certification body fees and the certification audit itself"),
        item("tech-controls", "out", "Implementing technical controls (MDM, SIEM, backups, access management tooling)"),
        item("legal", "out", "Legal opinions on GDPR, HIPAA or contracts"),
    ],
    [
        ("Pen test quote", "Our enterprise customer wants a pentest report. can you do one?", O),
        ("Acceptable use policy", "Can you draft the acceptable use policy next? HR wants it for onboarding", I),
        ("Set up Intune", "We need device management for the laptops, could you roll out Intune?", O),
        ("Risk register owners", "Who should own the risks in the register, the CTO or each team lead?", I),
        ("DPA review", "A customer sent their data processing agreement, can you check it's OK for GDPR?", O),
        ("SOC 2 as well", "US customers ask for SOC 2. Could your gap analysis cover SOC 2 too?", O),
        ("Annex A 8.16", "What evidence do auditors expect for the monitoring activities control?", I),
        ("Second rehearsal", "The rehearsal showed lots of issues. Can we do another internal audit in 2 months?", O),
        ("Security awareness training", "Do you run the security awareness training for staff?", U),
        ("Certification body", "Which certification bodies would you recommend? we want to get quotes", I),
        ("Backup policy", "Please write the backup policy, and then configure the backups in AWS to match it", O),
        ("Policy count", "We have 18 policies on the list from your gap report - are all of them included?", U),
        ("SoA question", "Should we exclude physical security controls in the Statement of Applicability since we're fully remote?", I),
        ("Vulnerability scan", "Could you run a quick vulnerability scan on our public IPs?", O),
        ("Supplier security questionnaire", "A big hospital customer sent a 200-question security questionnaire, can you fill it in for us?", O),
    ],
)


def main():
    here = pathlib.Path(__file__).resolve().parent
    lines = []
    for bid, domain, b, requests in BRIEFS:
        ids = [it["id"] for it in b["items"]]
        assert len(ids) == len(set(ids)), bid
        for n, (title, body, expected) in enumerate(requests, start=1):
            case = {
                "id": f"{bid}-{n:02}",
                "domain": domain,
                "brief": b,
                "title": title,
                "body": body,
                "expected": expected,
            }
            lines.append(json.dumps(case, ensure_ascii=False))
    (here / "cases.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    counts = {}
    for line in lines:
        e = json.loads(line)["expected"]
        counts[e] = counts.get(e, 0) + 1
    print(len(lines), "cases", counts)


if __name__ == "__main__":
    main()
