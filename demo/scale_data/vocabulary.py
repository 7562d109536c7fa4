"""The words the benchmark data is made of: invented names in a Swedish region."""

from __future__ import annotations

from stakeholders.models import Category, Sector


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


MUNICIPALITIES = _names(
    "Växjö Alvesta Ljungby Älmhult Markaryd Tingsryd Lessebo Uppvidinge Kalmar Nybro Emmaboda "
    "Torsås Mörbylånga Borgholm Västervik Vimmerby Hultsfred Oskarshamn Mönsterås Högsby "
    "Karlskrona Ronneby Karlshamn Sölvesborg Olofström Jönköping Värnamo Gislaved Gnosjö Vaggeryd"
)
FIRST_NAMES = _names(
    "Anna Erik Fatima Johan Leila Maria Omar Sara Daniel Karin Ahmed Elin Hassan Ingrid Jonas "
    "Amina Lars Nour Peter Sofia Yusuf Åsa Björn Zeynep Mikael Hodan Oskar Ewa Ali Linnéa"
)
LAST_NAMES = _names(
    "Lindqvist Sandberg Haddad Berg Ahmadi Nilsson Yusuf Ek Holm Åberg Karlsson Warsame Johansson "
    "Olsson Persson Hussein Svensson Gustafsson Pettersson Jönsson Mohamed Andersson Larsson"
)
ORGANISATION_KINDS = (
    ("Integration Unit", Category.PUBLIC_AUTHORITY, Sector.PUBLIC),
    ("Social Services", Category.SOCIAL_WORK, Sector.PUBLIC),
    ("Adult Education Centre", Category.EDUCATION, Sector.PUBLIC),
    ("Neighbours Association", Category.MIGRANT_ORGANISATION, Sector.NON_PROFIT),
    ("Study Association", Category.EDUCATION, Sector.NON_PROFIT),
    ("Sports Federation", Category.CULTURE_SPORTS, Sector.NON_PROFIT),
    ("Volunteer Centre", Category.VOLUNTEER_CENTRE, Sector.NON_PROFIT),
    ("Parish", Category.FAITH, Sector.NON_PROFIT),
    ("Employment Office", Category.INTEGRATION, Sector.PUBLIC),
    ("Business Network", Category.BUSINESS, Sector.BUSINESS),
    ("Women's Network", Category.NGO, Sector.NON_PROFIT),
)
WORDS = _names(
    "mediation dialogue newcomers housing school parents language training employment health "
    "youth trust neighbourhood volunteers mentors interpreters outreach workshop survey "
    "municipality region partners funding evaluation meeting-place culture sports library "
    "guidance rights information community network families"
)
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36"
