"""Word lists for generated company data: names, industries, legal forms, countries.

Deliberately broad (thousands of distinct tokens once brand words are generated) so that
trigram posting lists are as selective as in a real CRM, and deliberately messy (accents,
several spellings of one legal form) so that normalization is exercised as in real data.
"""

SURNAMES = """
Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore
Martin Jackson Thompson White Harris Clark Lewis Robinson Walker Young Allen King Wright
Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans Turner
Parker Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey
Bell Kelly Howard Ward Cox Richardson Wood Watson Brooks Bennett Gray Hughes Price Sanders
Myers Long Ross Foster Powell Jenkins Perry Russell Sullivan Fisher Hamilton Graham Wallace
Hayes Bryant Gibson Ellis Stevens Murray Ford Marshall Owens McDonald Harrison Kennedy Wells
Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Schäfer Koch
Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann
Lange Schmitt Werner Krause Meier Lehmann Köhler Herrmann König Walter Mayer Huber Kaiser
Fuchs Peters Lang Scholz Möller Weiß Jung Hahn Vogel Keller Günther Frank Berger Winkler
Roth Beck Lorenz Baumann Franke Albrecht Schuster Simon Ludwig Böhm Winter Kraus Martens
Schumacher Krämer Vogt Stein Jäger Otto Sommer Groß Seidel Heinrich Brandt Haas Schreiber
Graf Dietrich Ziegler Kuhn Kühn Pohl Engel Horn Busch Bergmann Thomas Voigt Sauer Arnold
Dubois Durand Lefebvre Leroy Moreau Laurent Michel Garnier Rousseau Fontaine Chevalier
Lefèvre Mercier Girard Bonnet Dupont Lambert Faure André Blanc Guérin Boyer Gauthier Perrin
Morel Clément Roussel Vincent Robin Masson Henry Gautier Legrand Brun Dumont Fournier
García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Ruiz Díaz Hernández
Álvarez Jiménez Moreno Muñoz Romero Alonso Gutiérrez Navarro Torres Domínguez Vázquez
Ramos Gil Ramírez Serrano Blanco Molina Castro Ortega Rubio Marín Sanz Iglesias Núñez Peña
Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti
Costa Giordano Mancini Rizzo Lombardi Moretti Barbieri Fontana Santoro Mariani Rinaldi
Caruso Ferrara Galli Martini Leone Longo Gentile Martinelli Vitale Serra Coppola Farina
Jansen Visser Bakker Smit Meijer Mulder Bos Vos Peters Hendriks Dekker Brouwer Dijkstra
Janssen Vermeulen Willems Claes Goossens Wouters Maes Mertens Lemmens Verstraeten
Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson
Pettersson Jonsson Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen
Rasmussen Jørgensen Madsen Kristensen Olsen Thomsen Johansen Berg Haugen Hagen Bakke
Virtanen Korhonen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen Järvinen
Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański
Woźniak Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Piotrowski Grabowski
Novák Svoboda Novotný Dvořák Černý Procházka Kučera Veselý Horák Němec Marek Pokorný
Silva Santos Oliveira Souza Rodrigues Ferreira Alves Pereira Lima Gomes Ribeiro Carvalho
Almeida Lopes Soares Fernandes Vieira Barbosa Rocha Dias Nascimento Andrade Moreira
Tanaka Suzuki Takahashi Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida Yamada
Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi Shimizu Yamazaki Mori Abe Ikeda Hashimoto
Sharma Patel Singh Kumar Gupta Mehta Reddy Iyer Nair Joshi Agarwal Bose Chatterjee Rao
Kapoor Malhotra Chopra Desai Kulkarni Banerjee Pillai Menon Verma Saxena Bhatt Shah
Murphy Kelly Byrne Ryan OBrien Walsh OConnor McCarthy Doyle Gallagher Doherty Kennedy
Lynch Murray Quinn Moore McLoughlin Carroll Connolly Daly Connell Brennan Burke Collins
Nguyen Tran Le Pham Huynh Phan Vu Dang Bui Do Ho Ngo Duong Ly Chen Wang Li Zhang Liu
Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Lin He Gao Luo Kim Lee Park Choi Jung Kang
Cho Yoon Jang Lim Han Oh Seo Shin Kwon Hwang Ahn Song Ivanov Smirnov Kuznetsov Popov
Volkov Sokolov Lebedev Kozlov Novikov Morozov Petrov Pavlov Semenov Golubev Vinogradov
""".split()

FIRST_NAMES = """
James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara
Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy
Matthew Betty Anthony Sandra Mark Ashley Steven Emily Paul Michelle Andrew Amanda Joshua
Melissa Kevin Stephanie Brian Rebecca George Laura Timothy Helen Jason Anna Ryan Rachel
Jacob Olivia Emma Sophie Lukas Leon Felix Maximilian Jonas Paul Elias Finn Hannah Lena
Lea Mia Marie Katharina Julia Jürgen Uwe Stefan Andreas Thorsten Sabine Petra Ursula
Jean Pierre Michel Philippe Nicolas François Isabelle Nathalie Camille Amélie Hélène
José Antonio Manuel Francisco Javier Carmen Lucía Sofía Pablo Álvaro Marco Giuseppe
Alessandro Francesca Giulia Chiara Luca Matteo Sander Daan Bram Sanne Lotte Anouk Lars
Erik Anders Björn Ingrid Astrid Sven Mette Søren Henrik Mikko Jukka Aino Piotr Tomasz
Katarzyna Małgorzata Jan Petr Tereza João Ana Pedro Mariana Hiroshi Yuki Kenji Aiko
Priya Rahul Anjali Arjun Deepak Neha Sean Aoife Ciarán Niamh Minh Linh Wei Jing Min
Seo-yeon Ji-ho Dmitri Olga Sergei Natalia Chloe Grace Oliver Harry Jack Noah Liam
""".split()

# Words that open or qualify company names; many real companies share them.
GEO_WORDS = """
Pacific Atlantic Northern Southern Eastern Western Alpine Baltic Nordic Central Metro
Coastal Highland Midland Summit Pinnacle Liberty Eagle Phoenix Atlas Apex Zenith Meridian
Horizon Evergreen Silver Golden Blue Red Green Iron Granite Oak Cedar Maple Pine River Lake
Harbor Bay Valley Sun Star Polar Global United National Continental Royal Crown First
Premier Prime Capital Delta Sigma Omega Alpha Nova Vertex Keystone Cornerstone Heritage
Frontier Pioneer Sterling Beacon Lighthouse Harbour Bridge Gateway Orbit Quantum Vector
Titan Falcon Condor Lynx Wolf Bear Fox Hawk Raven Arrow Compass Anchor Crest Ridge Peak
Canyon Prairie Meadow Forest Island Ocean Rhine Danube Thames Hudson Elbe Loire Seine
""".split()

# (word, abbreviations partners and CRMs write for it)
INDUSTRY_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("Logistics", ("Log",)), ("Systems", ("Sys", "Syst")), ("Solutions", ("Sol", "Solns")),
    ("Technologies", ("Tech", "Techn")), ("Technology", ("Tech",)),
    ("International", ("Intl", "Int'l", "Intern")), ("Manufacturing", ("Mfg", "Mfr")),
    ("Services", ("Svcs", "Serv", "Svc")), ("Associates", ("Assoc", "Assocs")),
    ("Brothers", ("Bros",)), ("Engineering", ("Eng", "Engg")),
    ("Management", ("Mgmt", "Mgt")), ("Laboratories", ("Labs", "Lab")),
    ("Industries", ("Inds", "Ind")), ("Consulting", ("Consult",)), ("Partners", ()),
    ("Group", ("Grp",)), ("Holdings", ()), ("Capital", ("Cap",)), ("Investments", ("Inv",)),
    ("Properties", ("Props",)), ("Construction", ("Constr",)), ("Software", ("SW",)),
    ("Networks", ("Net",)), ("Communications", ("Comms", "Comm")), ("Media", ()),
    ("Energy", ()), ("Power", ()), ("Foods", ()), ("Farms", ()), ("Health", ()),
    ("Healthcare", ("HC",)), ("Pharma", ()), ("Pharmaceuticals", ("Pharma",)),
    ("Medical", ("Med",)), ("Dental", ()), ("Insurance", ("Ins",)), ("Bank", ()),
    ("Finance", ("Fin",)), ("Financial", ("Fin",)), ("Advisors", ("Advisers",)),
    ("Analytics", ()), ("Data", ()), ("Digital", ()), ("Robotics", ()), ("Automation", ()),
    ("Aerospace", ()), ("Motors", ()), ("Automotive", ("Auto",)), ("Chemicals", ("Chem",)),
    ("Materials", ()), ("Metals", ()), ("Steel", ()), ("Plastics", ()), ("Textiles", ()),
    ("Apparel", ()), ("Retail", ()), ("Trading", ()), ("Traders", ()), ("Imports", ()),
    ("Distribution", ("Distr", "Dist")), ("Supply", ()), ("Freight", ()), ("Shipping", ()),
    ("Transport", ()), ("Airlines", ()), ("Travel", ()), ("Hotels", ()),
    ("Hospitality", ()), ("Restaurants", ()), ("Brewing", ()), ("Beverages", ("Bev",)),
    ("Labs", ()), ("Research", ()), ("Biotech", ()), ("Biosciences", ()),
    ("Diagnostics", ()), ("Devices", ()), ("Instruments", ()), ("Electronics", ()),
    ("Semiconductors", ("Semi",)), ("Security", ("Sec",)), ("Cloud", ()), ("Cyber", ()),
    ("Labs", ()), ("Studios", ()), ("Design", ()), ("Architects", ()), ("Interiors", ()),
    ("Realty", ()), ("Estates", ()), ("Homes", ()), ("Builders", ()), ("Utilities", ()),
    ("Water", ()), ("Environmental", ("Env",)), ("Recycling", ()), ("Agri", ()),
    ("Marine", ()), ("Mining", ()), ("Resources", ()), ("Oil", ()), ("Gas", ()),
    ("Renewables", ()), ("Solar", ()), ("Wind", ()), ("Education", ("Edu",)),
    ("Learning", ()), ("Academy", ()), ("Publishing", ()), ("Press", ()), ("Games", ()),
    ("Entertainment", ("Ent",)), ("Sports", ()), ("Fitness", ()), ("Wellness", ()),
    ("Clinic", ()), ("Care", ()), ("Logistik", ()), ("Maschinenbau", ()),
    ("Versicherungen", ()), ("Bau", ()), ("Handel", ()), ("Technik", ()),
    ("Immobilien", ()), ("Beratung", ()), ("Elektrotechnik", ()), ("Werke", ()),
    ("Conseil", ()), ("Transports", ()), ("Assurances", ()), ("Immobilier", ()),
    ("Servicios", ()), ("Construcciones", ()), ("Inversiones", ()), ("Distribuciones", ()),
    ("Tecnología", ("Tecnologia",)), ("Costruzioni", ()), ("Servizi", ()), ("Impianti", ()),
    ("Trasporti", ()), ("Tecnologie", ()), ("Bouw", ()), ("Techniek", ()), ("Groep", ()),
    ("Installatie", ()), ("Bygg", ()), ("Teknik", ()), ("Fastigheter", ()),
    ("Konsult", ()), ("Invest", ()),
]
INDUSTRY_ABBREVIATIONS = {word: abbr for word, abbr in INDUSTRY_WORDS if abbr}
INDUSTRY_LABELS = [
    "Software", "Manufacturing", "Retail", "Healthcare", "Financial services", "Logistics",
    "Energy", "Construction", "Education", "Media", "Telecommunications", "Public sector",
    "Hospitality", "Automotive", "Pharmaceuticals", "Agriculture",
]

# Syllables for invented brand words ("Velora", "Quintrax"): thousands of distinct tokens.
ONSETS = ("b br c cl cr d dr f fl fr g gl gr h j k kl kr l m n p pl pr qu r s sk sl sp st "
          "t tr v w z x sh th ch").split()
VOWELS = "a e i o u a e i o ai ea io ou y".split()
CODAS = ["", "", "", "n", "r", "l", "x", "s", "m", "t", "nd", "rk", "st", "nt", "ll", "ck"]
ENDINGS = ["", "", "", "a", "ia", "ix", "on", "ex", "us", "ara", "ity", "o", "is", "era",
           "ico", "ant", "ify", "ly", "io", "eon"]

# Country: (weight, TLDs, legal forms as (canonical, spellings...), calling code,
# national-number length, trunk prefix, conjunction for "&", free-mail domains in use)
COUNTRIES: dict[str, dict] = {
    "US": dict(weight=26, tlds=["com", "com", "com", "us", "net", "io"], code="1", nsn=10,
               trunk="", conj="and",
               forms=[("Inc.", "Inc", "INC", "Inc.", "Incorporated"), ("LLC", "L.L.C.", "llc",
                      "Limited Liability Company"), ("Corp.", "Corporation", "Corp", "CORP"),
                      ("Co.", "Company", "Co"), ("", ""), ("LP", "L.P.")]),
    "GB": dict(weight=10, tlds=["co.uk", "co.uk", "com", "uk"], code="44", nsn=10, trunk="0",
               conj="and", forms=[("Ltd", "Ltd.", "Limited", "LTD", "ltd"), ("PLC", "plc",
                                  "p.l.c."), ("LLP",), ("", "")]),
    "DE": dict(weight=12, tlds=["de", "de", "de", "com", "eu"], code="49", nsn=10, trunk="0",
               conj="und", forms=[("GmbH", "GmbH", "Gmbh", "GMBH", "G.m.b.H.", "mbH"),
                                  ("AG", "AG", "Aktiengesellschaft"),
                                  ("GmbH & Co. KG", "GmbH & Co KG", "GmbH u. Co. KG",
                                   "GmbH & Co.KG"), ("KG",), ("e.K.", "e. K."),
                                  ("UG (haftungsbeschränkt)", "UG", "UG (haftungsbeschraenkt)"),
                                  ("SE",), ("", "")]),
    "FR": dict(weight=6, tlds=["fr", "fr", "com", "eu"], code="33", nsn=9, trunk="0",
               conj="et", forms=[("SAS", "S.A.S.", "SAS", "sas"), ("SA", "S.A.", "SA"),
                                 ("SARL", "S.A.R.L.", "Sàrl", "SARL"), ("SASU",), ("", "")]),
    "NL": dict(weight=4, tlds=["nl", "nl", "com", "eu"], code="31", nsn=9, trunk="0",
               conj="en", forms=[("B.V.", "BV", "B.V.", "bv", "B. V."), ("N.V.", "NV"),
                                 ("V.O.F.", "VOF"), ("", "")]),
    "ES": dict(weight=4, tlds=["es", "es", "com"], code="34", nsn=9, trunk="", conj="y",
               forms=[("S.L.", "SL", "S.L.", "S.L.U.", "Sociedad Limitada"),
                      ("S.A.", "SA", "Sociedad Anónima"), ("", "")]),
    "IT": dict(weight=4, tlds=["it", "it", "com"], code="39", nsn=10, trunk="", conj="e",
               forms=[("S.p.A.", "SpA", "S.P.A.", "spa"), ("S.r.l.", "Srl", "S.R.L.", "srl"),
                      ("S.n.c.", "snc"), ("", "")]),
    "SE": dict(weight=2, tlds=["se", "se", "com"], code="46", nsn=9, trunk="0", conj="och",
               forms=[("AB", "AB", "Aktiebolag", "AB (publ)"), ("", "")]),
    "DK": dict(weight=2, tlds=["dk", "dk", "com"], code="45", nsn=8, trunk="", conj="og",
               forms=[("A/S", "A/S", "AS"), ("ApS", "ApS", "Aps"), ("", "")]),
    "NO": dict(weight=1, tlds=["no", "no", "com"], code="47", nsn=8, trunk="", conj="og",
               forms=[("AS", "AS", "A/S"), ("ASA",), ("", "")]),
    "FI": dict(weight=1, tlds=["fi", "fi", "com"], code="358", nsn=9, trunk="0", conj="ja",
               forms=[("Oy", "Oy", "OY", "Osakeyhtiö"), ("Oyj",), ("", "")]),
    "PL": dict(weight=2, tlds=["pl", "pl", "com", "com.pl"], code="48", nsn=9, trunk="",
               conj="i", forms=[("Sp. z o.o.", "Sp. z o.o.", "sp. z o. o.", "Sp.z o.o.",
                                 "Spółka z o.o."), ("S.A.", "SA"), ("", "")]),
    "CH": dict(weight=2, tlds=["ch", "ch", "com"], code="41", nsn=9, trunk="0", conj="und",
               forms=[("AG", "AG"), ("GmbH", "GmbH"), ("SA", "S.A."), ("Sàrl", "Sàrl",
                      "S.à r.l."), ("", "")]),
    "AT": dict(weight=2, tlds=["at", "at", "com", "co.at"], code="43", nsn=10, trunk="0",
               conj="und", forms=[("GmbH", "GmbH", "Ges.m.b.H.", "Gesellschaft m.b.H."),
                                  ("AG",), ("", "")]),
    "BE": dict(weight=2, tlds=["be", "be", "com", "eu"], code="32", nsn=9, trunk="0",
               conj="en", forms=[("NV", "N.V.", "NV"), ("SA", "S.A."), ("BV", "BVBA"),
                                 ("SRL", "SPRL"), ("", "")]),
    "IE": dict(weight=1, tlds=["ie", "ie", "com"], code="353", nsn=9, trunk="0",
               conj="and", forms=[("Ltd", "Limited", "Ltd.", "Teoranta"), ("DAC",),
                                  ("", "")]),
    "CZ": dict(weight=1, tlds=["cz", "cz", "com"], code="420", nsn=9, trunk="", conj="a",
               forms=[("s.r.o.", "s.r.o.", "s. r. o.", "spol. s r.o."), ("a.s.", "a. s."),
                      ("", "")]),
    "BR": dict(weight=3, tlds=["com.br", "com.br", "com"], code="55", nsn=11, trunk="0",
               conj="e", forms=[("Ltda.", "Ltda", "LTDA"), ("S.A.", "SA", "S/A"),
                                ("EIRELI", "Eireli"), ("ME",), ("", "")]),
    "MX": dict(weight=2, tlds=["com.mx", "mx", "com"], code="52", nsn=10, trunk="", conj="y",
               forms=[("S.A. de C.V.", "SA de CV", "S.A. de C.V.", "S. de R.L. de C.V."),
                      ("", "")]),
    "CA": dict(weight=3, tlds=["ca", "ca", "com"], code="1", nsn=10, trunk="", conj="and",
               forms=[("Inc.", "Inc", "Incorporated"), ("Ltd.", "Ltd", "Limited", "Ltée"),
                      ("Corp.", "Corporation"), ("", "")]),
    "AU": dict(weight=3, tlds=["com.au", "com.au", "com"], code="61", nsn=9, trunk="0",
               conj="and", forms=[("Pty Ltd", "Pty Ltd", "Pty. Ltd.", "PTY LTD",
                                   "Proprietary Limited"), ("Ltd",), ("", "")]),
    "JP": dict(weight=2, tlds=["co.jp", "jp", "com"], code="81", nsn=10, trunk="0",
               conj="and", forms=[("K.K.", "KK", "Kabushiki Kaisha", "Co., Ltd.",
                                   "Co. Ltd"), ("G.K.", "GK", "Godo Kaisha"), ("", "")]),
    "IN": dict(weight=3, tlds=["in", "co.in", "com"], code="91", nsn=10, trunk="0",
               conj="and", forms=[("Pvt. Ltd.", "Pvt Ltd", "Private Limited",
                                   "Pvt. Limited", "(P) Ltd"), ("Ltd.", "Limited"),
                                  ("LLP",), ("", "")]),
    "SG": dict(weight=2, tlds=["com.sg", "sg", "com"], code="65", nsn=8, trunk="",
               conj="and", forms=[("Pte. Ltd.", "Pte Ltd", "PTE. LTD.", "Private Limited"),
                                  ("", "")]),
}

# Free and consumer mail: most in leads.normalize.FREE_MAIL_DOMAINS, some regional ones
# that are not (real partners type whatever address the customer gave them).
FREE_MAIL_LISTED = ["gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com",
                    "web.de", "gmx.de", "t-online.de", "orange.fr", "free.fr", "libero.it",
                    "wp.pl", "seznam.cz", "btinternet.com", "yahoo.co.uk", "qq.com"]
FREE_MAIL_UNLISTED = ["hotmail.ca", "yahoo.ca", "outlook.es", "live.nl", "ziggo.nl",
                      "telenet.be", "bluewin.ch", "hotmail.se", "gmx.fr", "yahoo.es",
                      "hotmail.nl", "kpnmail.nl", "aon.at", "eircom.net", "bigpond.net.au"]

# Hosts where many unrelated small companies have their "website".
SHARED_PLATFORM_URLS = [
    "https://www.linkedin.com/company/{slug}", "https://www.facebook.com/{slug}",
    "https://{slug}.wixsite.com/home", "https://{slug}.myshopify.com",
    "https://sites.google.com/view/{slug}", "https://{slug}.business.site",
    "https://www.instagram.com/{slug}/",
]

NEEDS = [
    "Replace three reporting tools with one analytics platform for finance and sales.",
    "Consolidate customer data from two CRMs before the merger closes.",
    "Move on-premise file servers to the cloud with audit trails for compliance.",
    "Automate invoice processing across 12 subsidiaries.",
    "Real-time tracking of the delivery fleet and route planning.",
    "Self-service dashboards for store managers, replacing weekly Excel exports.",
    "Predictive maintenance on production lines using existing sensor data.",
    "Single sign-on and access reviews for 4,000 employees.",
    "A customer portal for warranty claims with SLA reporting.",
    "Forecast demand per warehouse to cut stock-outs before peak season.",
]
