"""Story material for the sample site: real-world people, organisations and places.

Each `Story` is the raw material for one article: who says what, where, with an organisation
that has an acronym or short form (so the entity stage has something to merge). The wording is
fictional sample text written for newslake's tests; it reports no real statement.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Person:
    full: str
    short: str
    role: str  # "{org}" is replaced by the organisation's first or short mention


@dataclasses.dataclass(frozen=True)
class Org:
    full: str  # canonical full form, without a leading article
    acr: str | None  # acronym defined in text at first mention, e.g. "(WHO)"
    article: str = "the "  # "the " or "" before the full form
    short_ref: str | None = None  # how later sentences refer to it; defaults to article + acr

    @property
    def first_ref(self) -> str:
        return f"{self.article}{self.full}" + (f" ({self.acr})" if self.acr else "")

    @property
    def later_ref(self) -> str:
        if self.short_ref:
            return self.short_ref
        return f"{self.article}{self.acr}" if self.acr else f"{self.article}{self.full}"


@dataclasses.dataclass(frozen=True)
class Story:
    key: str
    section: str
    headlines: tuple[str, str]
    person: Person
    org: Org
    place: str
    topic: str
    claim: str
    details: tuple[str, str, str]
    quote: str
    next_step: str
    person2: Person | None = None
    org2: Org | None = None
    place2: str | None = None
    claim2: str | None = None
    quote2: str | None = None


def _s(*args, **kwargs) -> Story:
    return Story(*args, **kwargs)


STORIES: tuple[Story, ...] = (
    _s(
        "ecb-rates",
        "economy",
        ("ECB holds rates steady as Lagarde signals patience", "Lagarde says ECB in no hurry to cut again"),
        Person("Christine Lagarde", "Lagarde", "president of {org}"),
        Org("European Central Bank", "ECB"),
        "Frankfurt",
        "interest rates",
        "policymakers would wait for clearer evidence that inflation was returning to target before cutting borrowing costs again",
        (
            "Markets had priced in a further quarter-point cut by the summer.",
            "Economists said the decision reflected concern over wage growth in the services sector.",
            "The euro edged higher against the dollar after the remarks.",
        ),
        "We are not pre-committing to any particular rate path",
        "publish its next staff projections",
        Person("Joachim Nagel", "Nagel", "president of {org}"),
        Org("Deutsche Bundesbank", None, "", "the Bundesbank"),
        "Berlin",
        "German inflation data supported a cautious approach",
        "Patience is the right choice while price pressures remain stubborn",
    ),
    _s(
        "un-climate-finance",
        "world",
        (
            "Guterres calls for faster climate finance at Nairobi meeting",
            "UN chief presses rich nations on adaptation funding",
        ),
        Person("Antonio Guterres", "Guterres", "Secretary-General of {org}"),
        Org("United Nations", "UN"),
        "Nairobi",
        "climate finance",
        "wealthy nations must deliver on their pledges to help developing countries adapt to extreme weather",
        (
            "Delegates from more than 40 countries attended the meeting.",
            "Several governments in East Africa have reported repeated droughts and floods in recent years.",
            "Aid groups welcomed the call but said money was arriving too slowly.",
        ),
        "Promises do not build sea walls or irrigation systems",
        "present a progress report to member states",
        Person("Inger Andersen", "Andersen", "executive director of {org}"),
        Org("United Nations Environment Programme", "UNEP"),
        "Geneva",
        "adaptation costs were rising faster than funding",
        "The gap between what is needed and what is provided keeps widening",
    ),
    _s(
        "apple-india",
        "technology",
        (
            "Apple expands manufacturing partnerships in India, Cook says",
            "Cook points to India as Apple broadens supply chain",
        ),
        Person("Tim Cook", "Cook", "chief executive of {org}"),
        Org("Apple", None, ""),
        "Cupertino",
        "supply chains",
        "the company would continue to widen its manufacturing base beyond its traditional suppliers",
        (
            "Apple has steadily increased the share of iPhones assembled in India.",
            "Suppliers in Bengaluru and Chennai have hired thousands of workers over the past year.",
            "Shares in the company were little changed in early trading.",
        ),
        "We want resilience at every step of the chain",
        "report quarterly results",
    ),
    _s(
        "who-vaccination",
        "health",
        ("WHO urges countries to rebuild vaccination programmes", "Tedros warns of gaps in routine immunisation"),
        Person("Tedros Adhanom Ghebreyesus", "Tedros", "Director-General of {org}"),
        Org("World Health Organization", "WHO", short_ref="WHO"),
        "Geneva",
        "routine immunisation",
        "too many children were still missing routine vaccinations after years of disruption",
        (
            "Measles cases have risen in several regions.",
            "Health ministers are due to discuss funding for immunisation campaigns.",
            "Public health experts said local clinics needed more staff as well as vaccines.",
        ),
        "Every missed dose is a door left open for outbreaks",
        "publish updated coverage estimates",
        Person("Catherine Russell", "Russell", "executive director of {org}"),
        Org("United Nations Children's Fund", "UNICEF", short_ref="UNICEF"),
        "New York",
        "supply deliveries to remote areas would be stepped up",
        "We know how to reach these children, and we must do it now",
    ),
    _s(
        "fed-rates",
        "economy",
        ("Powell says Federal Reserve can afford to wait", "Fed chair stresses caution on rate cuts"),
        Person("Jerome Powell", "Powell", "chair of {org}"),
        Org("Federal Reserve", "Fed", short_ref="the Fed"),
        "Washington",
        "monetary policy",
        "the central bank did not need to be in a hurry to adjust interest rates",
        (
            "Recent data showed hiring remained solid.",
            "Investors trimmed bets on a cut at the next meeting.",
            "Treasury yields rose slightly after the remarks.",
        ),
        "The economy is in a good place and policy is well positioned",
        "release the minutes of its latest meeting",
    ),
    _s(
        "imf-outlook",
        "economy",
        ("IMF's Georgieva warns of uneven global growth", "Georgieva says IMF sees resilient but uneven recovery"),
        Person("Kristalina Georgieva", "Georgieva", "managing director of {org}"),
        Org("International Monetary Fund", "IMF"),
        "Washington",
        "the global outlook",
        "growth was holding up better than expected but remained uneven across regions",
        (
            "Trade tensions and high debt levels were named as the main risks.",
            "Emerging economies in Asia were expected to grow fastest.",
            "Finance ministers will meet in the spring to discuss the outlook.",
        ),
        "Resilience is not the same as strength",
        "publish its updated World Economic Outlook",
        Person("Ajay Banga", "Banga", "president of {org}"),
        Org("World Bank", None),
        "Dubai",
        "private investment would be needed to close financing gaps",
        "Public money alone will not be enough",
    ),
    _s(
        "eu-trade",
        "world",
        ("Von der Leyen sets out EU trade priorities", "European Commission outlines new trade agenda"),
        Person("Ursula von der Leyen", "von der Leyen", "President of {org}"),
        Org("European Commission", None, "the ", "the Commission"),
        "Brussels",
        "trade policy",
        "Europe would seek new agreements with partners in Asia and Latin America",
        (
            "The announcement comes amid tariff disputes with several trading partners.",
            "Diplomats said talks with Mercosur countries were at an advanced stage.",
            "Business groups broadly welcomed the plan.",
        ),
        "Open trade with reliable partners is part of our security",
        "present detailed proposals to member states",
        Person("Ngozi Okonjo-Iweala", "Okonjo-Iweala", "Director-General of {org}"),
        Org("World Trade Organization", "WTO"),
        "Geneva",
        "the multilateral trading system still needed reform",
        "Rules-based trade has served the world well and must be renewed",
    ),
    _s(
        "emirates-routes",
        "business",
        ("Emirates adds routes as Dubai passenger traffic climbs", "Clark says Emirates will keep expanding network"),
        Person("Tim Clark", "Clark", "president of {org}"),
        Org("Emirates", None, ""),
        "Dubai",
        "airline capacity",
        "the airline would add new destinations as demand for long-haul travel kept growing",
        (
            "Passenger numbers through the emirate reached a record last year.",
            "The airline is waiting for delayed aircraft deliveries.",
            "Travel agents reported strong bookings for the summer season.",
        ),
        "Demand is there and we intend to meet it",
        "announce its annual results",
        Person("Paul Griffiths", "Griffiths", "chief executive of {org}"),
        Org("Dubai Airports", None, ""),
        "Dubai",
        "terminal upgrades would be completed on schedule",
        "We are building for the traffic of the next decade",
    ),
    _s(
        "microsoft-datacentres",
        "technology",
        (
            "Nadella outlines Microsoft data centre plans",
            "Microsoft to keep investing in AI infrastructure, Nadella says",
        ),
        Person("Satya Nadella", "Nadella", "chief executive of {org}"),
        Org("Microsoft", None, ""),
        "Redmond",
        "artificial intelligence infrastructure",
        "the company would keep investing heavily in data centres to meet demand for artificial intelligence services",
        (
            "Cloud revenue has grown strongly over the past year.",
            "Local officials in several countries have raised questions about power and water use.",
            "Analysts said spending would remain high for several years.",
        ),
        "Capacity is the constraint, not demand",
        "update investors on its capital spending",
        Person("Sam Altman", "Altman", "chief executive of {org}"),
        Org("OpenAI", None, ""),
        "San Francisco",
        "computing capacity was the main limit on new products",
        "We need far more compute than exists today",
    ),
    _s(
        "nvidia-chips",
        "technology",
        ("Nvidia's Huang says chip demand remains strong", "Huang upbeat on Nvidia orders"),
        Person("Jensen Huang", "Huang", "chief executive of {org}"),
        Org("Nvidia", None, ""),
        "Santa Clara",
        "chip supply",
        "orders for its newest processors were running ahead of supply",
        (
            "Data centre operators have placed large orders for new systems.",
            "Export rules continue to limit sales to some markets.",
            "The company's shares have been volatile this year.",
        ),
        "Every industry is going to need this computing",
        "hold its annual developer conference",
        Person("C. C. Wei", "Wei", "chief executive of {org}"),
        Org("Taiwan Semiconductor Manufacturing Company", "TSMC"),
        "Hsinchu",
        "advanced packaging capacity would double",
        "Our customers' demand is very strong",
    ),
    _s(
        "boe-rates",
        "economy",
        ("Bailey says Bank of England will cut gradually", "Bank of England governor signals careful approach"),
        Person("Andrew Bailey", "Bailey", "Governor of {org}"),
        Org("Bank of England", "BoE"),
        "London",
        "borrowing costs",
        "further cuts in interest rates would come gradually and carefully",
        (
            "Inflation in the United Kingdom remains above the 2 per cent target.",
            "Mortgage lenders have started to lower some fixed rates.",
            "Sterling was steady against the euro.",
        ),
        "We have to be careful about the path ahead",
        "announce its next rate decision",
        Person("Rachel Reeves", "Reeves", "Chancellor of the Exchequer at {org}"),
        Org("HM Treasury", None, "", "the Treasury"),
        "London",
        "the government's fiscal rules would not change",
        "Stability is the foundation for growth",
    ),
    _s(
        "iaea-safety",
        "world",
        ("Grossi says IAEA will expand nuclear safety missions", "IAEA chief calls for more inspectors"),
        Person("Rafael Grossi", "Grossi", "Director General of {org}"),
        Org("International Atomic Energy Agency", "IAEA"),
        "Vienna",
        "nuclear safety",
        "the agency would send more experts to monitor safety at nuclear power plants",
        (
            "The agency's board of governors met this month.",
            "Several countries have announced plans to build new reactors.",
            "Diplomats said the budget for inspections was under strain.",
        ),
        "Safety cannot be taken for granted",
        "report to its board of governors",
    ),
    _s(
        "iea-oil",
        "energy",
        (
            "IEA's Birol expects oil demand growth to slow",
            "Birol says energy markets face a comfortable supply cushion",
        ),
        Person("Fatih Birol", "Birol", "executive director of {org}"),
        Org("International Energy Agency", "IEA"),
        "Paris",
        "oil demand",
        "growth in global oil demand was slowing as electric vehicles spread",
        (
            "Prices have eased from last year's highs.",
            "Producers outside the cartel are pumping record volumes.",
            "Traders said the forecast was broadly in line with expectations.",
        ),
        "The market looks well supplied for now",
        "publish its monthly oil market report",
        Person("Haitham al-Ghais", "al-Ghais", "Secretary General of {org}"),
        Org("Organization of the Petroleum Exporting Countries", "OPEC", "the ", "OPEC"),
        "Vienna",
        "investment in supply was still needed",
        "Underinvestment is the real risk to energy security",
    ),
    _s(
        "tfl-night",
        "city",
        ("Sadiq Khan announces extended night services", "TfL to run more night services, says Khan"),
        Person("Sadiq Khan", "Khan", "Mayor of London"),
        Org("Transport for London", "TfL", "", "TfL"),
        "London",
        "night transport",
        "more bus and Tube services would run through the night at weekends",
        (
            "Passenger numbers on night routes have recovered strongly.",
            "Businesses in the night-time economy had campaigned for the change.",
            "Unions said staffing levels would need to rise.",
        ),
        "A great city needs transport that never sleeps",
        "publish a timetable for the new services",
    ),
    _s(
        "fifa-schedule",
        "sport",
        ("FIFA confirms host city schedule for 2026 World Cup", "Infantino says 2026 World Cup plans on track"),
        Person("Gianni Infantino", "Infantino", "president of {org}"),
        Org("Fédération Internationale de Football Association", "FIFA", "the ", "FIFA"),
        "Zurich",
        "the 2026 World Cup",
        "preparations for the 2026 World Cup were on track in all three host countries",
        (
            "The tournament will be played in the United States, Canada and Mexico.",
            "Ticket sales are due to open later this year.",
            "Host cities have been asked to finalise fan zone plans.",
        ),
        "This will be the biggest tournament in history",
        "publish the full match schedule",
    ),
    _s(
        "nato-spending",
        "world",
        (
            "Rutte urges NATO allies to raise defence spending",
            "NATO chief calls for faster increases in defence budgets",
        ),
        Person("Mark Rutte", "Rutte", "Secretary General of {org}"),
        Org("North Atlantic Treaty Organization", "NATO", "the ", "NATO"),
        "Brussels",
        "defence spending",
        "allies needed to spend more on defence and speed up weapons production",
        (
            "Several members are still below the alliance's spending guideline.",
            "Defence ministers will meet again before the summer summit.",
            "Industry groups said factories needed long-term contracts.",
        ),
        "We must produce more, faster",
        "publish annual spending figures",
    ),
    _s(
        "unhcr-appeal",
        "world",
        ("UNHCR's Grandi appeals for funding as needs grow", "Grandi warns of shortfall in refugee aid"),
        Person("Filippo Grandi", "Grandi", "head of {org}"),
        Org("Office of the United Nations High Commissioner for Refugees", "UNHCR", "the ", "UNHCR"),
        "Geneva",
        "refugee assistance",
        "humanitarian budgets were falling just as the number of displaced people reached new highs",
        (
            "Camps in Jordan and Kenya have reported food ration cuts.",
            "Aid agencies have been asked to prioritise the most vulnerable families.",
            "Donor governments are due to meet to discuss pledges.",
        ),
        "Behind every number is a family forced from home",
        "launch a new funding appeal",
        None,
        None,
        "Amman",
        None,
        None,
    ),
    _s(
        "boj-policy",
        "economy",
        ("Ueda says Bank of Japan will keep normalising policy", "Bank of Japan governor hints at further rate rises"),
        Person("Kazuo Ueda", "Ueda", "Governor of {org}"),
        Org("Bank of Japan", "BoJ"),
        "Tokyo",
        "interest rates",
        "the central bank would keep raising interest rates if the economy performed as expected",
        (
            "Wage negotiations this spring are expected to deliver solid increases.",
            "The yen strengthened after the comments.",
            "Economists expect another rise later in the year.",
        ),
        "We will adjust the degree of accommodation as needed",
        "hold its next policy meeting",
    ),
    _s(
        "mta-congestion",
        "city",
        ("MTA says congestion pricing is cutting traffic", "Lieber hails early congestion pricing results"),
        Person("Janno Lieber", "Lieber", "chair and chief executive of {org}"),
        Org("Metropolitan Transportation Authority", "MTA"),
        "New York",
        "congestion pricing",
        "traffic entering the toll zone in Manhattan had fallen since the charge began",
        (
            "Bus journeys in the zone have become faster.",
            "Revenue from the charge is meant to fund subway upgrades.",
            "Some businesses said deliveries had become more expensive.",
        ),
        "The numbers speak for themselves",
        "publish its first full quarterly report on the programme",
    ),
    _s(
        "google-ai",
        "technology",
        ("Pichai says Google will fold AI into more products", "Google chief outlines AI roadmap"),
        Person("Sundar Pichai", "Pichai", "chief executive of {org}"),
        Org("Google", None, ""),
        "Mountain View",
        "artificial intelligence",
        "the company would bring its latest artificial intelligence models to more of its products",
        (
            "Search remains the company's largest source of revenue.",
            "Rivals have launched competing assistants in recent months.",
            "Advertisers are watching how the changes affect traffic.",
        ),
        "We are at the start of a profound shift",
        "hold its annual developer conference",
        Person("Demis Hassabis", "Hassabis", "chief executive of {org}"),
        Org("Google DeepMind", None, ""),
        "London",
        "scientific research would remain a priority",
        "The biggest benefits will come in science and medicine",
    ),
    _s(
        "aramco-output",
        "energy",
        ("Aramco's Nasser says investment must continue", "Nasser warns against cutting oil and gas investment"),
        Person("Amin Nasser", "Nasser", "chief executive of {org}"),
        Org("Saudi Aramco", None, "", "Aramco"),
        "Dhahran",
        "energy investment",
        "the world would need oil and gas for decades and investment must not stop",
        (
            "The company reported lower profits last year as prices eased.",
            "It is expanding its gas business at home and abroad.",
            "Analysts said dividends would remain a focus for investors.",
        ),
        "The transition must be realistic",
        "update its production targets",
        Person("Sultan Al Jaber", "Al Jaber", "managing director and group chief executive of {org}"),
        Org("Abu Dhabi National Oil Company", "ADNOC"),
        "Abu Dhabi",
        "the company would expand both gas output and low-carbon projects",
        "We have to meet demand while cutting emissions",
    ),
    _s(
        "nhs-waiting",
        "health",
        ("Streeting sets out plan to cut NHS waiting lists", "Health Secretary promises faster NHS treatment"),
        Person("Wes Streeting", "Streeting", "the Health Secretary"),
        Org("National Health Service", "NHS"),
        "Manchester",
        "waiting lists",
        "hospitals would get extra funding to reduce waiting times for planned operations",
        (
            "Waiting lists in England remain near record levels.",
            "Community diagnostic centres will open for longer hours.",
            "Patient groups said the plan needed to reach GP surgeries too.",
        ),
        "Patients have waited too long for too little",
        "publish monthly performance figures",
    ),
    _s(
        "esa-launch",
        "science",
        ("ESA chief Aschbacher confirms new launch plans", "Aschbacher says Europe must secure access to space"),
        Person("Josef Aschbacher", "Aschbacher", "Director General of {org}"),
        Org("European Space Agency", "ESA", short_ref="ESA"),
        "Paris",
        "launch capacity",
        "Europe needed its own reliable access to space",
        (
            "The new heavy-lift rocket has flown successfully.",
            "Member states agreed a larger budget at their last ministerial meeting.",
            "Commercial launch companies have asked for more contracts.",
        ),
        "Autonomy in space is not a luxury",
        "announce the next launch date",
        Person("Janet Petro", "Petro", "acting administrator of {org}"),
        Org("National Aeronautics and Space Administration", "NASA", "the ", "NASA"),
        "Houston",
        "cooperation on lunar missions would continue",
        "Partnerships make exploration possible",
    ),
    _s(
        "gm-ev",
        "business",
        ("Mary Barra says GM will adjust electric vehicle output", "GM chief Barra outlines production plans"),
        Person("Mary Barra", "Barra", "chief executive of {org}"),
        Org("General Motors", "GM"),
        "Detroit",
        "electric vehicles",
        "the carmaker would match production of electric vehicles to demand",
        (
            "Sales of electric models rose last year but more slowly than forecast.",
            "The company is also building more hybrid vehicles.",
            "Dealers said buyers were waiting for cheaper models.",
        ),
        "We will be disciplined and flexible",
        "report its quarterly sales",
    ),
    _s(
        "afdb-finance",
        "economy",
        (
            "Adesina says African Development Bank will boost lending",
            "African Development Bank chief calls for more investment",
        ),
        Person("Akinwumi Adesina", "Adesina", "president of {org}"),
        Org("African Development Bank", "AfDB"),
        "Abidjan",
        "infrastructure finance",
        "the bank would increase lending for power and transport projects across the continent",
        (
            "The bank has raised new capital from member countries.",
            "Projects in Nigeria and Kenya are among the first in line.",
            "Investors said guarantees would help attract private money.",
        ),
        "Africa does not need pity, it needs investment",
        "hold its annual meetings",
        Person("Antonio Guterres", "Guterres", "Secretary-General of {org}"),
        Org("United Nations", "UN"),
        "Nairobi",
        "debt relief remained essential for poorer economies",
        "Debt should not stand in the way of development",
    ),
    _s(
        "dewa-solar",
        "energy",
        ("Dubai Electricity and Water Authority adds solar capacity", "DEWA's Al Tayer says solar park will grow"),
        Person("Saeed Mohammed Al Tayer", "Al Tayer", "managing director and chief executive of {org}"),
        Org("Dubai Electricity and Water Authority", "DEWA"),
        "Dubai",
        "solar power",
        "a new phase of the solar park would connect to the grid ahead of schedule",
        (
            "The park is one of the largest single-site solar projects in the world.",
            "Electricity demand in the emirate has grown with its population.",
            "Developers said bids for the next phase were very competitive.",
        ),
        "Clean energy is central to our plans",
        "open bids for the next phase",
    ),
)
